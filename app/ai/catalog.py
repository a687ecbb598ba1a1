"""The choices a request may make: styles, aspect ratios, sizes, qualities, formats, tools."""

from dataclasses import dataclass

# style -> the phrase added to the full prompt
STYLES = {
    "photorealistic": "photorealistic, natural light, high detail",
    "cinematic": "cinematic still, dramatic lighting, shallow depth of field",
    "anime": "anime illustration, clean line art, cel shading",
    "manga": "black and white manga panel, screentone shading",
    "comic": "comic book art, bold ink outlines, halftone shading",
    "watercolor": "watercolor painting, soft washes, paper texture",
    "oil-painting": "oil painting, visible brush strokes",
    "digital-art": "digital art, vibrant colours",
    "3d-render": "3D render, soft global illumination",
    "pixel-art": "pixel art, limited palette",
    "sketch": "pencil sketch, cross-hatching",
    "minimal": "minimalist, flat shapes, generous negative space",
    "flat-icon": "flat vector icon, simple geometric shapes",
    "vivid": "vivid, hyper-real colours",
    "natural": "natural, realistic colours",
}

# aspect ratio -> (width, height), multiples of 64 near one megapixel
ASPECT_RATIOS = {
    "1:1": (1024, 1024), "16:9": (1344, 768), "9:16": (768, 1344), "4:3": (1152, 896),
    "3:4": (896, 1152), "3:2": (1216, 832), "2:3": (832, 1216), "21:9": (1536, 640),
}

SIZES = ("256x256", "512x512", "768x768", "1024x1024", "1024x1536", "1536x1024", "1024x1792",
         "1792x1024", *(f"{w}x{h}" for w, h in ASPECT_RATIOS.values()))

QUALITIES = ("low", "medium", "high", "standard", "hd", "auto")
FORMATS = ("png", "jpeg", "webp")
MAX_N = 4


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
