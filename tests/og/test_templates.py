"""Brand templates: admin writes, anyone renders, versions that keep old URLs true, hostile uploads refused."""

import base64
import io

import pytest
from PIL import Image

from app.og.fonts import FONT_DIR
from tests.og.support import b64, create
from tests.support import bearer

PNG_LOGO = io.BytesIO()
Image.new("RGBA", (120, 40), (200, 30, 60, 255)).save(PNG_LOGO, "PNG")
SVG_LOGO = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="100" height="50" viewBox="0 0 100 50" onload="alert(1)">
 <script>alert(2)</script><style>rect{fill:url(http://evil.example/x)}</style>
 <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
 <image xlink:href="http://evil.example/tracker.png" width="10" height="10"/>
 <rect id="r" width="100" height="50" fill="#0a7" onclick="steal()"/>
 <use xlink:href="#r" fill="url(http://evil.example/f)"/>
 <a href="javascript:alert(3)"><circle cx="10" cy="10" r="5"/></a>
</svg>"""


@pytest.fixture
def admin(admin_key):
    return admin_key[1]


def test_admin_registers_a_template_and_anyone_renders_it(client, admin, user_key):
    body = dict(layout="article", colors={"background": "#102030", "text": "#fff", "accent": "#ff8800"},
                logo=b64(PNG_LOGO.getvalue()), defaults={"site": "acme.example", "title": "Default title"})
    assert create(client, user_key[1], **body).status_code == 403
    assert client.post("/og/templates", json={"name": "x"}).status_code == 401
    made = create(client, admin, **body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["colors"] == {"background": "#102030", "text": "#ffffff", "accent": "#ff8800"}
    assert made.get_json()["url"] == "/og/t/acme/v1/{seed}.png"
    listed = client.get("/og/templates").get_json()["items"]
    assert [t["name"] for t in listed] == ["acme"] and listed[0]["logo"] == "png"
    card = client.get("/og/t/acme/v1/launch.png?title=Hello&shapes=0")
    assert card.status_code == 200 and card.headers["Cache-Control"].endswith("immutable")
    image = Image.open(io.BytesIO(card.data)).convert("RGB")
    assert image.size == (1200, 630)
    corners = (image.getpixel((1, 1)), image.getpixel((1198, 628)))  # the gradient runs either way
    assert min(max(abs(a - b) for a, b in zip(px, (0x10, 0x20, 0x30), strict=True)) for px in corners) <= 3
    logo_red = sum(1 for px in image.get_flattened_data() if px[0] > 150 and px[1] < 80 and px[2] < 100)
    assert logo_red > 500  # the logo is on the card
    svg = client.get("/og/t/acme/v1/launch.svg?title=Hello").data
    assert b"data:image/png;base64," in svg
    assert client.get("/og/t/acme/v1/launch.png?title=Hello&shapes=0").data == card.data


def test_a_change_makes_a_new_version_and_old_urls_keep_rendering(client, admin):
    create(client, admin, colors={"background": "#000000", "text": "#ffffff", "accent": "#00ff00"})
    old = client.get("/og/t/acme/v1/s.png?title=Same")
    following = client.get("/og/t/acme/s.png?title=Same")
    assert following.data == old.data and "must-revalidate" in following.headers["Cache-Control"]
    changed = client.patch("/og/templates/acme", json={"colors": {"accent": "#ff0000"}}, headers=bearer(admin))
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    assert changed.get_json()["colors"]["background"] == "#000000"  # unchanged fields carry over
    assert client.get("/og/templates/acme").get_json()["versions"] == [1, 2]
    assert client.get("/og/t/acme/v1/s.png?title=Same").data == old.data
    now = client.get("/og/t/acme/s.png?title=Same")
    assert now.data != old.data and now.headers["ETag"] != following.headers["ETag"]
    assert now.data == client.get("/og/t/acme/v2/s.png?title=Same").data
    stale = client.get("/og/t/acme/s.png?title=Same", headers={"If-None-Match": following.headers["ETag"]})
    assert stale.status_code == 200  # the old ETag no longer matches the following URL
    assert client.delete("/og/templates/acme", headers=bearer(admin)).status_code == 204
    assert client.get("/og/t/acme/v1/s.png").status_code == 404
    assert client.get("/og/templates/acme").status_code == 404


@pytest.mark.parametrize("body, field", [
    (dict(colors={"background": "red"}), "colors.background"),
    (dict(colors={"accent": "#12345"}), "colors.accent"),
    (dict(layout="poster"), "layout"),
    (dict(font="comic-sans"), "font"),
    (dict(logo=b64(b"GIF89a not a logo")), "logo"),
    (dict(logo=b64(b"\x89PNG\r\n\x1a\ngarbage")), "logo"),
    (dict(logo="!!!not base64!!!"), "logo"),
    (dict(logo=b64(b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * 600_000 + b"</svg>")), "logo"),
    (dict(logo=b64(b"<!DOCTYPE svg [<!ENTITY a 'aaaa'>]><svg xmlns='http://www.w3.org/2000/svg'/>")), "logo"),
    (dict(logo=b64(b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<g>" * 2000 + b"</g>" * 2000 + b"</svg>")), "logo"),
    (dict(logo=b64(b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 100000'/>")), "logo"),
    (dict(logo=b64(b"<svg xmlns='http://www.w3.org/2000/svg' width='1' height='99999'/>")), "logo"),
    (dict(defaults={"title": "t" * 201}), "defaults.title"),
    (dict(name="Not A Slug"), "name"),
    (dict(font_file=b64((FONT_DIR / "DejaVuSans.ttf").read_bytes())), "font_file"),
    (dict(font_file=b64(b"\x00\x01\x00\x00" + b"\x00" * 64)), "font_file"),
])
def test_bad_input_is_a_400_naming_the_field(client, admin, body, field):
    response = create(client, admin, **body)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["message"] or field in str(response.get_json().get("errors"))
    assert client.get("/og/templates").get_json()["items"] == []  # nothing half-made


def test_huge_png_logo_is_refused_by_its_pixels(client, admin):
    big = io.BytesIO()
    Image.new("1", (5000, 100)).save(big, "PNG")
    response = create(client, admin, logo=b64(big.getvalue()))
    assert response.status_code == 400 and "2048" in response.get_json()["message"]


def test_svg_logo_is_sanitized(client, admin):
    assert create(client, admin, layout="announcement", logo=b64(SVG_LOGO), defaults={"site": "x"}).status_code == 201
    svg = client.get("/og/t/acme/v1/s.svg?title=Hi").data
    embedded = svg.split(b"data:image/svg+xml;base64,")[1].split(b'"')[0]
    logo = base64.b64decode(embedded)
    for bad in (b"script", b"onload", b"onclick", b"evil.example", b"javascript", b"foreignObject", b"style"):
        assert bad not in logo, bad
    assert b"<rect" in logo and b'href="#r"' in logo
    png = Image.open(io.BytesIO(client.get("/og/t/acme/v1/s.png?title=Hi&shapes=0").data)).convert("RGB")
    assert sum(1 for px in png.get_flattened_data() if px == (0, 0xaa, 0x77)) > 100  # the rect, rasterised by resvg


def test_uploaded_ofl_font_sets_the_cards_text(client, admin):
    font = (FONT_DIR / "NotoSerif-Regular.ttf").read_bytes()
    made = create(client, admin, font_file=b64(font), layout="plain")
    assert made.status_code == 201 and made.get_json()["font"].startswith("u")
    from app.og.scene import build_scene
    from app.og.templates import card_params, load_brand
    with client.application.app_context():
        brand = load_brand("acme")
        scene = build_scene(card_params(brand, "s", "png", {"title": "Serif 東京"}), brand.theme, brand.logo)
    faces = {g.face for b in scene.texts for line in b.lines for g in line.glyphs.glyphs}
    assert f"{brand.font}-bold" in faces and "cjk-bold-zh-hans" in faces  # the upload, then the fallback chain


def test_template_cards_bound_their_text_and_answer_unknown_templates(client, admin):
    create(client, admin)
    too_long = client.get("/og/t/acme/v1/s.png?title=" + "t" * 201)
    assert too_long.status_code == 400 and "title" in too_long.get_json()["message"]
    assert client.get("/og/t/nobody/v1/s.png").status_code == 404
    assert client.get("/og/t/acme/v9/s.png").status_code == 404
    assert client.get("/og/t/acme/v99999999999999999999/s.png").status_code == 404
    assert client.get("/og/t/acme/v0/s.png").status_code == 404
    assert client.get("/og/t/acme/v1/s.gif").status_code == 400


def test_cli_renders_a_template_card(app, client, admin, tmp_path):
    create(client, admin, colors={"background": "#223344"})
    out = tmp_path / "card.png"
    result = app.test_cli_runner().invoke(args=["og", "render", "--seed", "s", "--template", "acme",
                                               "--title", "From the shell", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == client.get("/og/t/acme/v1/s.png?title=From%20the%20shell").data
    missing = app.test_cli_runner().invoke(args=["og", "render", "--seed", "s", "--template", "nope",
                                                "--out", str(out)])
    assert missing.exit_code == 2 and "--template" in missing.output


def test_two_admins_changing_a_template_at_once_get_consecutive_versions_or_a_409(make_app, admin_key):
    """Concurrent PATCHes through real threads: no 500, and no version number is written twice."""
    import threading

    app = make_app()
    client = app.test_client()
    assert create(client, admin_key[1]).status_code == 201
    answers = []

    def change(accent):
        answers.append(app.test_client().patch("/og/templates/acme", json={"colors": {"accent": accent}},
                                               headers=bearer(admin_key[1])).status_code)

    threads = [threading.Thread(target=change, args=(f"#0000{i:02x}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(answers) <= {200, 409} and 200 in answers
    versions = client.get("/og/templates/acme").get_json()["versions"]
    assert versions == list(range(1, 2 + answers.count(200)))
