"""The four layouts: every text parameter shown, inside the card, at legible sizes; bad input named."""

import pytest

from app.og import presets
from app.og.glyphs import ink_box
from app.og.params import make_params
from app.og.scene import build_scene

TEXT = dict(title="Shaping text for every script on a social card", description="How Imprint draws it",
            site="imprint.example", badge="NEW", author="Ada Lovelace")
HUGE = {field: ("Wörter 東京 مرحبا " * 40)[:limit] for field, limit in presets.TEXT_LIMITS.items()}


def shown(scene) -> str:
    return " ".join(line.text for block in scene.texts for line in block.lines)


@pytest.mark.parametrize("layout, expected", [
    ("article", ("title", "description", "site", "author")),
    ("announcement", ("title", "description", "site", "badge")),
    ("plain", ("title", "description")),
])
def test_each_layout_shows_its_text_parameters(layout, expected):
    text = shown(build_scene(make_params("lay", layout=layout, **TEXT)))
    for field in expected:
        assert TEXT[field] in text, field


def test_quote_layout_uses_the_title_when_there_is_no_quote():
    assert shown(build_scene(make_params("q", title="Only a title"))) == "Only a title"


@pytest.mark.parametrize("layout", presets.LAYOUTS)
@pytest.mark.parametrize("aspect", ["default", "story", "square"])
@pytest.mark.parametrize("text", [TEXT, HUGE], ids=["normal", "huge"])
def test_text_stays_inside_the_card_at_legible_sizes(layout, aspect, text):
    scene = build_scene(make_params("in", layout=layout, aspect=aspect, **text))
    assert scene.texts
    for block in scene.texts:
        ink = ink_box(block.lines[0], block.size)
        for line in block.lines:
            ink = ink_box(line, block.size)
            if ink is not None:
                assert 0 <= ink[0] and ink[2] <= scene.width and 0 <= ink[1] and ink[3] <= scene.height
    if aspect == "default":  # the documented floors at 1200×630
        assert max(block.size for block in scene.texts) >= 40
        assert min(block.size for block in scene.texts) >= 28
    for a in scene.texts:  # no two blocks overlap
        for b in scene.texts:
            if a is not b:
                assert a.box[3] <= b.box[1] + 0.5 or b.box[3] <= a.box[1] + 0.5 or \
                    a.box[2] <= b.box[0] or b.box[2] <= a.box[0]


@pytest.mark.parametrize("field", [f for f in presets.TEXT_LIMITS])
def test_text_over_its_limit_is_a_400_naming_the_field(client, field):
    limit = presets.TEXT_LIMITS[field]
    response = client.get(f"/og/x.png?{field}=" + "a" * (limit + 1))
    assert response.status_code == 400
    assert field in response.get_json()["message"] and str(limit) in response.get_json()["message"]
    assert client.get(f"/og/x.png?{field}=" + "a" * limit).status_code == 200


def test_unknown_layout_is_a_400(client):
    response = client.get("/og/x.png?layout=poster")
    assert response.status_code == 400 and "layout" in response.get_json()["message"]
