"""Admin basics: list users and keys, disable and enable users, keys record their last use."""

from datetime import timedelta

from sqlalchemy import select

from app.models import ApiKey, GeneratedImage
from app.models.types import utcnow
from tests.support import bearer


def _key_row(app, prefix):
    from app.extensions import db

    with app.app_context():
        return db.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one()


def test_a_disabled_users_keys_are_refused_at_once_and_their_ledger_stays(app, client, user_key, admin_key):
    user_id, key = user_key
    _, admin = admin_key
    made = client.post("/ai/generate", json={"prompt": "a kept record", "size": "256x256"}, headers=bearer(key))
    assert made.status_code == 201

    answer = client.patch(f"/users/{user_id}", json={"is_active": False}, headers=bearer(admin))
    assert answer.status_code == 200 and answer.json["is_active"] is False
    refused = client.get("/me", headers=bearer(key))
    assert refused.status_code == 401
    assert client.post("/ai/generate", json={"prompt": "x"}, headers=bearer(key)).status_code == 401
    mine = client.get("/ai/generated-images?status=all", headers=bearer(admin)).json["items"]
    assert [item["id"] for item in mine] == [made.json["id"]]  # the ledger keeps the disabled user's image

    assert client.patch(f"/users/{user_id}", json={"is_active": True}, headers=bearer(admin)).status_code == 200
    assert client.get("/me", headers=bearer(key)).json["username"] == "alice"


def test_patch_users_is_admin_only_validated_and_refuses_self_lockout(client, user_key, admin_key):
    user_id, key = user_key
    admin_id, admin = admin_key
    assert client.patch(f"/users/{user_id}", json={"is_active": False}, headers=bearer(key)).status_code == 403
    bad = client.patch(f"/users/{user_id}", json={"is_active": "perhaps"}, headers=bearer(admin))
    assert bad.status_code == 422 and "is_active" in bad.json["errors"]["json"]
    missing = client.patch(f"/users/{user_id}", json={}, headers=bearer(admin))
    assert missing.status_code == 422 and "is_active" in missing.json["errors"]["json"]
    unknown = client.patch("/users/00000000-0000-0000-0000-000000000000", json={"is_active": False},
                           headers=bearer(admin))
    assert unknown.status_code == 404
    itself = client.patch(f"/users/{admin_id}", json={"is_active": False}, headers=bearer(admin))
    assert itself.status_code == 422 and "own user" in itself.json["errors"]["json"]["is_active"][0]
    assert client.get("/me", headers=bearer(admin)).status_code == 200


def test_list_a_users_keys_with_last_use_and_never_the_secret(app, client, user_key, admin_key):
    user_id, key = user_key
    _, admin = admin_key
    before = client.get(f"/users/{user_id}/keys", headers=bearer(admin)).json
    assert len(before) == 1 and before[0]["prefix"] == key[:12]
    assert before[0]["last_used_at"] is None and before[0]["username"] == "alice"
    assert "key" not in before[0] and "key_hash" not in before[0]

    assert client.get(f"/users/{user_id}/keys", headers=bearer(key)).status_code == 403  # a use, too
    after = client.get(f"/users/{user_id}/keys", headers=bearer(admin)).json[0]
    assert after["last_used_at"] is not None


def test_last_use_is_written_at_most_once_a_minute(app, client, user_key):
    _, key = user_key
    client.get("/me", headers=bearer(key))
    first = _key_row(app, key[:12]).last_used_at
    client.get("/me", headers=bearer(key))
    assert _key_row(app, key[:12]).last_used_at == first  # within the minute: no write

    from app.extensions import db

    with app.app_context():
        row = db.session.scalars(select(ApiKey).where(ApiKey.prefix == key[:12])).one()
        row.last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    client.get("/me", headers=bearer(key))
    assert _key_row(app, key[:12]).last_used_at > first


def test_cli_lists_users_and_keys_and_disables_and_enables(app, client, user_key, admin_key):
    _, key = user_key
    _, admin = admin_key
    runner = app.test_cli_runner()
    client.get("/me", headers=bearer(key))
    users = runner.invoke(args=["users", "list"])
    assert users.exit_code == 0
    lines = users.stdout.splitlines()
    assert lines[0].split()[:4] == ["USERNAME", "ID", "ADMIN", "ACTIVE"]
    assert any(line.startswith("alice ") and " no " in line and " yes " in line for line in lines)

    keys = runner.invoke(args=["keys", "list", "--user", "alice"])
    assert keys.exit_code == 0, keys.output
    rows = keys.stdout.splitlines()[1:]
    assert len(rows) == 1 and rows[0].startswith(key[:12]) and "alice" in rows[0]
    assert key not in keys.stdout
    assert rows[0].split()[-1] == "-"  # not revoked
    everyone = runner.invoke(args=["keys", "list"]).stdout
    assert key[:12] in everyone and admin[:12] in everyone
    assert runner.invoke(args=["keys", "list", "--user", "nobody"]).exit_code != 0

    disabled = runner.invoke(args=["users", "disable", "alice"])
    assert disabled.exit_code == 0 and "disabled" in disabled.stdout
    assert client.get("/me", headers=bearer(key)).status_code == 401
    assert runner.invoke(args=["users", "enable", "alice"]).exit_code == 0
    assert client.get("/me", headers=bearer(key)).status_code == 200
    assert runner.invoke(args=["users", "disable", "nobody"]).exit_code != 0

    runner.invoke(args=["keys", "revoke", key[:12]])
    revoked = runner.invoke(args=["keys", "list", "--user", "alice"]).stdout.splitlines()[1]
    assert revoked.split()[-1] != "-"


def test_disabling_keeps_every_record(app, client, user_key, admin_key):
    user_id, key = user_key
    _, admin = admin_key
    client.post("/ai/generate", json={"prompt": "one", "size": "256x256"}, headers=bearer(key))
    client.patch(f"/users/{user_id}", json={"is_active": False}, headers=bearer(admin))
    from app.extensions import db

    with app.app_context():
        assert db.session.scalar(select(GeneratedImage.id).where(GeneratedImage.user_id == user_id)) is not None
        assert db.session.scalar(select(ApiKey.revoked_at).where(ApiKey.user_id == user_id)) is None
