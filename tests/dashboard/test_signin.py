"""Signing in with an API key: a signed, HTTP-only, SameSite=Lax cookie; revocation ends it."""

from app.auth.service import revoke_api_key
from tests.dashboard.conftest import sign_in
from tests.support import make_api_key


def test_sign_in_sign_out(app, browsing, admin_key):
    _, key = admin_key
    page = browsing.new_page()
    page.goto("/dashboard/")
    assert page.url.endswith("/dashboard/login?next=/dashboard/")

    page.fill("#api_key", "imp_not-a-real-key")
    with page.expect_response("**/dashboard/login") as response:
        page.click("button[type=submit]")
    assert response.value.status == 401
    assert "unknown or revoked" in page.inner_text(".flash.error")

    sign_in(page, key)
    assert page.inner_text("h1") == "Overview"
    assert "root" in page.inner_text(".who")
    cookie = next(c for c in page.context.cookies() if c["name"] == "imprint_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["secure"] is False
    assert key not in cookie["value"]  # the cookie holds the key's id, never the key

    page.click("text=Sign out")
    page.wait_for_url("**/dashboard/login")
    assert "Signed out." in page.inner_text(".flashes")
    page.goto("/dashboard/gallery")
    assert "/dashboard/login" in page.url


def test_revoking_the_key_ends_the_session(app, browsing):
    with app.app_context():
        _, key = make_api_key(app, "carol")
    page = sign_in(browsing.new_page(), key)
    assert page.inner_text("h1") == "Your images"
    with app.app_context():
        revoke_api_key(key[:12])
    page.goto("/dashboard/gallery")
    assert "/dashboard/login" in page.url


def test_cookie_is_secure_in_production(make_app):
    app = make_app(IMPRINT_ENV="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_login_redirects_only_inside_the_dashboard(app, client, admin_key):
    _, key = admin_key
    page = client.get("/dashboard/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/dashboard/login", data={"api_key": key, "csrf_token": token,
                                                   "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/dashboard/"
