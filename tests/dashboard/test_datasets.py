"""Datasets in Chromium: create one, drop and upload reference images, import by URL (SSRF guard), generate with it."""

import io

from PIL import Image

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api


def _png(colour, size=(96, 96)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _drop(page, selector, name, data, mime="image/png"):
    """Drop a file on an element the way a desktop drag does (a DataTransfer holding a File)."""
    page.evaluate("""([selector, name, bytes, mime]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, {type: mime}));
        const zone = document.querySelector(selector);
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", [selector, name, list(data), mime])


def test_upload_a_dataset_image_and_generate_with_it(app, browsing, live_server, user_key, tmp_path):
    _, key = user_key
    page = sign_in(browsing.new_page(), key)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("nav.nav >> text=Datasets")
    page.wait_for_url("**/dashboard/datasets")
    page.click("#create-dataset")  # no name
    page.wait_for_selector("#error-name")
    assert "name" in page.inner_text("#error-name")
    page.fill("#d-name", "Teal Bakery")
    page.fill("#d-vibe", "warm, handmade")
    page.fill("#d-unique_visual_elements", "teal wave logo, kraft paper")
    page.click("#create-dataset")
    page.wait_for_url("**/dashboard/datasets/*")
    dataset_id = page.url.rsplit("/", 1)[1]
    assert "No reference images yet" in page.inner_text("#no-references")
    assert "10 MB" in page.inner_text("#upload-limits") and "40,000,000 pixels" in page.inner_text("#upload-limits")

    with page.expect_navigation():
        _drop(page, "[data-drop-zone]", "teal.png", _png((20, 160, 150)))
    assert page.locator("#references figure").count() == 1
    assert "Added 1 reference image" in page.inner_text(".flashes")

    (tmp_path / "two.png").write_bytes(_png((240, 240, 230)))
    (tmp_path / "notes.png").write_bytes(b"these are words, not pixels")
    page.set_input_files("#upload-file", [str(tmp_path / "two.png"), str(tmp_path / "notes.png")])
    page.click("#upload")
    page.wait_for_selector("#error-file")
    assert "notes.png: file is not a readable image" in page.inner_text("#error-file")
    assert page.locator("#references figure").count() == 2  # the good one was kept

    page.fill("#import-url", "http://127.0.0.1:1/logo.png")
    page.click("#import")
    page.wait_for_selector("#error-url")
    assert "non-public" in page.inner_text("#error-url") or "refused" in page.inner_text("#error-url")
    page.fill("#import-url", "ftp://example.com/x.png")
    page.click("#import")
    page.wait_for_selector("#error-url")
    assert page.input_value("#import-url") == "ftp://example.com/x.png"
    page.wait_for_function("() => [...document.querySelectorAll('#references img')].every(i => i.naturalWidth > 0)")
    screenshot(page, "dataset")

    page.click("#generate-with-dataset")
    page.wait_for_url("**/dashboard/create?*")
    assert page.input_value("#f-dataset_id") == dataset_id
    page.fill("#f-prompt", "A box of croissants")
    page.click("button#generate")
    page.wait_for_selector("#result-images")
    prompt_used = page.inner_text("#prompt-used")
    assert "Brand: Teal Bakery." in prompt_used and "teal wave logo" in prompt_used
    record = api(live_server, key, "GET", "/ai/generated-images?status=all").json()["items"][0]
    assert record["dataset_id"] == dataset_id and record["reference_images_count"] == 2

    page.goto(f"/dashboard/datasets/{dataset_id}")
    used = page.eval_on_selector_all("#used [data-image-id]", "tiles => tiles.map(t => t.dataset.imageId)")
    assert used == [record["id"]]
    page.click("#references figure >> nth=0 >> button[data-remove]")
    page.wait_for_selector(".flashes >> text=Removed the image.")
    assert page.locator("#references figure").count() == 1
    assert len(api(live_server, key, "GET", f"/ai/datasets/{dataset_id}").json()["images"]) == 1


def test_a_user_sees_only_their_own_datasets(app, browsing, live_server, user_key):
    from tests.support import make_api_key

    _, alice = user_key
    with app.app_context():
        _, bob = make_api_key(app, "bob")
    dataset = api(live_server, alice, "POST", "/ai/datasets", json={"name": "Alice's secret brand"}).json()
    upload = api(live_server, alice, "POST", f"/ai/datasets/{dataset['id']}/images",
                 files={"file": ("a.png", _png((1, 2, 3)), "image/png")})
    assert upload.status_code == 201
    image_id = upload.json()["id"]
    page = sign_in(browsing.new_page(), bob)
    page.goto("/dashboard/datasets")
    assert "Alice's secret brand" not in page.content()
    assert page.goto(f"/dashboard/datasets/{dataset['id']}").status == 404
    assert page.goto(f"/dashboard/datasets/{dataset['id']}/images/{image_id}").status == 404
    page.goto("/dashboard/create")
    assert "Alice's secret brand" not in page.inner_text("#f-dataset_id")
    # Bob names Alice's dataset by hand: refused by the same check as the API, by its field.
    page.evaluate("""id => { const s = document.getElementById('f-dataset_id');
        s.add(new Option('forged', id)); s.value = id; }""", dataset["id"])
    page.fill("#f-prompt", "Borrowed identity")
    page.click("button#generate")
    page.wait_for_selector("#error-dataset_id")
    assert "not found" in page.inner_text("#error-dataset_id")
    assert api(live_server, bob, "GET", "/ai/generated-images?status=all").json()["items"] == []
