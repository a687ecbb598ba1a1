"""The OG renderer as pure functions: determinism, sizes, escaping, layout, bounds."""

import io
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from app.og import presets
from app.og.glyphs import ink_box
from app.og.params import ParamError, make_params
from app.og.render import RENDERER_VERSION, render
from app.og.scene import build_scene

QUOTE = ("The best way to predict the future is to invent it; the second best is to "
         "render it fast and cache it forever, they say.")  # 120 characters
SVG_NS = "{http://www.w3.org/2000/svg}"


def png_image(**kwargs) -> Image.Image:
    body, content_type = render(make_params(format="png", **kwargs))
    assert content_type == "image/png"
    image = Image.open(io.BytesIO(body))
    image.load()  # decodes every row: the PNG is valid
    return image


def test_same_params_same_bytes():
    params = make_params("seed-1", quote=QUOTE, author="Alan Kay")
    assert render(params) == render(make_params("seed-1", quote=QUOTE, author="Alan Kay"))


def test_bytes_stable_across_processes():
    code = ("from app.og.render import render; from app.og.params import make_params; "
            "import hashlib, sys; sys.stdout.write(hashlib.sha256(render(make_params("
            "'seed-1', quote='Hello', format=sys.argv[1]))[0]).hexdigest())")
    for fmt in ("png", "svg"):
        digests = {subprocess.run([sys.executable, "-c", code, fmt], capture_output=True, text=True,
                                  check=True).stdout for _ in range(2)}
        local = __import__("hashlib").sha256(render(make_params("seed-1", quote="Hello", format=fmt))[0])
        assert digests == {local.hexdigest()}


def test_different_seed_different_image():
    first = png_image(seed="a", quote=QUOTE)
    second = png_image(seed="b", quote=QUOTE)
    assert first.tobytes() != second.tobytes()


@pytest.mark.parametrize("aspect", presets.ASPECTS)
def test_preset_pixel_size(aspect):
    preset = presets.get_preset(aspect)
    assert png_image(seed="size", aspect=aspect, quote=QUOTE).size == (preset.width, preset.height)


def test_custom_size_overrides_preset():
    assert png_image(seed="s", width=300, height=64).size == (300, 64)


@pytest.mark.parametrize("fmt, magic", [("webp", b"RIFF"), ("jpeg", b"\xff\xd8")])
def test_other_formats(fmt, magic):
    body, _ = render(make_params("s", format=fmt))
    assert body.startswith(magic)


def test_png_is_antialiased():
    image = png_image(seed="aa", shapes=30)
    # Hard-edged drawing gives a few dozen colours; blended edges give thousands.
    assert len(image.getcolors(maxcolors=1 << 20)) > 2000


def test_svg_escapes_text():
    quote = '<script>alert("x")</script> & \'quotes\' "double" 😀 \x00\x07 end'
    author = '</title><script>evil()</script>'
    body, content_type = render(make_params("esc", quote=quote, author=author, format="svg"))
    assert content_type == "image/svg+xml"
    root = ET.fromstring(body)
    assert [el for el in root.iter() if el.tag.endswith("script")] == []
    title = root.find(f"{SVG_NS}title").text
    assert '<script>alert("x")</script>' in title and "😀" in title and author in title
    assert root.get("aria-label") == title
    assert len(list(root.iter(f"{SVG_NS}use"))) > 20  # the text, drawn as glyphs


def test_svg_and_png_share_the_scene_size():
    body, _ = render(make_params("s", aspect="story", format="svg"))
    root = ET.fromstring(body)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("1080", "1920", "0 0 1080 1920")


LONG_CASES = [
    dict(quote="word " * 100, author="A" * 100),
    dict(quote="x" * 500, author="y" * 100),
    dict(quote="😀🎉✨ " * 120, author="😀" * 100),
    dict(quote="line\n" * 100),
    dict(quote=QUOTE, author="Alan Kay", width=64, height=64),
    dict(quote=QUOTE, width=4096, height=64),
    dict(quote="W" * 500, width=64, height=4096),
]


@pytest.mark.parametrize("case", LONG_CASES)
@pytest.mark.parametrize("aspect", ["default", "story", "square"])
def test_text_stays_inside_the_card(case, aspect):
    scene = build_scene(make_params("long", aspect=aspect, **case))
    for block in scene.texts:
        x0, y0, x1, y1 = block.box
        assert 0 <= x0 <= x1 <= scene.width and 0 <= y0 <= y1 <= scene.height
        for line in block.lines:
            assert line.width == pytest.approx(line.glyphs.width * block.size, abs=0.01)
            assert x0 - 0.01 <= line.x and line.x + line.width <= x1 + 0.01
            ink = ink_box(line, block.size)  # the glyphs' own pixels
            if ink is not None:
                assert 0 <= ink[0] and ink[2] <= scene.width
                assert 0 <= ink[1] and ink[3] <= scene.height
    for p in scene.rects:
        assert 0 <= p.x0 < p.x1 <= scene.width and 0 <= p.y0 < p.y1 <= scene.height


def test_too_long_text_is_cut_with_an_ellipsis():
    scene = build_scene(make_params("cut", quote="word " * 100, author="Ada", width=300, height=157))
    assert scene.texts[0].lines[-1].text.endswith("…")


@pytest.mark.parametrize("field, kwargs", [
    ("width", dict(width=63)), ("width", dict(width=4097)),
    ("height", dict(height=0)), ("height", dict(height=10**9)),
    ("shapes", dict(shapes=-1)), ("shapes", dict(shapes=presets.MAX_SHAPES + 1)),
    ("quote", dict(quote="q" * (presets.MAX_QUOTE + 1))),
    ("author", dict(author="a" * (presets.MAX_AUTHOR + 1))),
    ("aspect", dict(aspect="cinema")), ("theme", dict(theme="neon")), ("format", dict(format="gif")),
])
def test_bounds_name_the_field(field, kwargs):
    with pytest.raises(ParamError) as error:
        make_params("bounds", **kwargs)
    assert error.value.field == field


def test_bounds_accept_the_limits():
    make_params("b", width=64, height=4096, shapes=presets.MAX_SHAPES,
                quote="q" * presets.MAX_QUOTE, author="a" * presets.MAX_AUTHOR)
    with pytest.raises(ParamError):
        make_params("")
    with pytest.raises(ParamError):
        make_params("s" * (presets.MAX_SEED + 1))


def test_a_library_upgrade_changes_the_renderer_version_and_every_etag(monkeypatch):
    """Pillow's upgrades can change bytes: a new Pillow must give a new version, hence new ETags."""
    import importlib
    import importlib.metadata

    from app.og import render as render_module
    from app.og import service

    params = make_params("etag")
    etag = service.card_etag(params)
    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "999.0" if name.lower() == "pillow" else real_version(name))
    try:
        upgraded = importlib.reload(render_module).RENDERER_VERSION
        monkeypatch.setattr(service, "RENDERER_VERSION", upgraded)
        assert upgraded != RENDERER_VERSION
        assert upgraded.startswith(render_module.RENDERER_REVISION + ".") and len(upgraded) <= 32
        assert service.card_etag(params) != etag
    finally:
        monkeypatch.undo()
        importlib.reload(render_module)
    assert render_module.RENDERER_VERSION == RENDERER_VERSION  # the same libraries: the same version
    assert service.card_etag(params) == etag
