"""Admin pages in Chromium: create a user and a key (shown once) and use it; revoke it; disable a user and see
their key refused; quotas; the settings at a glance. And: users cannot reach them; every new form needs CSRF."""

import re

import pytest

from tests.dashboard.conftest import screenshot, sign_in
from tests.dashboard.ledger import api
from tests.dashboard.support import signed_in_client


def _admin_page(browsing, admin):
    page = sign_in(browsing.new_page(), admin)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_create_a_user_and_a_key_then_use_it_and_revoke_it(app, browsing, live_server, admin_key):
    _, admin = admin_key
    page = _admin_page(browsing, admin)
    page.click("nav.nav >> text=Admin")
    page.wait_for_url("**/dashboard/admin/users")
    page.fill("#u-username", "bad name!")
    page.click("#create-user")
    page.wait_for_selector("#error-username")
    assert "letters, digits" in page.inner_text("#error-username")
    page.fill("#u-username", "mallory")
    page.fill("#u-email", "not-an-email")
    page.click("#create-user")
    page.wait_for_selector("#error-email")
    page.fill("#u-username", "carol")
    page.fill("#u-email", "carol@example.com")
    page.click("#create-user")
    page.wait_for_url("**/dashboard/admin/keys?user=carol")
    assert page.input_value("#k-user") == "carol"

    page.select_option("#k-user", "")
    page.click("#create-key")
    page.wait_for_selector("#error-user")
    page.select_option("#k-user", "carol")
    page.fill("#k-name", "laptop ✓")
    page.click("#create-key")
    page.wait_for_selector("#new-key")
    secret = page.input_value("#new-key-value")
    assert secret.startswith("imp_") and len(secret) > 40
    page.click("button[data-copy=new-key-value]")
    page.wait_for_selector("button[data-copy=new-key-value]:has-text('Copied')")
    row = page.locator(f'#keys tr[data-prefix="{secret[:12]}"]')
    assert "never" in row.inner_text() and "carol" in row.inner_text() and "laptop ✓" in row.inner_text()
    screenshot(page, "admin-keys")

    assert api(live_server, secret, "GET", "/me").json()["username"] == "carol"
    page.goto("/dashboard/admin/keys")
    assert secret not in page.content()  # shown once, never again
    assert page.get_attribute(f'#keys tr[data-prefix="{secret[:12]}"] td[data-last-used]', "data-last-used")

    page.click(f'button[data-revoke="{secret[:12]}"]')
    page.wait_for_selector(f".flashes >> text=Revoked {secret[:12]}")
    assert api(live_server, secret, "GET", "/me").status_code == 401
    assert "revoked" in page.inner_text(f'#keys tr[data-prefix="{secret[:12]}"]')


def test_disable_a_user_and_see_their_key_refused(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    user_id, key = user_key
    made = api(live_server, key, "POST", "/ai/generate", json={"prompt": "before", "size": "256x256"})
    assert made.status_code == 201
    alice = sign_in(browsing.new_page(), key)
    page = _admin_page(browsing, admin)
    page.goto("/dashboard/admin/users")
    assert page.locator('#users tr[data-username="root"] button[data-toggle-user]').count() == 0  # not yourself
    page.click('button[data-toggle-user="alice"]')
    page.wait_for_selector(".flashes >> text=alice is disabled")
    assert "disabled" in page.inner_text('#users tr[data-username="alice"]')

    refused = api(live_server, key, "GET", "/me")
    assert refused.status_code == 401
    alice.reload()
    assert "/dashboard/login" in alice.url  # her open session ended too
    assert api(live_server, admin, "GET", f"/ai/generated-images/{made.json()['id']}").status_code == 200
    screenshot(page, "admin-users")

    page.click('button[data-toggle-user="alice"]')
    page.wait_for_selector(".flashes >> text=alice is enabled")
    assert api(live_server, key, "GET", "/me").status_code == 200

    row = '#users tr[data-username="alice"]'
    page.fill(f'{row} input[name="daily_generation_limit"]', "-3")
    page.click(f"{row} .quota-form button")
    page.wait_for_selector("#error-daily_generation_limit")
    page.fill(f'{row} input[name="daily_generation_limit"]', "5")
    page.fill(f'{row} input[name="daily_cost_limit_usd"]', "0.25")
    page.click(f"{row} .quota-form button")
    page.wait_for_selector(".flashes >> text=Quotas of alice saved.")
    usage = api(live_server, key, "GET", "/me/usage").json()
    assert usage["generation_limit"] == 5 and usage["cost_limit_usd"] == 0.25
    assert page.input_value(f'{row} input[name="daily_generation_limit"]') == "5"


def test_settings_at_a_glance(app, browsing, admin_key):
    _, admin = admin_key
    page = _admin_page(browsing, admin)
    page.goto("/dashboard/admin/settings")
    assert page.inner_text("#storage-backend").startswith("local")
    assert "in-process writer" in page.inner_text("#tracking-mode")
    procedural = page.inner_text('#providers tr[data-provider="procedural"]')
    assert "default" in procedural and "yes" in procedural
    assert "needs OPENAI_BASE_URL" in page.inner_text('#providers tr[data-provider="openai"]') or \
        "needs OPENAI_API_KEY" in page.inner_text('#providers tr[data-provider="openai"]')
    assert page.locator("form").count() == 1  # read-only: only the sign-out form
    screenshot(page, "admin-settings")


ADMIN_PAGES = ["/dashboard/admin/users", "/dashboard/admin/keys", "/dashboard/admin/settings"]


def test_users_cannot_reach_the_admin_pages(app, user_key, admin_key):
    admin_id, _ = admin_key
    _, key = user_key
    client = signed_in_client(app, key)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dashboard/").text).group(1)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    for path, data in [("/dashboard/admin/users", {"username": "eve"}),
                       ("/dashboard/admin/keys", {"user": "alice", "is_admin": "on"}),
                       (f"/dashboard/admin/users/{admin_id}/active", {"active": "0"}),
                       (f"/dashboard/admin/users/{admin_id}/quota", {"daily_generation_limit": "1"})]:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert "Admin" not in client.get("/dashboard/").text.split("</nav>")[0].split('class="nav"')[1]
    with app.app_context():
        from app.auth.service import list_keys, list_users

        assert sorted(user.username for user in list_users()) == ["alice", "root"]
        assert len(list_keys()) == 2


