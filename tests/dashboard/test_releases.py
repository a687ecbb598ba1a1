"""Releases in Chromium: move a label, generate with it from Create, run versions side by side, rate an image."""

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api


def test_move_a_label_compare_versions_and_rate_an_image(app, browsing, live_server, admin_key):
    _, admin = admin_key
    api(live_server, admin, "POST", "/prompts", json={"id": "poster", "name": "Poster",
                                                      "template": "v1 lighthouse of {subject}"})
    api(live_server, admin, "PATCH", "/prompts/poster", json={"template": "v2 harbour of {subject}"})
    page = browsing.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, admin)

    page.goto("/dashboard/prompts/poster")
    page.fill("#move-label-name", "production")
    page.select_option("#move-label-version", "1")
    page.click("#move-label-button")
    page.wait_for_selector("#label-moves")
    assert "production now names version 1" in page.inner_text(".flashes")
    assert "v1" in page.inner_text('#labels tr[data-label="production"]')
    assert "moved production from — to v1" in page.inner_text("#label-moves")
    [move] = api(live_server, admin, "GET", "/prompts/poster/labels/history").json()
    assert (move["toVersion"], move["movedByName"]) == (1, "root")

    # Create without a version or label uses production's version; a version typed in wins
    page.goto("/dashboard/create?prompt_id=poster&var.subject=a+fox")
    page.click("#generate")
    page.wait_for_selector("#result")
    assert "v1 lighthouse of a fox" in page.inner_text("#result")
    page.fill("#f-prompt_version", "2")
    page.click("#generate")
    page.wait_for_function("() => document.querySelector('#result').innerText.includes('v2 harbour')")

    page.goto("/dashboard/prompts/poster")
    page.fill("#compare-subject", "a fox")
    page.fill("#compare-seeds", "4, 5")
    page.click("#run-comparison")
    page.wait_for_selector("#comparison-grid")
    assert page.inner_text("#comparison-status") == "finished"
    assert page.locator("#comparison-grid td.cell img").count() == 4
    assert page.inner_text('th[data-arm="0"]').lower().startswith("v2")  # newest first, as the versions are listed
    screenshot(page, "prompt-comparison")
    page.click('td[data-cell="1-4"] button[value=up]')
    page.wait_for_selector("#comparison-grid")
    assert "▲ 1" in page.inner_text('td[data-cell="1-4"]')

    page.click('td[data-cell="0-5"] a')
    page.wait_for_selector("#rating-form")
    page.select_option("#rating-score", "4")
    page.fill("#rating-comment", "the light is right")
    page.click("#rate")
    page.wait_for_selector("#rating-comments")
    assert "★ 4.00" in page.inner_text("#rating-figures")
    newer = api(live_server, admin, "GET", "/prompts/poster/stats?version=2").json()
    assert (newer["ratingCount"], newer["averageScore"], newer["thumbsUp"]) == (1, 4.0, 0)
    older = api(live_server, admin, "GET", "/prompts/poster/stats?version=1").json()
    assert (older["ratingCount"], older["averageScore"], older["thumbsUp"]) == (1, None, 1)
