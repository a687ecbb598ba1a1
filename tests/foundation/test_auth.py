"""API keys: shown once, stored hashed, checked on every request."""

from sqlalchemy import select

from app.models import ApiKey
from tests.support import bearer


def test_a_key_authenticates(client, user_key):
    _user_id, key = user_key
    response = client.get("/me", headers=bearer(key))
    assert response.status_code == 200
    assert response.json["username"] == "alice"
    assert response.json["is_admin"] is False


def test_wrong_malformed_and_missing_keys_are_401(client, user_key):
    _user_id, key = user_key
    wrong = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    for headers in (bearer(wrong), bearer("not-a-key"), {"Authorization": f"Basic {key}"}, {}):
        response = client.get("/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json["message"]


def test_the_stored_hash_is_not_the_key(app, db_session, user_key):
    _user_id, key = user_key
    stored = db_session.scalars(select(ApiKey)).one()
    assert key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64
    assert key.startswith(stored.prefix)


def test_a_revoked_key_is_401(app, client, user_key):
    _user_id, key = user_key
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "revoke", key[:12]])
    assert result.exit_code == 0, result.output
    assert client.get("/me", headers=bearer(key)).status_code == 401


def test_admin_endpoints_refuse_user_keys(client, user_key, admin_key):
    _user_id, key = user_key
    _admin_id, admin = admin_key
    assert client.get("/users", headers=bearer(key)).status_code == 403
    listing = client.get("/users", headers=bearer(admin))
    assert listing.status_code == 200
    assert {user["username"] for user in listing.json} == {"alice", "root"}


def test_admin_creates_a_user_and_a_key_over_http(client, admin_key):
    _admin_id, admin = admin_key
    created = client.post("/users", json={"username": "carol"}, headers=bearer(admin))
    assert created.status_code == 201
    duplicate = client.post("/users", json={"username": "carol"}, headers=bearer(admin))
    assert duplicate.status_code == 409
    key = client.post(f"/users/{created.json['id']}/keys", json={"name": "ci"}, headers=bearer(admin))
    assert key.status_code == 201
    assert client.get("/me", headers=bearer(key.json["key"])).json["username"] == "carol"


def test_cli_creates_users_and_keys(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "dave"]).exit_code == 0
    assert runner.invoke(args=["users", "create", "dave"]).exit_code != 0
    result = runner.invoke(args=["keys", "create", "--user", "dave", "--admin"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[0]
    me = client.get("/me", headers=bearer(key))
    assert me.json == {**me.json, "username": "dave", "is_admin": True}
    assert runner.invoke(args=["keys", "create", "--user", "nobody"]).exit_code != 0
