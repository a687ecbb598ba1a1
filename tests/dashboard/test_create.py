"""Create, as a user does it in Chromium: type a prompt, press Generate, see the images; each error by its field."""

from tests.dashboard.conftest import LiveServer, screenshot, sign_in
from tests.dashboard.ledger import api


def _images(server, key):
    return api(server, key, "GET", "/ai/generated-images?status=all&limit=100").json()["items"]


def test_create_an_image_and_see_it(app, browsing, live_server, user_key):
    _, key = user_key
    page = sign_in(browsing.new_page(), key)
    page.click("nav.nav >> text=Create")
    page.wait_for_url("**/dashboard/create")
    assert page.inner_text("#quota").split("\n")[1].startswith("200 of 200")
    page.fill("#f-prompt", "A red fox asleep in fresh snow, 雪の中の狐")
    page.fill("#f-negative_prompt", "blurry")
    page.select_option("#f-aspect_ratio", "16:9")
    page.select_option("#f-style", "watercolor")
    page.fill("#f-n", "2")
    page.fill("#f-seed", "42")
    page.select_option("#f-format", "webp")
    page.fill("#f-tags", "fox, winter")
    page.click("button#generate")
    page.wait_for_selector("#result-images")

    tiles = page.locator("#result-images a.tile")
    assert tiles.count() == 2
    assert "雪の中の狐" in page.inner_text("#prompt-used") and "watercolor" in page.inner_text("#prompt-used")
    assert "$0.0000" in page.inner_text("#result-facts")
    assert page.inner_text("#quota").split("\n")[1].startswith("198 of 200")
    made = _images(live_server, key)
    assert len(made) == 2
    assert {item["format"] for item in made} == {"webp"} and made[0]["tags"] == ["fox", "winter"]
    assert {item["aspect_ratio"] for item in made} == {"16:9"} and made[0]["negative_prompt"] == "blurry"
    hrefs = tiles.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == sorted(f"/dashboard/images/{item['id']}" for item in made)
    page.wait_for_function("() => [...document.querySelectorAll('#result-images img')].every(i => i.naturalWidth > 0)")
    screenshot(page, "create")

    tiles.first.click()
    page.wait_for_url("**/dashboard/images/*")
    assert "雪の中の狐" in page.inner_text("#prompt")


def test_each_create_error_is_shown_by_its_field_and_makes_nothing(app, browsing, live_server, user_key,
                                                                     admin_key):
    user_id, key = user_key
    _, admin = admin_key
    page = sign_in(browsing.new_page(), key)
    page.goto("/dashboard/create")
    page.click("button#generate")  # nothing typed
    page.wait_for_selector("#error-prompt")
    assert "prompt" in page.inner_text("#error-prompt")
    assert page.get_attribute("#f-prompt", "aria-invalid") == "true"

    page.fill("#f-prompt", "A boat")
    page.fill("#f-n", "9")
    page.fill("#f-seed", "minus one")
    page.fill("#f-tags", "fine, " + "x" * 70)
    page.click("button#generate")
    page.wait_for_selector("#error-n")
    assert "64 characters" in page.inner_text("#error-tags")
    assert "between" in page.inner_text("#error-n") or "less than" in page.inner_text("#error-n")
    assert "integer" in page.inner_text("#error-seed")
    assert page.input_value("#f-prompt") == "A boat" and page.input_value("#f-n") == "9"  # the form is kept

    api(live_server, admin, "POST", "/prompts", json={"id": "boat-scene", "name": "Boat scene",
                                                      "template": "A {colour} boat on {water}"})
    page.goto("/dashboard/create")
    page.fill("#f-prompt", "at dawn")
    page.select_option("#f-prompt_id", "boat-scene")
    page.fill('fieldset[data-template="boat-scene"] input[name="var.colour"]', "red")
    page.click("button#generate")
    page.wait_for_selector("#error-variables")
    assert "water" in page.inner_text("#error-variables")
    assert page.is_visible('fieldset[data-template="boat-scene"]')
    assert _images(live_server, key) == []

    api(live_server, admin, "PUT", f"/users/{user_id}/quota", json={"daily_generation_limit": 1})
    page.goto("/dashboard/create")
    assert page.inner_text("#quota").split("\n")[1].startswith("1 of 1")
    page.fill("#f-prompt", "The only one today")
    page.click("button#generate")
    page.wait_for_selector("#result-images")
    assert page.inner_text("#quota").split("\n")[1].startswith("0 of 1")
    page.fill("#f-prompt", "One too many")
    page.click("button#generate")
    page.wait_for_selector("#error-quota")
    assert "resets in" in page.inner_text("#error-quota")
    assert [item["prompt"] for item in _images(live_server, key)] == ["The only one today"]
    screenshot(page, "create-errors")


