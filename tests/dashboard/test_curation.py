"""Curating in Chromium: the full-screen viewer with the keyboard, bulk actions on a selection,
favourites, collections shared by link, deleting an image; another user can't touch them."""

import io
import zipfile

import requests

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api, generate


def _images(server, key):
    return api(server, key, "GET", "/ai/generated-images?limit=100").json()["items"]


def test_the_viewer_goes_through_the_images_with_the_keyboard(app, browsing, live_server, user_key):
    _, key = user_key
    for prompt in ("first light", "second light", "third light"):
        generate(live_server, key, prompt)
    page = sign_in(browsing.new_page(), key)
    page.goto("/dashboard/gallery")
    opener = page.locator("#gallery button.view").first
    opener.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog#viewer[open]")
    assert page.evaluate("document.getElementById('viewer-image').naturalWidth || 0") >= 0
    page.wait_for_function("() => document.getElementById('viewer-image').complete")
    first = page.inner_text("#viewer-caption")
    assert "1 of 3" in first and "third light" in first  # newest first
    page.keyboard.press("ArrowRight")
    assert "2 of 3" in page.inner_text("#viewer-caption")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert "3 of 3" in page.inner_text("#viewer-caption") and "first light" in page.inner_text("#viewer-caption")
    # the dialog is modal: Tab stays inside it
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('viewer').contains(document.activeElement)")
    screenshot(page, "viewer", full_page=False)
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog#viewer", state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('view')")  # the focus came back


def test_bulk_tag_collect_download_and_delete(app, browsing, live_server, user_key):
    _, key = user_key
    made = [generate(live_server, key, f"bulk {n}")["id"] for n in range(4)]
    assert api(live_server, key, "POST", "/collections", json={"name": "Launch"}).status_code == 201
    page = sign_in(browsing.new_page(), key)
    page.goto("/dashboard/gallery")

    def select(ids):
        for image_id in ids:
            page.check(f'input[name=ids][value="{image_id}"]')

    select(made[:2])
    assert "2 images selected" in page.inner_text("#selection-count")
    page.select_option("#s-action", "tag")
    page.fill("#s-tags", "summer, hero")
    page.click("#s-apply")
    page.wait_for_selector("text=Tagged 2 images.")
    tagged = {item["id"]: item["tags"] for item in _images(live_server, key)}
    assert tagged[made[0]] == ["summer", "hero"] and not tagged[made[3]]

    select(made[:3])
    page.select_option("#s-action", "collect")
    page.click("#s-apply")
    page.wait_for_selector("text=Added 3 images to the collection.")

    select(made[:2])
    page.select_option("#s-action", "download")
    with page.expect_download() as download:
        page.click("#s-apply")
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(archive.namelist()) == 2

    page.goto("/dashboard/gallery")
    select(made[3:])
    page.select_option("#s-action", "delete")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#s-apply")
    page.wait_for_selector("text=Deleted 1 images.")
    assert made[3] not in {item["id"] for item in _images(live_server, key)}


def test_collections_favourites_and_share_links(app, browsing, live_server, user_key, make_app):
    from tests.support import make_api_key

    _, key = user_key
    image = generate(live_server, key, "shared lighthouse")["id"]
    page = sign_in(browsing.new_page(), key)
    page.goto(f"/dashboard/images/{image}")
    page.click("#favorite")
    page.wait_for_selector("text=Added to your favourites.")
    assert page.get_attribute("#favorite", "aria-pressed") == "true"

    page.goto("/dashboard/collections")
    page.fill("#c-name", "Press kit")
    page.click("#new-collection button[type=submit]")
    page.wait_for_url("**/dashboard/collections/**")
    page.goto(f"/dashboard/images/{image}")
    page.click("#collect")
    page.wait_for_selector("text=Added to the collection.")
    page.goto("/dashboard/collections")
    assert "shared lighthouse" in page.inner_text("main")  # the favourite is listed
    page.click("#collections a")
    page.click("#share")
    share_url = page.input_value("#share-url")
    shared = requests.get(share_url, timeout=30).json()
    assert shared["name"] == "Press kit" and len(shared["images"]) == 1
    assert requests.get(live_server.url + shared["images"][0]["image_path"], timeout=30).status_code == 200
    page.click("#unshare")
    assert requests.get(share_url, timeout=30).status_code == 404

    with app.app_context():
        _, other = make_api_key(app, "mallory")
    intruder = sign_in(browsing.new_page(), other)
    assert intruder.goto(f"/dashboard/images/{image}").status == 404
    collection_url = page.url
    assert intruder.goto(collection_url).status == 404

    page.goto(f"/dashboard/images/{image}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-image")
    page.wait_for_selector("text=Image deleted.")
    assert api(live_server, key, "GET", f"/ai/generated-images/{image}").status_code == 404
