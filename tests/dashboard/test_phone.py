"""At 390 px (a phone): every page fits, every navigation link is on screen, chart text is legible."""

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api, fill_ledger
from tests.dashboard.support import PHONE, fits_the_phone

MIN_TEXT_PX = 10.5  # what a chart label measures on screen, at least

NAV_ON_SCREEN = """() => [...document.querySelectorAll('nav.nav a')].map(a => {
    const r = a.getBoundingClientRect();
    return {text: a.textContent.trim(), inside: r.left >= 0 && r.right <= window.innerWidth && r.width > 0};
})"""

CHART_TEXT = """() => [...document.querySelectorAll('svg.chart text')].filter(t => t.getClientRects().length).map(t => {
    const px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
    return {text: t.textContent, px: px};
})"""


def test_the_workbench_pages_at_phone_width(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    made = fill_ledger(app, live_server, admin, user_key[1])
    dataset = api(live_server, admin, "POST", "/ai/datasets", json={"name": "Phone brand"}).json()
    api(live_server, admin, "PATCH", "/prompts/portrait-selfie-casual", json={"template": "A {scene} selfie, {outfit}"})
    page = sign_in(browsing.new_page(**PHONE), admin)
    pages = [("phone-create", "/dashboard/create"), ("phone-datasets", "/dashboard/datasets"),
             ("phone-dataset", f"/dashboard/datasets/{dataset['id']}"),
             ("phone-template-new", "/dashboard/templates/new"),
             ("phone-template-compare", "/dashboard/prompts/portrait-selfie-casual/compare"),
             ("phone-prompt", "/dashboard/prompts/portrait-selfie-casual"),
             ("phone-admin-users", "/dashboard/admin/users"), ("phone-admin-keys", "/dashboard/admin/keys"),
             ("phone-admin-settings", "/dashboard/admin/settings"), ("phone-overview", "/dashboard/"),
             ("phone-analytics", "/dashboard/analytics"), ("phone-image", f"/dashboard/images/{made[0]['id']}")]
    for name, path in pages:
        assert page.goto(path).status == 200, path
        page.wait_for_load_state("networkidle")
        fits_the_phone(page, path)
        links = page.evaluate(NAV_ON_SCREEN)
        assert [link["text"] for link in links if not link["inside"]] == [], path
        assert {link["text"] for link in links} >= {"Create", "Datasets", "Admin", "Analytics"}
        small = [t for t in page.evaluate(CHART_TEXT) if t["px"] < MIN_TEXT_PX]
        assert small == [], f"{path}: chart text too small to read: {small[:3]}"
        screenshot(page, name)
    page.goto("/dashboard/create")
    page.fill("#f-prompt", "A tiny phone-made poster")
    page.click("button#generate")
    page.wait_for_selector("#result-images")
    fits_the_phone(page, "/dashboard/create (result)")
    screenshot(page, "phone-create-result")


def test_the_overview_charts_at_phone_width_are_legible(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    fill_ledger(app, live_server, admin, user_key[1])
    page = sign_in(browsing.new_page(**PHONE), admin)
    texts = page.evaluate(CHART_TEXT)
    assert texts and min(t["px"] for t in texts) >= MIN_TEXT_PX
    desktop = sign_in(browsing.new_page(), admin)
    sizes = [t["px"] for t in desktop.evaluate(CHART_TEXT)]
    assert sizes and min(sizes) >= MIN_TEXT_PX  # the desktop keeps its size too
