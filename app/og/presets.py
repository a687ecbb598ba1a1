"""Card sizes the social platforms ask for, and the bounds every request must respect."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """One named card size."""

    name: str
    width: int
    height: int
    description: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("default", 1200, 630, "Open Graph (Facebook, Slack, Discord…), 1.91:1"),
        Preset("square", 1200, 1200, "square post, 1:1"),
        Preset("youtube", 1280, 720, "YouTube thumbnail, 16:9"),
        # X's summary_large_image card is shown cropped to 1.91:1, so the
        # 1200x628 size fills it; 1200x675 (16:9) suits in-feed photos, not cards.
        Preset("twitter", 1200, 628, "X/Twitter summary_large_image card, 1.91:1"),
        Preset("linkedin", 1200, 627, "LinkedIn shared link, 1.91:1"),
        Preset("story", 1080, 1920, "vertical story (Instagram, Facebook, TikTok), 9:16"),
        Preset("pinterest", 1000, 1500, "Pinterest pin, 2:3"),
    )
}
ALIASES: dict[str, str] = {"x": "twitter"}
ASPECTS: tuple[str, ...] = tuple(PRESETS) + tuple(ALIASES)

MIN_SIZE = 64
MAX_SIZE = 4096
# Both sides at their maximum would be 16.7 megapixels (67 MB of RGBA) per request: cap the area.
MAX_PIXELS = 4_194_304  # 2048 × 2048
DEFAULT_SHAPES = 12
MAX_SHAPES = 64
MAX_SEED = 255  # og_generations.seed is VARCHAR(255)
MAX_QUOTE = 500
MAX_AUTHOR = 100
# Characters each text parameter may have; a layout shows what fits and cuts the rest with "…".
TEXT_LIMITS: dict[str, int] = {
    "quote": MAX_QUOTE, "author": MAX_AUTHOR, "title": 200, "description": 300, "site": 60, "badge": 40,
}
LAYOUTS = ("quote", "article", "announcement", "plain")
FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "webp": "image/webp",
    "jpeg": "image/jpeg",
}


def get_preset(aspect: str) -> Preset:
    """Return the preset named `aspect` (aliases allowed); KeyError if unknown."""
    return PRESETS[ALIASES.get(aspect, aspect)]
