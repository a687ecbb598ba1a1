"""WCAG 2.1 AA on every dashboard page, checked by axe-core (the npm registry's build, package.json)
in Chromium: empty and full, signed out, errors, results, and at phone width; and a keyboard-only walk."""

from pathlib import Path

import pytest

from tests.dashboard.conftest import sign_in
from tests.dashboard.ledger import api, fill_ledger
from tests.support import require_service

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        require_service("axe-core", f"{AXE} is missing (npm install, from the repository's package.json)")
    return AXE.read_text(encoding="utf-8")


def violations(page, axe_source):
    """axe-core's violations at the WCAG 2.1 A/AA tags, each as 'rule: target …'."""
    page.wait_for_load_state("networkidle")
    page.evaluate(axe_source)
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in results["violations"]]


def audit(page, path, axe_source, found, wait_for=None):
    page.goto(path)
    if wait_for:
        page.wait_for_selector(wait_for)
    for problem in violations(page, axe_source):
        found.append(f"{path} @ {page.viewport_size['width']}px: {problem}")


def pages_with_data(app, server, admin, user):
    made = fill_ledger(app, server, admin, user)
    dataset = api(server, admin, "POST", "/ai/datasets", json={"name": "Brand", "description": "Our look"}).json()
    image = made[0]["images"][0]["id"] if "images" in made[0] else made[0]["id"]
    board = api(server, admin, "POST", "/collections", json={"name": "Launch"}).json()
    api(server, admin, "POST", f"/collections/{board['id']}/share", json={"shared": True})
    return [
        "/dashboard/", "/dashboard/create", "/dashboard/gallery", f"/dashboard/images/{image}",
        "/dashboard/failed", "/dashboard/prompts", "/dashboard/prompts/portrait-selfie-casual",
        "/dashboard/prompts/portrait-selfie-casual/edit", "/dashboard/templates/new",
        "/dashboard/prompts/portrait-selfie-casual/compare?a=1&b=1",
        "/dashboard/datasets", f"/dashboard/datasets/{dataset['id']}", "/dashboard/og",
        "/dashboard/analytics", "/dashboard/admin/users", "/dashboard/admin/keys", "/dashboard/admin/settings",
        "/dashboard/collections", f"/dashboard/collections/{board['id']}", "/dashboard/no-such-page",
    ]


@pytest.mark.slow
def test_every_page_passes_axe_at_wcag_21_aa(app, browsing, live_server, admin_key, user_key, axe_source):
    _, admin = admin_key
    found = []
    signed_out = browsing.new_page()
    audit(signed_out, "/dashboard/login", axe_source, found)
    signed_out.fill("#api_key", "not-a-key")
    signed_out.click("button[type=submit]")
    for problem in violations(signed_out, axe_source):  # the sign-in error state
        found.append(f"login error: {problem}")
    audit(signed_out, "/", axe_source, found)

    empty = sign_in(browsing.new_page(), admin)
    for path in ("/dashboard/", "/dashboard/gallery", "/dashboard/failed", "/dashboard/datasets",
                 "/dashboard/analytics", "/dashboard/prompts"):
        audit(empty, path, axe_source, found)

    paths = pages_with_data(app, live_server, admin, user_key[1])
    desktop = sign_in(browsing.new_page(), admin)
    phone = sign_in(browsing.new_page(width=390, height=844), admin)
    for path in paths:
        audit(desktop, path, axe_source, found)
        audit(phone, path, axe_source, found)
    user = sign_in(browsing.new_page(), user_key[1])
    audit(user, "/dashboard/", axe_source, found)

    # a result on the Create page, and a form with errors
    desktop.goto("/dashboard/create")
    desktop.fill("#f-prompt", "A lighthouse at dusk")
    desktop.click("button#generate")
    desktop.wait_for_selector("#result-images")
    found.extend(f"create result: {problem}" for problem in violations(desktop, axe_source))
    assert found == [], "\n".join(found)


def test_keyboard_alone_signs_in_creates_and_opens_the_image(app, browsing, admin_key):
    _, admin = admin_key
    page = browsing.new_page()
    page.goto("/dashboard/login")
    assert page.evaluate("document.activeElement.id") == "api_key"  # the one field has the focus at once
    page.keyboard.type(admin)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")

    page.keyboard.press("Tab")  # the first stop is the skip link, which leads past the navigation
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto("/dashboard/create")
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
        if focused[-1] == "f-prompt":
            break
    assert "f-prompt" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.type("A lighthouse at dusk")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "generate":
            break
    page.keyboard.press("Enter")
    link = page.wait_for_selector("#result-images a.tile")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/images/**")
    assert "A lighthouse at dusk" in page.inner_text("main")

