"""The gallery: a freshly generated image appears, filters narrow it, the image page shows its prompt."""

import os

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api, generate


def tile_ids(page):
    return page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.imageId)")


def test_gallery_shows_a_fresh_image_and_filters_it(app, browsing, live_server, user_key):
    _, key = user_key
    lighthouse = generate(live_server, key, "A lighthouse at dusk", style="watercolor", tags=["coast"])
    bicycle = generate(live_server, key, "A red bicycle against a brick wall", tool="icon", tags=["city"])
    page = sign_in(browsing.new_page(), key)

    page.goto("/dashboard/gallery")
    assert tile_ids(page) == [bicycle["id"], lighthouse["id"]]  # newest first
    thumb = page.locator(f'.tile[data-image-id="{lighthouse["id"]}"] img')
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == 360  # a 360 px WebP made with Pillow
    screenshot(page, "gallery")

    page.fill("#f-q", "lighthouse")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=lighthouse**")
    assert tile_ids(page) == [lighthouse["id"]]

    page.goto("/dashboard/gallery")
    page.fill("#f-tag", "city")
    page.click("#filters button[type=submit]")
    assert tile_ids(page) == [bicycle["id"]]

    page.goto("/dashboard/gallery")
    page.select_option("#f-tool", "generateIconEmoji")
    page.click("#filters button[type=submit]")
    assert tile_ids(page) == [bicycle["id"]]

    page.goto("/dashboard/gallery?status=failed")
    assert tile_ids(page) == [] and "No image matches" in page.inner_text("main")

    page.goto("/dashboard/gallery?from=2000-01-01&to=2000-01-02")
    assert tile_ids(page) == []
    answer = page.goto("/dashboard/gallery?from=2001-01-05&to=2001-01-01")
    assert answer.status == 400 and "to" in page.inner_text(".flash.error")


def test_infinite_scroll_loads_every_page_once(app, browsing, live_server, admin_key):
    _, key = admin_key
    app.config["DASHBOARD_PAGE_SIZE"] = 2
    made = [generate(live_server, key, f"Scroll test image {n}")["id"] for n in range(5)]
    page = sign_in(browsing.new_page(width=1280, height=700), key)
    page.goto("/dashboard/gallery")
    for _ in range(10):  # scroll until the last page (no next cursor) is in
        page.mouse.wheel(0, 20000)
        if page.locator(".tile").count() == 5 and page.locator(".sentinel").count() == 0:
            break
        page.wait_for_timeout(200)
    assert tile_ids(page) == list(reversed(made))  # every image once, newest first
    pages = [url for url in browsing.requests if "/dashboard/gallery/more?" in url]
    assert len(pages) == 2 and len(set(pages)) == 2  # 2 + 2 + 1: two fetches by cursor, none repeated


def test_image_page_shows_prompt_edits_tags_and_generates_again(app, browsing, live_server, user_key):
    _, key = user_key
    image = generate(live_server, key, "Modern coffee shop interior", style="photorealistic", tags=["cafe"],
                     headers={"X-Request-ID": "cafe-request-1"})
    page = sign_in(browsing.new_page(), key)
    page.goto("/dashboard/gallery")
    page.click(f'.tile[data-image-id="{image["id"]}"] a')
    page.wait_for_url(f"**/dashboard/images/{image['id']}")
    assert page.inner_text("#prompt") == "Modern coffee shop interior"
    assert "photorealistic" in page.inner_text("#full-prompt")
    assert "$0.0000" in page.inner_text("main")  # procedural images cost nothing, and say so
    assert "provider call" in page.inner_text("main")  # the step timings from the generation log
    assert page.inner_text("#request-id") == "cafe-request-1"  # an operator finds its log lines by it
    page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
    screenshot(page, "image")

    page.fill("#tags", "cafe, interior , interior, morning")
    page.click("#tags-form button")
    assert "Tags saved." in page.inner_text(".flashes")
    assert page.eval_on_selector_all(".tags .tag", "tags => tags.map(t => t.textContent)") == [
        "cafe", "interior", "morning"]
    assert api(live_server, key, "GET", f"/ai/generated-images/{image['id']}").json()["tags"] == [
        "cafe", "interior", "morning"]

    page.click("text=Generate again")
    page.wait_for_url(lambda url: "/dashboard/images/" in url and image["id"] not in url)
    assert "Generated again" in page.inner_text(".flashes")
    new_id = page.url.rsplit("/", 1)[1]
    again = api(live_server, key, "GET", f"/ai/generated-images/{new_id}").json()
    assert again["parent_id"] == image["id"] and again["prompt"] == "Modern coffee shop interior"
    assert page.inner_text("#prompt") == "Modern coffee shop interior"


def test_thumbnails_are_cached_on_disk(app, client, live_server, user_key):
    _, key = user_key
    image = generate(live_server, key, "A cached thumbnail")
    from tests.dashboard.support import signed_in_client

    browser_like = signed_in_client(app, key)
    first = browser_like.get(f"/dashboard/thumbnails/{image['id']}/small.webp")
    assert first.status_code == 200 and first.mimetype == "image/webp"
    cached = [os.path.join(root, name) for root, _, names in
              os.walk(os.path.join(app.instance_path, "dashboard-thumbnails")) for name in names]
    assert any(name.endswith("-360.webp") for name in cached)
    again = browser_like.get(f"/dashboard/thumbnails/{image['id']}/small.webp")
    assert again.data == first.data
    assert browser_like.get(f"/dashboard/thumbnails/{image['id']}/huge.webp").status_code == 404