def test_the_template_picker_shows_its_variables_and_fills_them(app, browsing, live_server, user_key, admin_key):
    _, key = user_key
    _, admin = admin_key
    for body in ({"id": "product-shot", "name": "Product shot", "template": "Studio photo of {product} on {surface}",
                  "negative_prompt": "text, {avoid}"},  # /ai/generate leaves {avoid} unfilled today
                 {"id": "plain", "name": "Plain", "template": "Poster: {prompt}"}):
        assert api(live_server, admin, "POST", "/prompts", json=body).status_code == 201
    page = sign_in(browsing.new_page(), key)
    page.goto("/dashboard/create")
    fields = 'fieldset[data-template="product-shot"]'
    assert page.is_hidden(fields)
    page.select_option("#f-prompt_id", "product-shot")
    assert page.is_visible(fields)
    names = page.eval_on_selector_all(f"{fields} input", "inputs => inputs.map(i => i.name)")
    assert names == ["var.product", "var.surface", "var.avoid"]
    page.fill(f'{fields} input[name="var.product"]', "a teapot")
    page.fill(f'{fields} input[name="var.surface"]', "marble")
    page.fill(f'{fields} input[name="var.avoid"]', "hands")
    page.select_option("#f-prompt_id", "plain")
    assert page.is_hidden(fields) and page.is_visible('fieldset[data-template="plain"]')
    page.select_option("#f-prompt_id", "product-shot")
    page.click("button#generate")
    page.wait_for_selector("#result-images")
    assert page.inner_text("#prompt-used").startswith("Studio photo of a teapot on marble")
    record = _images(live_server, key)[0]
    assert record["prompt_id"] == "product-shot" and record["negative_prompt"].startswith("text, ")


def test_with_redis_the_job_shows_its_progress_and_result_without_a_reload(make_app, redis_url, browser, user_key):
    from tests.dashboard.conftest import Browsing
    from tests.support import make_api_key, work_queued_generations

    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        _, key = make_api_key(app, "jobber")
    server = LiveServer(app)
    browsing = Browsing(browser, server)
    try:
        page = sign_in(browsing.new_page(), key)
        page.goto("/dashboard/create")
        page.fill("#f-prompt", "A queued lighthouse")
        page.click("button#generate")
        page.wait_for_selector("#job")
        assert page.get_attribute("#job", "data-status") == "queued"
        page.wait_for_function("() => +document.getElementById('job-elapsed').textContent >= 1")
        url_before = page.url
        assert page.inner_text("#job-status") == "queued"

        work_queued_generations(app)  # the page keeps polling in the browser meanwhile
        page.wait_for_selector("#result-images", timeout=15000)
        assert page.url == url_before  # no reload: the poller put the result in place
        assert "A queued lighthouse" in page.inner_text("#prompt-used")
        assert page.locator("#job").count() == 0
        assert browsing.outside_requests() == [] and browsing.page_errors() == []
    finally:
        browsing.close()
        server.stop()


def test_a_provider_failure_is_shown_with_its_failed_record(make_app):
    """The provider refuses (here: nothing listens): the page says so and links the failed record."""
    import re

    from tests.dashboard.support import TOKEN, signed_in_client
    from tests.support import make_api_key

    app = make_app(AI_PROVIDER="openai", OPENAI_BASE_URL="http://127.0.0.1:9/v1", OPENAI_API_KEY="sk-test",
                   PROVIDER_RETRIES=0, PROVIDER_TIMEOUT=2)
    with app.app_context():
        _, key = make_api_key(app, "unlucky")
    client = signed_in_client(app, key)
    page = client.get("/dashboard/create")
    assert re.findall(r'<option value="">([a-z0-9]+) \(default\), or the template', page.text) == ["openai"]
    token = TOKEN.search(page.text).group(1)
    answer = client.post("/dashboard/create", data={"csrf_token": token, "prompt": "Never drawn"})
    assert answer.status_code == 502
    assert "The generation failed" in answer.text
    failed_id = re.search(r'href="/dashboard/images/([0-9a-f-]{36})">See the failed record', answer.text).group(1)
    record = client.get(f"/ai/generated-images/{failed_id}", headers={"Authorization": f"Bearer {key}"}).json
    assert record["status"] == "failed" and record["prompt"] == "Never drawn"
