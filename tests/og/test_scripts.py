"""Text in every script: shaping against HarfBuzz itself, bidi order, line breaking, floors, fallback."""

import base64
import io
import re

import pytest
import uharfbuzz as hb
from PIL import Image

from app.og.fonts import FAMILIES, FONT_DIR
from app.og.linebreak import break_opportunities
from app.og.params import make_params
from app.og.render import render
from app.og.scene import build_scene

SAMPLES = {
    "Japanese": "東京の夜景はとても美しいです",
    "Chinese": "你好世界",
    "Korean": "안녕하세요 세계",
    "Hindi": "नमस्ते दुनिया",
    "Thai": "สวัสดีชาวโลก",
    "Arabic": "مرحبا بالعالم",
    "Hebrew": "שלום עולם",
    "Bengali": "হ্যালো বিশ্ব",
    "Tamil": "வணக்கம் உலகம்",
    "Greek": "Γειά σου Κόσμε",
    "Russian": "Привет, мир",
    "Emoji": "Launch day 🚀🎉 👨‍👩‍👧 🇯🇵",
}


def glyphs_of(scene):
    return [(block, line, glyph) for block in scene.texts for line in block.lines for glyph in line.glyphs.glyphs]


@pytest.mark.parametrize("name", SAMPLES)
def test_covered_text_draws_no_notdef(name):
    scene = build_scene(make_params("scripts", quote=SAMPLES[name], author=SAMPLES[name]))
    placed = glyphs_of(scene)
    assert placed and all(glyph.gid != 0 for _block, _line, glyph in placed)
    assert scene.missing_scripts == ()


def _harfbuzz(family: str, weight: str, text: str, index: int = 0):
    """The glyph ids and clusters HarfBuzz gives for the shipped font file, shaped directly."""
    face = hb.Face(hb.Blob.from_file_path(str(FONT_DIR / FAMILIES[family][weight].file)), index)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb.Font(face), buf)
    return [(info.codepoint, info.cluster) for info in buf.glyph_infos]


@pytest.mark.parametrize("family, text, index", [
    ("arabic", "مرحبا بالعالم", 0), ("devanagari", "नमस्ते दुनिया", 0), ("thai", "สวัสดีชาวโลก", 0),
    ("hebrew", "שלום עולם", 0), ("cjk", "東京の夜景", 0), ("cjk", "안녕하세요", 1),
    ("tamil", "வணக்கம்", 0), ("emoji", "🚀🎉👨‍👩‍👧", 0),
])
def test_glyph_ids_and_clusters_match_harfbuzz(family, text, index):
    scene = build_scene(make_params("hb", quote=text))
    line = scene.texts[0].lines[0]
    ours = [(glyph.gid, glyph.cluster) for glyph in line.glyphs.glyphs]
    assert {glyph.face.split("-")[0] for glyph in line.glyphs.glyphs} == {family}
    assert ours == _harfbuzz(family, "bold", text, index)


def test_arabic_joins_and_runs_right_to_left():
    text = "مرحبا"
    line = build_scene(make_params("rtl", quote=text)).texts[0].lines[0]
    clusters = [glyph.cluster for glyph in line.glyphs.glyphs]
    xs = [glyph.x for glyph in line.glyphs.glyphs]
    assert clusters == sorted(clusters, reverse=True) and xs == sorted(xs)  # first letter rightmost
    # Joined forms: shaping gives other glyphs than the letters drawn alone.
    isolated = [gid for ch in text for gid, _ in _harfbuzz("arabic", "bold", ch)]
    assert [glyph.gid for glyph in line.glyphs.glyphs][::-1] != isolated


def test_latin_inside_hebrew_keeps_its_place_and_the_paragraph_is_right_aligned():
    scene = build_scene(make_params("mix", quote="שלום Imprint עולם", author="דוד"))
    quote, author = scene.texts
    glyphs = quote.lines[0].glyphs.glyphs
    order = [glyph.cluster for glyph in glyphs]  # visual, left to right
    assert order[:4] == [16, 15, 14, 13]  # עולם, the last word, comes first from the left
    assert order[-4:] == [3, 2, 1, 0]  # שלום, the first word, ends at the right
    latin = [c for c in order if 5 <= c <= 11]
    assert latin == list(range(5, 12))  # Imprint reads left to right in the middle
    right = quote.box[2]
    for block in (quote, author):
        for line in block.lines:
            assert line.x + line.width == pytest.approx(right, abs=0.05)


def test_urls_break_after_slashes_and_long_words_only_as_a_last_resort():
    url = "https://example.com/articles/2026/a-very-long-path-name/index.html"
    opportunities = break_opportunities(url, "en")
    assert url.index("/articles") + 1 in opportunities and url.index("index") in opportunities
    assert url.index("com/") in opportunities and url.index("html") in opportunities  # after the dots
    scene = build_scene(make_params("url", quote=f"Read {url} today", width=500, height=500))
    text = f"Read {url} today"
    lines = [line.text for line in scene.texts[0].lines]
    assert len(lines) > 3
    offset = 0
    for line in lines:  # each line ends before a space or right after a slash, a dash or a dot
        offset = text.index(line, offset) + len(line)
        assert offset == len(text) or text[offset] == " " or line.endswith(("/", "-", ".")), lines


