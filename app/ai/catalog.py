"""The tools and what they shape; the choices of a request (styles, sizes, …) come from ``app.choices``."""

from dataclasses import dataclass

from app.choices import ASPECT_RATIOS, FORMATS, MAX_N, QUALITIES, SIZES, STYLES  # noqa: F401 (the catalog's own words)


@dataclass(frozen=True)
class Tool:
    tool_name: str  # generated_images.tool_name
    template: str | None = None  # how the tool shapes the prompt
    style: str | None = None  # default style
    aspect_ratio: str | None = None  # forced aspect ratio
    size: str | None = None  # default size


TOOLS = {
    "image": Tool("generateUserImage"),
    "avatar": Tool("generateUserAvatar", "Profile avatar, head and shoulders, centred, plain soft background, "
                   "friendly expression: {prompt}", aspect_ratio="1:1"),
    "anime": Tool("generateAnimeManga", "Anime / manga artwork, expressive characters, dynamic composition: {prompt}",
                  style="anime"),
    "comic": Tool("generateComic", "Comic book page with panels, clear storytelling, room for speech bubbles: {prompt}",
                  style="comic"),
    "icon": Tool("generateIconEmoji", "A single icon or emoji, centred, bold simple shapes, no text, "
                 "plain background: {prompt}", style="flat-icon", aspect_ratio="1:1", size="512x512"),
    "edit": Tool("imageEditor"),
    "chart": Tool("renderChart"),
}
PROMPT_TOOLS = ("image", "avatar", "anime", "comic", "icon")
# What people call each tool_name on screen: the ledger keeps the stored names.
TOOL_LABELS = {
    **{tool.tool_name: name.capitalize() for name, tool in TOOLS.items()},
    "openaiImagesGenerations": "Image (OpenAI API)",
    "openaiImagesEdits": "Edit (OpenAI API)",
}


def tool_label(tool_name):
    """'generateUserImage' → 'Image'; a name without a label is shown as it is stored."""
    return TOOL_LABELS.get(tool_name, tool_name or "—")


def parse_size(size):
    width, _, height = size.partition("x")
    return int(width), int(height)


def resolve_size(size, aspect_ratio, tool):
    """(width, height) from an explicit size, else the tool's, else the aspect ratio's."""
    if size:
        return parse_size(size)
    if tool.size:
        return parse_size(tool.size)
    return ASPECT_RATIOS[tool.aspect_ratio or aspect_ratio or "1:1"]
