"""`flask storage reconcile`: images the local fallback took while S3 failed move to S3, rows follow,
`flask doctor` warns while any wait; an object whose bytes do not match its row is left alone."""

import os

from tests.support import bearer, make_api_key

from .instance import build_app, close, migrate


def _rows(app):
    from app.extensions import db
    from app.models import GeneratedImage

    with app.app_context():
        return {(row.storage_provider, row.storage_key, row.image_url.startswith("http"))
                for row in db.session.scalars(db.select(GeneratedImage))}


def test_fallback_files_move_to_s3_and_doctor_warns_until_then(tmp_path, s3_endpoint):  # noqa: F811
    settings, s3 = s3_endpoint
    app = build_app(f"sqlite:///{tmp_path / 'imprint.db'}", tmp_path, STORAGE_BACKEND="s3",
                    STORAGE_FALLBACK="local", S3_BUCKET="later", **settings)
    migrate(app)
    with app.app_context():
        _user, key = make_api_key(app, "alice")
    client = app.test_client()
    made = [client.post("/ai/generate", headers=bearer(key), json={"prompt": f"while S3 is down {n}"}).get_json()
            for n in range(3)]
    rows = _rows(app)
    assert {provider for provider, _key, _http in rows} == {"local"}  # the bucket did not exist yet
    doctor = app.test_cli_runner().invoke(args=["doctor"])
    assert "WARN fallback" in doctor.output and "3 files wait on local" in doctor.output, doctor.output
    local_bytes = {image["id"]: client.get(image["image_url"]).data for image in made}

    s3.create_bucket(Bucket="later")
    # One file damaged on the fallback's disk: it must not be moved, nor its row rewritten.
    damaged_key = sorted(rows)[0][1]
    damaged = os.path.join(str(tmp_path), "storage", "generated-images", damaged_key)
    with open(damaged, "r+b") as fh:
        fh.seek(-1, os.SEEK_END)
        last = fh.read(1)
        fh.seek(-1, os.SEEK_END)
        fh.write(bytes([last[0] ^ 1]))
    result = app.test_cli_runner().invoke(args=["storage", "reconcile"])
    assert result.exit_code != 0 and "1 objects not copied" in result.output, result.output
    assert ("local", damaged_key, False) in _rows(app)
    assert sum(provider == "s3" for provider, _key, _http in _rows(app)) == 2
    with open(damaged, "r+b") as fh:
        fh.seek(-1, os.SEEK_END)
        fh.write(last)

    result = app.test_cli_runner().invoke(args=["storage", "reconcile"])
    assert result.exit_code == 0, result.output
    assert {(provider, http) for provider, _key, http in _rows(app)} == {("s3", True)}
    assert not os.path.exists(damaged)  # moved: the fallback's copy is gone once no row names it
    import requests

    for image in made:
        record = client.get(f"/ai/generated-images/{image['id']}", headers=bearer(key)).get_json()
        assert requests.get(record["image_url"], timeout=10).content == local_bytes[image["id"]]
    doctor = app.test_cli_runner().invoke(args=["doctor"])
    assert "no files wait on local" in doctor.output, doctor.output
    close(app)