@pytest.mark.parametrize("path", [
    "/dashboard/create", "/dashboard/datasets", "/dashboard/templates/new", "/dashboard/admin/users",
    "/dashboard/admin/keys"])
def test_every_new_form_needs_its_csrf_token(app, admin_key, path):
    _, admin = admin_key
    client = signed_in_client(app, admin)
    answer = client.post(path, data={"prompt": "x", "name": "x", "id": "x", "template": "x", "username": "x",
                                     "user": "root"})
    assert answer.status_code == 400 and b"could not be checked" in answer.data
    with app.app_context():
        from app.auth.service import list_keys, list_users

        assert len(list_users()) == 1 and len(list_keys()) == 1


def test_unknown_dashboard_urls_get_the_dashboards_404(app, browsing, user_key):
    _, key = user_key
    page = sign_in(browsing.new_page(), key)
    answer = page.goto("/dashboard/no/such/page")
    assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")
    assert "404" in page.inner_text(".status-code") and page.locator("nav.nav").count() == 1
    assert page.goto("/dashboard/images/not-a-uuid").status == 404
    screenshot(page, "not-found")


def test_a_keys_limits_are_shown_and_edited_on_the_keys_page(app, browsing, live_server, admin_key, user_key):
    _, admin = admin_key
    _, key = user_key
    page = _admin_page(browsing, admin)
    page.goto("/dashboard/admin/keys")
    row = f'#keys tr[data-prefix="{key[:12]}"]'
    assert page.inner_text(f"{row} td[data-limits]").startswith("no limits")
    page.click(f"{row} summary")
    page.fill(f"{row} input[name=budget_usd]", "-1")
    page.click(f'button[data-save-limits="{key[:12]}"]')
    page.wait_for_selector(f"{row} .error")
    assert "budget_usd" in page.inner_text(f"{row} .error")
    page.fill(f"{row} input[name=budget_usd]", "20")
    page.select_option(f"{row} select[name=budget_period]", "week")
    page.fill(f"{row} input[name=expires_at]", "2027-01-31")
    page.check(f'{row} input[name=scopes][value=og]')
    page.fill(f"{row} input[name=allowed_models]", "gpt-image-1.5, gpt-image-1-mini")
    page.click(f'button[data-save-limits="{key[:12]}"]')
    page.wait_for_selector(f".flashes >> text=Limits of {key[:12]} saved.")
    shown = page.inner_text(f"{row} td[data-limits]")
    assert "$20 per week" in shown and "scopes=og" in shown and "gpt-image-1-mini,gpt-image-1.5" in shown
    assert "2027-01-31" in shown
    # the key now renders cards only
    assert api(live_server, key, "POST", "/ai/generate", json={"prompt": "x"}).status_code == 403
