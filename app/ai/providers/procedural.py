"""``procedural``: offline, deterministic, NOT AI.

It draws a soft gradient with translucent shapes whose layout and shapes come
from the SHA-256 of the prompt and settings, and whose palette comes from the
style, else from the prompt (a colour word in it, else its hash). The same request
always gives the same pixels. It exists so that a fresh install and the
tests run end to end with no key and no network; the corner label says so.
"""

import colorsys
import hashlib
import io
import random
import re

from PIL import Image, ImageDraw, ImageFont

from .base import Provider, ProviderImage, ProviderResult

PALETTES = {
    "photorealistic": [(38, 70, 83), (42, 157, 143), (233, 196, 106), (244, 162, 97), (231, 111, 81)],
    "anime": [(255, 183, 197), (255, 221, 225), (133, 193, 233), (120, 94, 240), (255, 255, 255)],
    "watercolor": [(168, 218, 220), (241, 250, 238), (230, 57, 70), (69, 123, 157), (29, 53, 87)],
    "comic": [(255, 214, 10), (0, 53, 102), (255, 0, 84), (255, 255, 255), (0, 0, 0)],
    "minimal": [(245, 245, 245), (200, 200, 200), (40, 40, 40), (120, 120, 120), (230, 230, 230)],
}

# Words that name a colour or a scene with one, as a hue in [0, 1): "a red fox" comes out red.
HUE_WORDS = {
    "red": 0.0, "crimson": 0.97, "rose": 0.94, "pink": 0.92, "magenta": 0.86, "purple": 0.78, "violet": 0.75,
    "lavender": 0.72, "indigo": 0.68, "blue": 0.61, "navy": 0.63, "ocean": 0.55, "sea": 0.53, "sky": 0.57,
    "ice": 0.52, "cyan": 0.5, "teal": 0.47, "mint": 0.42, "green": 0.33, "forest": 0.3, "jungle": 0.28,
    "lime": 0.23, "olive": 0.17, "yellow": 0.15, "gold": 0.12, "golden": 0.12, "sand": 0.1, "desert": 0.08,
    "orange": 0.07, "autumn": 0.06, "sunset": 0.04, "fire": 0.02, "lava": 0.01, "rust": 0.03, "brown": 0.06,
}
WORD = re.compile(r"[a-z]+")


def prompt_palette(prompt):
    """Five colours from the prompt: a colour word sets the hue, else the prompt's hash does; the rest harmonise.

    Deterministic, and different prompts get different palettes, so a gallery of
    procedural images is not a wall of identical tiles.
    """
    digest = hashlib.sha256((prompt or "").encode()).digest()
    words = WORD.findall((prompt or "").lower())
    hue = next((HUE_WORDS[word] for word in words if word in HUE_WORDS), digest[0] / 256)
    saturation = 0.45 + digest[1] / 255 * 0.4
    palette = []
    for offset, lightness in ((0.0, 0.45), (0.04, 0.62), (-0.05, 0.3), (0.1, 0.7), (0.0, 0.8)):
        rgb = colorsys.hls_to_rgb((hue + offset + (digest[2] - 128) / 4096) % 1.0, lightness, saturation)
        palette.append(tuple(round(channel * 255) for channel in rgb))
    return palette


def _seed(request):
    text = "\x1f".join(str(v) for v in (request.prompt, request.negative_prompt, request.style,
                                          request.quality, request.size, request.seed))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _reference_colours(images):
    """The average colour of each reference image (so a dataset tints the result)."""
    colours = []
    for data in images[:4]:
        try:
            with Image.open(io.BytesIO(data)) as image:
                colours.append(image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))
        except Exception:  # a reference that no longer decodes is skipped
            continue
    return colours


def render(request, index=0):
    """Draw one image for ``request``; ``index`` varies it within a batch of n."""
    rng = random.Random(_seed(request) + index)
    palette = list(PALETTES[request.style]) if request.style in PALETTES else prompt_palette(request.prompt)
    palette = _reference_colours(request.reference_images) + palette
    rng.shuffle(palette)
    width, height = request.width, request.height
    top, bottom = palette[0], palette[1]
    mask = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), bottom),
                            Image.new("RGB", (width, height), top), mask)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    unit = min(width, height)
    for _ in range(rng.randint(9, 16)):
        colour = (*rng.choice(palette), rng.randint(60, 150))
        x, y = rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.1, 1.1) * height
        radius = rng.uniform(0.05, 0.3) * unit
        box = (x - radius, y - radius, x + radius, y + radius)
        shape = rng.random()
        if shape < 0.55:
            draw.ellipse(box, fill=colour)
        elif shape < 0.85:
            draw.rounded_rectangle(box, radius=radius * 0.3, fill=colour)
        else:
            draw.regular_polygon((x, y, radius), rng.randint(3, 6), rotation=rng.uniform(0, 360), fill=colour)
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    label = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, unit // 48))
    label.text((unit // 64, height - unit // 64), "procedural · not AI", anchor="ld",
               fill=(255, 255, 255, 200), font=font)
    return image.convert("RGB")


class ProceduralProvider(Provider):
    name = "procedural"
    is_ai = False
    default_model = "procedural-v1"

    def generate(self, request):
        """Render ``n`` images as PIL images (the pipeline encodes them once)."""
        images = [ProviderImage(None, "image/png", image=render(request, index)) for index in range(request.n)]
        return ProviderResult(images, request.model or self.default_model, info={"seed": _seed(request)})
