"""The image page shows the stored file's Content Credentials (app/provenance), in headless Chromium."""

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import generate


def test_image_page_shows_the_credentials(app, browsing, live_server, user_key):
    _, key = user_key
    image = generate(live_server, key, "A signed lighthouse")
    page = sign_in(browsing.new_page(), key)
    page.goto(f"/dashboard/images/{image['id']}")
    assert page.inner_text("#credentials-state") == "valid"
    assert page.inner_text("#credentials-source-type") == "algorithmicMedia"
    section = page.inner_text("#credentials")
    assert "c2pa.created" in section and "Imprint local signer" in section
    assert "not on a trust list" in section
    screenshot(page, "image-credentials")
