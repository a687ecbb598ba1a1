"""Prompt templates in Chromium: create one, save a new version, compare, restore the old one, try it, generate."""

import time

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api, settle


def _accept_dialogs(page):
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_create_a_template_save_a_version_and_restore_the_old_one(app, browsing, live_server, admin_key):
    _, admin = admin_key
    page = _accept_dialogs(sign_in(browsing.new_page(), admin))
    page.goto("/dashboard/prompts")
    page.click("#new-template")
    page.wait_for_url("**/dashboard/templates/new")

    page.fill("#t-id", "Cover Art")
    page.fill("#t-name", "Cover art")
    page.fill("#t-template", "Album cover, {genre} music, {mood")
    page.click("#save")
    page.wait_for_selector("#error-id")
    assert "slug" in page.inner_text("#error-id")
    page.fill("#t-id", "cover-art")
    page.click("#save")
    page.wait_for_selector("#error-template")
    assert "brace" in page.inner_text("#error-template")
    assert page.input_value("#t-name") == "Cover art"  # nothing typed is lost
    page.fill("#t-template", "Album cover, {genre} music, {mood} mood")
    page.fill("#t-negative_prompt", "text, watermark")
    page.fill("#t-tags", "music, covers")
    page.click("#save")
    page.wait_for_url("**/dashboard/prompts/cover-art")
    assert "Created cover-art at version 1" in page.inner_text(".flashes")
    stored = api(live_server, admin, "GET", "/prompts/cover-art").json()
    assert stored["version"] == 1 and stored["tags"] == ["music", "covers"]

    page.click("#edit-template")
    page.fill("#t-template", "Vinyl album cover, {genre} music, a {mood} mood, bold type")
    page.click("#save")
    page.wait_for_url("**/dashboard/prompts/cover-art")
    assert "Saved as version 2" in page.inner_text(".flashes")
    page.click("#edit-template")
    page.fill("#t-description", "Only the description changes")
    page.click("#save")
    page.wait_for_url("**/dashboard/prompts/cover-art")
    assert "the version stays" in page.inner_text(".flashes")

    page.click("#compare-link")
    page.wait_for_url("**/compare")
    old = page.inner_text('.diff-side[data-side="old"][data-field="template"]')
    new = page.inner_text('.diff-side[data-side="new"][data-field="template"]')
    assert old == "Album cover, {genre} music, {mood} mood"
    assert new == "Vinyl album cover, {genre} music, a {mood} mood, bold type"
    added = page.eval_on_selector_all('.diff-side[data-side="new"] ins', "els => els.map(e => e.textContent)")
    removed = page.eval_on_selector_all('.diff-side[data-side="old"] del', "els => els.map(e => e.textContent)")
    assert added == ["Vinyl album", "a ", "mood, bold type"]
    assert removed == ["Album", "mood"]
    screenshot(page, "template-compare")

    page.click("#restore-old")
    page.wait_for_url("**/dashboard/prompts/cover-art")
    assert "Version 1 restored as version 3" in page.inner_text(".flashes")
    current = api(live_server, admin, "GET", "/prompts/cover-art").json()
    assert current["version"] == 3 and current["template"] == "Album cover, {genre} music, {mood} mood"
    versions = api(live_server, admin, "GET", "/prompts/cover-art/versions").json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert "v3" in page.inner_text("#versions") and "current" in page.inner_text("#versions")


def test_try_a_template_then_generate_with_it(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    _, key = user_key
    api(live_server, admin, "POST", "/prompts", json={"id": "city-poster", "name": "City poster",
                                                      "template": "Travel poster of {city} at {time}"})
    page = sign_in(browsing.new_page(), key)
    page.goto("/dashboard/prompts/city-poster")
    assert page.locator("#edit-template").count() == 0  # users read templates; admins edit them
    page.fill("#try-city", "Lisboa")
    page.click("#render")
    page.wait_for_selector("#try-error")
    assert "time" in page.inner_text("#try-error")
    page.fill("#try-time", "dusk")
    page.click("#render")
    page.wait_for_selector("#rendered")
    assert page.inner_text("#rendered") == "Travel poster of Lisboa at dusk"
    screenshot(page, "template-try")

    page.click("#generate-rendered")
    page.wait_for_url("**/dashboard/create?*")
    assert page.input_value("#f-prompt_id") == "city-poster"
    assert page.input_value('fieldset[data-template="city-poster"] input[name="var.city"]') == "Lisboa"
    page.click("button#generate")
    page.wait_for_selector("#result-images")
    assert page.inner_text("#prompt-used").startswith("Travel poster of Lisboa at dusk")
    for _ in range(50):  # the usage event is handed over once the page's response has closed
        settle(app)
        stats = api(live_server, key, "GET", "/prompts/city-poster/stats").json()
        if stats["totalUsage"]:
            break
        time.sleep(0.1)
    assert stats["totalUsage"] == 1
    page.goto("/dashboard/prompts/city-poster")
    assert page.get_attribute('[data-metric="total_usage"]', "data-value") == "1"


def test_template_writes_are_for_admins(app, user_key):
    from tests.dashboard.support import TOKEN, signed_in_client

    _, key = user_key
    with app.app_context():
        from app.prompts.templates import create_prompt, update_prompt

        create_prompt("guarded", "Guarded", "one {thing}")
        update_prompt("guarded", template="two {thing}")
    client = signed_in_client(app, key)
    token = TOKEN.search(client.get("/dashboard/prompts").text).group(1)
    assert client.get("/dashboard/templates/new").status_code == 403
    assert client.get("/dashboard/prompts/guarded/edit").status_code == 403
    assert client.post("/dashboard/templates/new", data={"csrf_token": token, "id": "x", "name": "x",
                                                         "template": "x"}).status_code == 403
    assert client.post("/dashboard/prompts/guarded/versions/1/restore",
                       data={"csrf_token": token}).status_code == 403
    assert client.get("/dashboard/prompts/guarded/compare").status_code == 200  # reading is open
    assert client.get("/dashboard/prompts/guarded/compare?old=1&new=9").status_code == 404
    assert client.get("/dashboard/prompts/guarded/compare?old=x").status_code == 400
    with app.app_context():
        from app.prompts.templates import get_prompt

        assert get_prompt("guarded").version == 2
