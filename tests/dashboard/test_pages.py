"""Overview numbers match the API; the OG preview follows the form; prompts, analytics, exports;
every page screenshotted at desktop and phone width, with no request leaving the app."""

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api, fill_ledger
from tests.dashboard.support import fits_the_phone


def metric(page, name):
    return page.get_attribute(f'[data-metric="{name}"]', "data-value")


def test_overview_shows_the_numbers_the_api_gives(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    fill_ledger(app, live_server, admin, user_key[1])
    page = sign_in(browsing.new_page(), admin)
    page.goto("/dashboard/?window=24h")
    truth = api(live_server, admin, "GET", "/analytics/dashboard?window=24h").json()
    assert truth["generations"] == 67  # 61 recorded logs + the 6 generations' own logs

    assert int(metric(page, "generations")) == truth["generations"]
    assert float(metric(page, "generations_per_hour")) == truth["generations_per_hour"]
    assert float(metric(page, "success_rate")) == truth["success_rate"]
    assert float(metric(page, "avg_cost_per_generation")) == truth["avg_cost_per_generation"]
    shown = page.inner_text('[data-metric="success_rate"] .stat-value')
    assert shown == f"{truth['success_rate'] * 100:.1f}%"

    og = api(live_server, admin, "GET", "/og/stats").json()
    assert int(metric(page, "og_renders")) == og["total"] == 5  # all rendered within the hour
    alerts = api(live_server, admin, "GET", "/analytics/alerts").json()
    assert int(metric(page, "active_alerts")) == len(alerts["active"]) >= 1  # the 429s fire rate_limit
    assert "rate limit" in page.inner_text(".alerts")
    assert metric(page, "spool_events") == "0"
    assert page.locator("svg.chart").count() == 2
    screenshot(page, "overview")


def test_og_preview_updates_when_the_seed_changes(app, browsing, admin_key):
    _, admin = admin_key
    page = sign_in(browsing.new_page(), admin)
    page.goto("/dashboard/og?seed=first-seed")
    page.wait_for_function("() => document.getElementById('og-preview').dataset.loadedSrc")
    assert "seed=first-seed" in page.get_attribute("#og-preview", "data-loaded-src")
    assert "/dashboard/og/preview.png?" in page.get_attribute("#og-preview", "data-loaded-src")

    page.fill("#og-seed", "second-seed")
    page.fill("#og-quote", "Make something people want")
    page.wait_for_function("() => (document.getElementById('og-preview').dataset.loadedSrc || '').includes('seed=second-seed')"
                           " && document.getElementById('og-preview').dataset.loadedSrc.includes('quote=')")
    assert page.evaluate("document.getElementById('og-preview').naturalWidth") == 1200
    url = page.input_value("#og-url")
    assert url.startswith(browsing.server.url + "/og/second-seed.png?quote=")
    assert "seed=second-seed" in page.url  # the page's own URL follows, so it can be shared
    assert "second-seed" in page.inner_text("#og-meta")
    screenshot(page, "og")

    page.fill("#og-shapes", "99")
    page.wait_for_selector("#og-error:not([hidden])")
    assert "shapes" in page.inner_text("#og-error")


def test_prompts_library_template_page_and_favorites(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    _, user = user_key
    fill_ledger(app, live_server, admin, user)
    page = sign_in(browsing.new_page(), user)
    page.goto("/dashboard/prompts")
    row = page.locator("#library tr", has_text="portrait-selfie-casual")
    assert "80.0%" in row.inner_text() and "5" in row.inner_text()
    row.locator("button.star").click()
    page.wait_for_selector("text=Added to your favorites.")
    favorites = api(live_server, user, "GET", "/prompts/favorites").json()
    items = favorites["items"] if isinstance(favorites, dict) else favorites
    assert [item["id"] for item in items] == ["portrait-selfie-casual"]
    screenshot(page, "prompts")

    page.click('#library a[href$="/prompts/portrait-selfie-casual"]')
    page.wait_for_url("**/dashboard/prompts/portrait-selfie-casual")
    stats = api(live_server, None, "GET", "/prompts/portrait-selfie-casual/stats").json()
    assert int(metric(page, "total_usage")) == stats["totalUsage"] == 5
    scenes = page.eval_on_selector_all("#scenes tbody tr td:first-child", "cells => cells.map(c => c.textContent)")
    assert scenes[0] == "rooftop" and set(scenes) == {"rooftop", "cafe", "beach"}
    assert "v1" in page.inner_text("#versions")
    screenshot(page, "prompt")


def test_analytics_failed_and_exports(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    fill_ledger(app, live_server, admin, user_key[1])
    page = sign_in(browsing.new_page(), admin)
    page.goto("/dashboard/analytics?window=24h")
    truth = api(live_server, admin, "GET", "/analytics/top-styles?window=24h").json()["rows"]
    styles = page.eval_on_selector_all("#top-styles tbody tr td:first-child", "cells => cells.map(c => c.textContent)")
    assert styles == [row["style"] or "(none)" for row in truth]
    assert page.locator("svg.chart:visible").count() == 5  # spend per model leads
    by_model = api(live_server, admin, "GET", "/analytics/spend?group_by=model&window=24h").json()["rows"]
    costs = page.eval_on_selector_all("#spend-model tbody tr td:nth-child(5)", "cells => cells.map(c => c.textContent)")
    assert costs == [f"${row['cost_usd']}" for row in by_model] and costs
    screenshot(page, "analytics")

    with page.expect_download() as download:
        page.click("#exports .export:has-text('logs') >> text=CSV")
    with open(download.value.path()) as fh:
        lines = fh.read().splitlines()
    assert lines[0].startswith("id,") and len(lines) - 1 == api(
        live_server, admin, "GET", "/analytics/dashboard?window=24h").json()["generations"]

    page.goto("/dashboard/failed?window=24h")
    errors = api(live_server, admin, "GET", "/analytics/errors?window=24h").json()["rows"]
    counts = page.eval_on_selector_all("#error-groups tbody tr td:nth-child(2)", "cells => cells.map(c => +c.textContent)")
    assert counts == [row["error_count"] for row in errors] and sum(counts) > 0
    screenshot(page, "failed")


def test_every_page_at_phone_width_stays_inside_the_app(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    made = fill_ledger(app, live_server, admin, user_key[1])
    page = sign_in(browsing.new_page(width=390, height=844), admin)
    for name, path in [("phone-overview", "/dashboard/"), ("phone-gallery", "/dashboard/gallery"),
                       ("phone-image", f"/dashboard/images/{made[0]['id']}"), ("phone-og", "/dashboard/og"),
                       ("phone-prompts", "/dashboard/prompts"), ("phone-analytics", "/dashboard/analytics"),
                       ("phone-failed", "/dashboard/failed")]:
        assert page.goto(path).status == 200
        page.wait_for_load_state("networkidle")
        fits_the_phone(page, path)
        screenshot(page, name)
    page.emulate_media(media="print")
    page.goto("/dashboard/analytics")
    assert page.locator(".topbar .nav").is_hidden() and page.locator("svg.chart").first.is_visible()
    login = browsing.new_page()
    login.goto("/dashboard/login")
    screenshot(login, "login")
    assert browsing.outside_requests() == []
    assert len(browsing.requests) > 20


def test_every_window_page_shares_one_default_and_takes_a_range_of_days(app, browsing, live_server, admin_key):
    from datetime import timedelta

    from app.models.types import utcnow

    _, admin = admin_key
    page = sign_in(browsing.new_page(), admin)
    for path in ("/dashboard/", "/dashboard/failed", "/dashboard/analytics"):
        page.goto(path)
        assert page.get_attribute('.windows a[aria-current="true"]', "href").endswith("window=7d"), path
    today = utcnow().date()
    first = (today - timedelta(days=2)).isoformat()
    page.goto("/dashboard/analytics")
    page.fill("#range-from", first)
    page.fill("#range-to", today.isoformat())
    page.click("#range-apply")
    page.wait_for_url(f"**/dashboard/analytics?from={first}&to={today.isoformat()}")
    assert f"{first} to {today.isoformat()}" in page.inner_text("main")
    assert page.input_value("#range-from") == first
    export = page.get_attribute("#exports a", "href")
    assert f"from={first}" in export and f"to={today.isoformat()}" in export
    page.goto(f"/dashboard/failed?from={today.isoformat()}&to={first}")  # the wrong way round
    assert "comes after" in page.inner_text("#range-error")