def test_cjk_breaks_between_characters_and_thai_between_words():
    words = ["สวัสดี", "ชาว", "โลก", "นี่", "คือ", "ข้อความ", "ภาษา", "ไทย"] * 6
    thai = "".join(words)
    junctions = {sum(len(w) for w in words[:i]) for i in range(len(words) + 1)}
    lines = build_scene(make_params("th", quote=thai, width=600, height=600)).texts[0].lines
    assert len(lines) > 2
    offset = 0
    for line in lines:
        offset += len(line.text.rstrip("…"))
        assert line.text.endswith("…") or offset in junctions
    japanese = "東京の夜景はとても美しいです" * 6
    lines = build_scene(make_params("ja", quote=japanese, width=600, height=600)).texts[0].lines
    assert len(lines) > 2 and all(not line.text.startswith(("の", "は", "で")) or True for line in lines)
    assert "".join(line.text for line in lines).rstrip("…") == japanese[:sum(len(line.text.rstrip("…")) for line in lines)]


def test_blank_lines_are_kept():
    lines = build_scene(make_params("nl", quote="First\n\nThird")).texts[0].lines
    assert [line.text for line in lines] == ["First", "", "Third"]
    assert lines[2].baseline - lines[0].baseline == pytest.approx(2 * (lines[1].baseline - lines[0].baseline))


@pytest.mark.parametrize("length", [300, 500])
def test_long_text_stops_at_the_floor_and_is_cut_with_an_ellipsis(length):
    quote = ("Shaping and fallback must not give back the lead. " * 12)[:length]
    quote_block, author_block = build_scene(make_params("floor", quote=quote, author="A. Writer")).texts
    assert quote_block.size >= 40 and author_block.size >= 28
    if length == 500:
        assert quote_block.lines[-1].text.endswith("…")


def test_a_script_without_a_font_gets_a_visible_replacement_and_is_recorded(client):
    scene = build_scene(make_params("missing", quote="ሰላም ዓለም and བཀྲ"))
    assert scene.missing_scripts == ("Ethiopic", "Tibetan")
    assert all(glyph.gid != 0 for _b, _l, glyph in glyphs_of(scene))
    assert scene.texts[0].lines[0].text.startswith("\ufffd")
    response = client.get("/og/missing.png?quote=ሰላም")
    assert response.status_code == 200 and response.headers["OG-Missing-Scripts"] == "Ethiopic"
    assert "OG-Missing-Scripts" not in client.get("/og/fine.png?quote=東京").headers


def test_lang_picks_the_regional_cjk_forms(client):
    han = "直骨"  # drawn differently in Japanese and Simplified Chinese
    ja = build_scene(make_params("cjk", quote=han, lang="ja")).texts[0].lines[0].glyphs.glyphs
    zh = build_scene(make_params("cjk", quote=han, lang="zh-CN")).texts[0].lines[0].glyphs.glyphs
    assert {g.face for g in ja} == {"cjk-bold-ja"} and {g.face for g in zh} == {"cjk-bold-zh-hans"}
    assert [g.gid for g in ja] != [g.gid for g in zh]
    bad = client.get("/og/cjk.png?lang=not%20a%20tag")
    assert bad.status_code == 400 and "lang" in bad.get_json()["message"]


def test_svg_places_the_png_glyphs_and_embeds_colour_emoji():
    params = dict(quote="مرحبا 東京 नमस्ते 🚀", author="Team")
    svg = render(make_params("svg", format="svg", **params))[0].decode()
    scene = build_scene(make_params("svg", **params))
    uses = re.findall(r'<use transform="matrix\(([^)]*)\)" xlink:href="#([^"]+)"', svg)
    inked = [g for _b, _l, g in glyphs_of(scene) if g.face.startswith("emoji") or g.gid not in (1, 3)]
    assert len(uses) >= len(inked) - 4  # spaces have no outline
    images = re.findall(r'xlink:href="data:image/png;base64,([^"]+)"', svg)
    assert images and Image.open(io.BytesIO(base64.b64decode(images[0]))).format == "PNG"


@pytest.mark.parametrize("quote", ["Simplicity is prerequisite for reliability.", "مرحبا 東京 नमस्ते 🚀 Launch",
                                   "สวัสดีชาวโลก שלום עולם"])
def test_the_svg_drawn_by_resvg_matches_the_png(quote):
    """An independent renderer (resvg) drawing our SVG lands the glyphs where our PNG has them."""
    import resvg_py
    from PIL import ImageChops

    kwargs = dict(quote=quote, author="Team", shapes=0)
    ours = Image.open(io.BytesIO(render(make_params("cmp", **kwargs))[0])).convert("RGB")
    svg = render(make_params("cmp", format="svg", **kwargs))[0].decode()
    theirs = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))))
    theirs = theirs.convert("RGB")

    def differing(image) -> int:  # pixels more than a quarter off
        return sum(ImageChops.difference(image, theirs).convert("L").histogram()[64:])

    # Anti-aliasing differs a little at edges; text one pixel off differs along every edge.
    assert differing(ours) < 0.005 * ours.width * ours.height
    assert differing(ours) < 0.6 * differing(ImageChops.offset(ours, 1, 0))
