"""Dashboard sessions live on the server: signing out ends every copy of the cookie."""

from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import DashboardSession
from app.models.types import utcnow
from tests.support import make_api_key


def _csrf(client, path="/dashboard/login"):
    page = client.get(path)
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _sign_in(client, key):
    answer = client.post("/dashboard/login", data={"api_key": key, "csrf_token": _csrf(client)})
    assert answer.status_code == 302, answer.text
    return client.get_cookie("imprint_session").value


def test_signing_out_ends_a_copied_cookie(app):
    with app.app_context():
        _, key = make_api_key(app, "dora")
    browser, thief = app.test_client(), app.test_client()
    cookie = _sign_in(browser, key)
    thief.set_cookie("imprint_session", cookie)
    assert thief.get("/dashboard/gallery").status_code == 200  # the copy works while the session lives
    token = browser.get("/dashboard/gallery").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert browser.post("/dashboard/logout", data={"csrf_token": token}).status_code == 302
    after = thief.get("/dashboard/gallery")
    assert after.status_code == 302 and "/dashboard/login" in after.headers["Location"]


def test_a_session_ends_when_its_time_is_up(app):
    with app.app_context():
        _, key = make_api_key(app, "erin")
    client = app.test_client()
    _sign_in(client, key)
    assert client.get("/dashboard/gallery").status_code == 200
    with app.app_context():  # the server's end of the session passes, whatever the cookie says
        db.session.execute(update(DashboardSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/dashboard/gallery").status_code == 302


def test_a_next_with_cr_lf_is_not_followed_and_not_a_500(app, admin_key):
    for target in ("/dashboard/\r\nSet-Cookie: x=1", "/dashboard/%0d%0aX: y", "/dashboard/\n"):
        client = app.test_client()
        token = _csrf(client)
        shown = client.get("/dashboard/login", query_string={"next": target})
        assert shown.status_code == 200
        answer = client.post("/dashboard/login", data={"api_key": admin_key[1], "csrf_token": token, "next": target})
        assert answer.status_code == 302 and "\n" not in answer.headers["Location"]
