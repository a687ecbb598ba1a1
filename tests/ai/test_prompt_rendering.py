"""``/ai/generate`` with ``prompt_id`` renders with the prompts library's renderer: the same text and
the same limits as ``POST /prompts/<id>/render``."""

import pytest

from app.extensions import db
from app.models import Prompt
from tests.support import bearer

TEMPLATE = "A {{literal}} poster of {subject}"


@pytest.fixture
def template(app):
    with app.app_context():
        db.session.add(Prompt(id="poster", name="Poster", template=TEMPLATE, negative_prompt="no {subject}"))
        db.session.add(Prompt(id="plain", name="Plain", template="A plain poster of {subject}"))
        db.session.commit()


def _both(client, headers, variables, prompt_id="poster"):
    generated = client.post("/ai/generate", headers=headers, json={"prompt_id": prompt_id, "variables": variables})
    rendered = client.post(f"/prompts/{prompt_id}/render", headers=headers, json={"variables": variables})
    return generated, rendered


@pytest.mark.usefixtures("template")
def test_generation_and_render_give_the_same_text(client, user_key):
    generated, rendered = _both(client, bearer(user_key[1]), {"subject": "a fox"})
    assert generated.status_code == 201 and rendered.status_code == 200, generated.get_json()
    assert generated.get_json()["caption"] == rendered.get_json()["prompt"] == "A {literal} poster of a fox"
    assert generated.get_json()["negative_prompt"] == "no a fox"  # the negative prompt is rendered too


@pytest.mark.usefixtures("template")
@pytest.mark.parametrize("value", ["x" * 1_000_000, {"nested": "dict"}, ["a", "list"]])
def test_generation_refuses_what_render_refuses(client, user_key, value):
    generated, rendered = _both(client, bearer(user_key[1]), {"subject": value}, "plain")
    assert rendered.status_code == 422
    assert generated.status_code == 422, generated.get_json()
    assert "variables" in generated.get_json()["errors"]["json"]
