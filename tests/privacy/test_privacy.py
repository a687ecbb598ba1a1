"""GDPR deletion, IP anonymisation, retention and the image cleanup policy."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    GeneratedImage,
    GenerationJob,
    GenerationLog,
    OgGeneration,
    Post,
    PromptFavorite,
    PromptUsage,
)
from app.models.types import utcnow
from app.security.client import anonymize_ip, maybe_anonymize_ip
from app.storage import get_storage
from tests.factories import (
    make_favorite,
    make_image,
    make_log,
    make_og,
    make_post,
    make_prompt,
    make_usage,
)
from tests.support import bearer, make_api_key

TABLES = (GeneratedImage, GenerationJob, GenerationLog, Post, PromptFavorite, PromptUsage)


@pytest.mark.parametrize(("address", "expected"), [
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:85a3::"),
    ("::ffff:198.51.100.9", "198.51.100.0"),
    ("not-an-ip", None),
    (None, None),
])
def test_anonymize_ip(address, expected):
    assert anonymize_ip(address) == expected


def test_anonymisation_follows_the_setting():
    assert maybe_anonymize_ip("203.0.113.77", {"ANONYMIZE_IP": False}) == "203.0.113.77"
    assert maybe_anonymize_ip("203.0.113.77", {"ANONYMIZE_IP": True}) == "203.0.113.0"


def owned_by(user_id):
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))
            for model in TABLES}


def give_data(app, user_id, name):
    """Two stored images (files written), a log, a usage, a favorite, a post and a job."""
    storage = get_storage(app)
    prompt = make_prompt()
    keys = []
    for n in range(2):
        key = f"{name}/{n}.png"
        storage.put("generated-images", key, b"png-bytes", "image/png")
        image = make_image(user_id, storage_key=key, prompt_id=prompt.id)
        keys.append(key)
    make_post(user_id, generated_image_id=image.id)
    make_log(user_id)
    make_usage(user_id, prompt.id)
    make_favorite(user_id, prompt.id)
    db.session.add(GenerationJob(user_id=user_id, request={"prompt": "x"}))
    db.session.commit()
    return keys


def test_gdpr_deletion_removes_rows_and_files_and_nobody_elses(app, client, user_key, admin_key):
    alice, alice_key = user_key
    with app.app_context():
        bob, bob_key = make_api_key(app, "bob")
        alice_files, bob_files = give_data(app, alice, "alice"), give_data(app, bob, "bob")
        bob_before = owned_by(bob)

    assert client.delete(f"/users/{alice}/data", headers=bearer(bob_key)).status_code == 403
    assert client.delete(f"/users/{alice}/data").status_code == 401
    response = client.delete(f"/users/{alice}/data", headers=bearer(alice_key))
    assert response.status_code == 200, response.json
    assert response.json["deleted"] == {"generated_images": 2, "files": 2, "posts": 1, "prompt_favorites": 1,
                                        "prompt_usage": 1, "generation_logs": 1, "generation_jobs": 1,
                                        "datasets": 0, "dataset_images": 0, "dataset_files": 0, "thumbnails": 0}
    again = client.delete(f"/users/{alice}/data", headers=bearer(admin_key[1]))
    assert again.status_code == 200 and set(again.json["deleted"].values()) == {0}

    with app.app_context():
        storage = get_storage(app)
        assert set(owned_by(alice).values()) == {0}
        assert owned_by(bob) == bob_before
        assert not any(storage.exists("generated-images", key) for key in alice_files)
        assert all(storage.exists("generated-images", key) for key in bob_files)
    assert client.delete("/users/00000000-0000-0000-0000-000000000000/data",
                         headers=bearer(admin_key[1])).status_code == 404


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_flask_cleanup_deletes_events_past_retention_in_batches(make_app):
    app = make_app(RETENTION_DAYS=90, CLEANUP_BATCH_SIZE=2)
    old, recent = utcnow() - timedelta(days=91), utcnow() - timedelta(days=89)
    with app.app_context():
        prompt = make_prompt()
        for when in (old, old, old, recent):
            make_log(None, created_at=when)
            make_og(created_at=when, updated_at=when)
            make_usage(None, prompt.id, created_at=when)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["cleanup", "--dry-run"])
    assert "would delete 3 generation_logs" in dry.output
    result = runner.invoke(args=["cleanup"])
    assert result.exit_code == 0, result.output
    assert "deleted 3 generation_logs" in result.output and "deleted 3 og_generations" in result.output
    with app.app_context():
        for model in (GenerationLog, OgGeneration, PromptUsage):
            assert db.session.scalar(select(func.count()).select_from(model)) == 1


@pytest.mark.usefixtures("app")
def test_image_cleanup_keeps_recent_posted_and_favorited_images(make_app):
    app = make_app()
    storage = get_storage(app)
    old = utcnow() - timedelta(days=40)
    with app.app_context():
        user = make_api_key(app, "dora")[0]
        favorite_prompt, other_prompt = make_prompt("fav"), make_prompt("other")
        make_favorite(user, favorite_prompt.id)
        for key in ("unused.png", "posted.png", "favorited.png", "recent.png"):
            storage.put("generated-images", key, b"x", "image/png")
        unused = make_image(user, storage_key="unused.png", prompt_id=other_prompt.id, created_at=old).id
        posted = make_image(user, storage_key="posted.png", created_at=old)
        make_post(user, generated_image_id=posted.id)
        make_image(user, storage_key="favorited.png", prompt_id=favorite_prompt.id, created_at=old)
        make_image(user, storage_key="recent.png", created_at=utcnow())
    runner = app.test_cli_runner()
    assert "IMAGE_RETENTION_DAYS" in runner.invoke(args=["cleanup-images"]).output
    dry = runner.invoke(args=["cleanup-images", "--older-than-days", "30", "--dry-run"])
    assert dry.exit_code == 0 and str(unused) in dry.output and "unused.png" in dry.output
    assert "posted.png" not in dry.output and storage.exists("generated-images", "unused.png")
    result = runner.invoke(args=["cleanup-images", "--older-than-days", "30"])
    assert "deleted 1 image(s) and 1 file(s)" in result.output
    assert not storage.exists("generated-images", "unused.png")
    assert all(storage.exists("generated-images", k) for k in ("posted.png", "favorited.png", "recent.png"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GeneratedImage)) == 3
