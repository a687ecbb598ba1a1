"""Scene → SVG bytes, built with svgwrite.

Text is drawn as the shaped glyphs' outlines (each defined once and placed
with <use>) at the positions the PNG uses; colour emoji as their embedded
PNG images. A viewer therefore
needs no font and shows the PNG's layout exactly; the words stay available to
screen readers and crawlers as the <title> and the root's aria-label.
"""

import base64

import svgwrite

from app.og.art import Shape
from app.og.fonts import colour_glyph, get_face, glyph_path
from app.og.glyphs import colour_box, glyph_origin
from app.og.layout import TextBlock
from app.og.layouts import Rect
from app.og.params import clean_text
from app.og.scene import Scene


def _hex(colour: tuple[int, int, int]) -> str:
    r, g, b = colour
    return f"#{r:02x}{g:02x}{b:02x}"


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def _shape(dwg: svgwrite.Drawing, shape: Shape):
    common = {"fill_opacity" if shape.kind != "ring" else "stroke_opacity": _num(shape.opacity)}
    if shape.kind == "circle":
        return dwg.circle((_num(shape.cx), _num(shape.cy)), _num(shape.r), fill=_hex(shape.colour), **common)
    if shape.kind == "ring":  # r is the outer radius, as in the rasteriser
        return dwg.circle((_num(shape.cx), _num(shape.cy)), _num(shape.r - shape.stroke / 2), fill="none",
                          stroke=_hex(shape.colour), stroke_width=_num(shape.stroke), **common)
    return dwg.polygon([(_num(x), _num(y)) for x, y in shape.points], fill=_hex(shape.colour), **common)


def _rect(dwg: svgwrite.Drawing, rect: Rect):
    return dwg.rect((rect.x0, rect.y0), (rect.x1 - rect.x0, rect.y1 - rect.y0), rx=rect.radius,
                    ry=rect.radius, fill=_hex(rect.colour), fill_opacity=_num(rect.opacity))


def _text(dwg: svgwrite.Drawing, block: TextBlock, defined: set[str]):
    """One group per block; outlines go to <defs> once and are placed with the PNG's transforms."""
    group = dwg.g(fill=_hex(block.colour))
    for line in block.lines:
        for glyph in line.glyphs.glyphs:
            face = get_face(glyph.face)
            gid = f"{glyph.face}.{glyph.gid}"
            if face.is_colour:
                box = colour_box(line, glyph, block.size)
                if box is None:
                    continue
                if gid not in defined:
                    defined.add(gid)
                    png, _extents = colour_glyph(glyph.face, glyph.gid)
                    dwg.defs.add(dwg.image("data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                                           insert=(0, 0), size=(1, 1), id=gid, preserveAspectRatio="none"))
                x, y, width, height = box
                group.add(dwg.use(f"#{gid}", transform=f"matrix({width} 0 0 {height} {x} {y})"))
                continue
            path = glyph_path(glyph.face, glyph.gid)
            if not path:  # spaces and other blank glyphs
                continue
            if gid not in defined:
                defined.add(gid)
                dwg.defs.add(dwg.path(d=path, id=gid))
            x, y, scale = glyph_origin(line, glyph, block.size, face.upem)
            group.add(dwg.use(f"#{gid}", transform=f"matrix({scale:.6g} 0 0 {-scale:.6g} {_num(x)} {_num(y)})"))
    return group


def render_svg(scene: Scene) -> bytes:
    """The SVG document of a scene, UTF-8 encoded."""
    w, h = scene.width, scene.height
    title = clean_text(scene.title)
    dwg = svgwrite.Drawing(size=(w, h), viewBox=f"0 0 {w} {h}", debug=False)
    dwg.attribs.update({"role": "img", "aria-label": title})
    if scene.missing_scripts:
        dwg.attribs["data-missing-scripts"] = ", ".join(scene.missing_scripts)
    dwg.set_desc(title=title)
    gradient = dwg.linearGradient((0, 0), (1, 1), id="bg")
    gradient.add_stop_color(0, _hex(scene.background[0]))
    gradient.add_stop_color(1, _hex(scene.background[1]))
    dwg.defs.add(gradient)
    dwg.add(dwg.rect((0, 0), (w, h), fill="url(#bg)"))
    for shape in scene.shapes:
        dwg.add(_shape(dwg, shape))
    for rect in scene.rects:
        dwg.add(_rect(dwg, rect))
    if scene.logo is not None:
        box = scene.logo
        dwg.add(dwg.image(box.logo.data_uri(), insert=(box.x, box.y), size=(box.width, box.height),
                          preserveAspectRatio="none"))
    defined: set[str] = set()
    for block in scene.texts:
        dwg.add(_text(dwg, block, defined))
    return dwg.tostring().encode("utf-8")
