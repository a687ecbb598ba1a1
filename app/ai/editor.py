"""The ``edit`` tool (imageEditor): resize, crop, rotate, flip, filters, text — with Pillow.

Operations run in order on the source image; each is a dict with ``op`` and
its fields, already validated by the schema.
"""

from PIL import ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from .errors import RequestError

MAX_SIDE = 4096
FILTERS = {
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "sharpen": lambda im: im.filter(ImageFilter.SHARPEN),
    "contour": lambda im: im.filter(ImageFilter.CONTOUR),
    "edge_enhance": lambda im: im.filter(ImageFilter.EDGE_ENHANCE),
    "emboss": lambda im: im.filter(ImageFilter.EMBOSS),
    "grayscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "invert": lambda im: ImageOps.invert(im.convert("RGB")),
    "sepia": lambda im: ImageOps.colorize(ImageOps.grayscale(im), "#2b1d0e", "#f4e2c4"),
    "autocontrast": lambda im: ImageOps.autocontrast(im.convert("RGB")),
    "brighten": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "darken": lambda im: ImageEnhance.Brightness(im).enhance(0.7),
    "saturate": lambda im: ImageEnhance.Color(im).enhance(1.5),
}


def _check_side(*sides):
    if any(side < 1 or side > MAX_SIDE for side in sides):
        raise RequestError(422, f"sizes must be 1 to {MAX_SIDE} pixels", field="operations")


def apply_operation(image, operation):
    op = operation["op"]
    if op == "resize":
        width, height = operation["width"], operation.get("height")
        height = height or max(1, round(image.height * width / image.width))
        _check_side(width, height)
        return image.resize((width, height), resample=3)
    if op == "crop":
        left, top, right, bottom = operation["box"]
        if not (0 <= left < right <= image.width and 0 <= top < bottom <= image.height):
            raise RequestError(422, f"crop box must lie inside the {image.width}x{image.height} image",
                               field="operations")
        return image.crop((left, top, right, bottom))
    if op == "rotate":
        rotated = image.rotate(-operation["degrees"], expand=True, resample=3)
        _check_side(*rotated.size)
        return rotated
    if op == "flip":
        return ImageOps.mirror(image) if operation.get("direction", "horizontal") == "horizontal" \
            else ImageOps.flip(image)
    if op == "filter":
        return FILTERS[operation["name"]](image)
    if op == "text":
        image = image.convert("RGBA")
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=operation.get("size", 48))
        x, y = operation.get("x", 16), operation.get("y", 16)
        draw.text((x, y), operation["text"], font=font, fill=operation.get("color", "#ffffff"),
                  stroke_width=max(1, operation.get("size", 48) // 24), stroke_fill="#000000")
        return image
    raise RequestError(422, f"unknown operation {op!r}", field="operations")


def edit_image(image, operations):
    """Apply ``operations`` in order; returns the new image."""
    for operation in operations:
        image = apply_operation(image, operation)
    return image
