"""The OG page as a designer: layouts, brand colours, a logo, saving a template, the tag to copy."""

import io

from PIL import Image

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api, settle

LOADED = "() => (document.getElementById('og-preview').dataset.loadedSrc || '').includes({!r})"


def test_design_and_save_a_brand_template_then_copy_its_tag(app, browsing, admin_key, tmp_path):
    _, admin = admin_key
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (90, 30), (220, 20, 60, 255)).save(logo)
    page = sign_in(browsing.new_page(), admin)
    page.goto("/dashboard/og?seed=designer-launch")
    page.select_option("#og-layout", "announcement")
    page.fill("#og-title", "東京 launch 🚀")
    page.fill("#og-badge", "NEW")
    page.check("#og-brand")
    page.fill("#og-background", "#112233")
    page.wait_for_function(LOADED.format("background=%23112233"))
    src = page.get_attribute("#og-preview", "data-loaded-src")
    assert "/dashboard/og/preview.png?" in src and "layout=announcement" in src
    assert page.evaluate("document.getElementById('og-preview').naturalWidth") == 1200

    page.fill("#og-save-name", "acme")
    page.set_input_files("#og-logo", str(logo))
    page.click("#og-save button[type=submit]")
    page.wait_for_selector("text=Saved acme version 1.")
    url = page.input_value("#og-url")
    assert url.startswith(browsing.server.url + "/og/t/acme/v1/designer-launch.png")
    tag = page.input_value("#og-meta-tag")
    assert tag == f'<meta property="og:image" content="{url}">'
    card = api(browsing.server, None, "GET", url[len(browsing.server.url):])
    assert card.status_code == 200 and card.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(card.content)).convert("RGB")
    assert sum(1 for px in image.get_flattened_data() if px[0] > 180 and px[1] < 60 and px[2] < 90) > 300
    template = api(browsing.server, None, "GET", "/og/templates/acme").json()
    assert template["layout"] == "announcement" and template["colors"]["background"] == "#112233"
    assert template["logo"] == "png" and template["defaults"]["badge"] == "NEW"
    screenshot(page, "og-designer")

    page.fill("#og-title", "x" * 10)
    page.fill("#og-shapes", "99")
    page.wait_for_selector("#og-error:not([hidden])")
    assert "shapes" in page.inner_text("#og-error")
    settle(app)
    recorded = api(browsing.server, admin, "GET", "/og/generations?seed=designer-launch").json()
    assert recorded["total"] == 1  # the one public card fetched above; the previews are not counted


def test_with_signed_card_urls_the_url_to_copy_is_signed_and_served(make_app, browser):
    import requests

    from tests.dashboard.conftest import Browsing, LiveServer
    from tests.support import close_apps, empty_tables

    app = make_app(OG_SIGNING_KEYS="designer-secret")
    with app.app_context():
        from tests.support import make_api_key

        _, admin = make_api_key(app, "designer", is_admin=True)
    server = LiveServer(app)
    session = Browsing(browser, server)
    try:
        page = sign_in(session.new_page(), admin)
        page.goto("/dashboard/og?seed=signed-launch")
        page.fill("#og-quote", "Only we can say this")
        page.wait_for_function("() => document.getElementById('og-url').value.includes('sig=')"
                               " && document.getElementById('og-url').value.includes('quote=Only')")
        url = page.input_value("#og-url")
        assert requests.get(url, timeout=30).status_code == 200
        assert requests.get(url.replace("Only", "Anyone"), timeout=30).status_code == 403
        assert "sig=" in page.input_value("#og-meta-tag")
        assert session.page_errors() == []
    finally:
        session.close()
        server.stop()
        close_apps([app])  # the cards fetched above are recorded: leave no row for the next test on this database
        empty_tables(app)
