"""A local instance moved to PostgreSQL and S3, and back, through `flask db copy` and `flask storage copy`.

The moved instance must answer the API as the original did, field by field,
serve every image with the same bytes and find each image's ledger record by
its Content Credentials; a copy killed halfway and run again ends identical.
"""

import pytest

from app.transfer.dbcopy import CopyRefused, copy_database

from .instance import (
    answers,
    assert_same,
    build_app,
    close,
    image_bytes,
    migrate_target,
    run_copy_killed_halfway,
    strip_urls,
    verified_ledger_id,
)


def test_local_to_postgres_and_s3_then_back_to_sqlite(local_instance, postgres_target, tmp_path,
                                                       s3_endpoint):  # noqa: F811
    source_url, people, before, files = local_instance

    # Killed halfway (SIGKILL, mid-table), then run again: finished without duplicates.
    output, status = run_copy_killed_halfway(source_url, postgres_target, tmp_path)
    assert status == -9 and "verif" not in output, output
    lines = []
    report = copy_database(source_url, postgres_target, migrate=migrate_target, echo=lines.append)
    assert "resuming an interrupted copy" in lines
    assert report.matches, [t for t in report.tables if not t.matches]
    assert {t.name: t.source_rows for t in report.tables}["generation_logs"] >= 5
    with pytest.raises(CopyRefused, match="already holds rows"):
        copy_database(source_url, postgres_target, migrate=migrate_target, echo=lambda _line: None)

    moved = build_app(postgres_target, tmp_path)
    assert_same(answers(moved, people), before)
    assert image_bytes(moved, people) == files
    for image_id, data in files.items():
        assert verified_ledger_id(moved, data, people["admin"]) == ("match", image_id)
    close(moved)

    # The files to S3: rows rewritten only once verified, bytes the same, fetched from S3.
    settings, s3 = s3_endpoint
    on_s3 = build_app(postgres_target, tmp_path, STORAGE_BACKEND="s3", S3_BUCKET="imprint", **settings)
    result = on_s3.test_cli_runner().invoke(args=["storage", "copy", "--to", "s3"])
    assert result.exit_code == 0, result.output
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="imprint")["Contents"]]
    assert sum(k.startswith("generated-images/") for k in keys) >= 5
    assert any(k.startswith("dataset-images/") for k in keys)
    assert any(k.startswith("image-variants/") for k in keys)  # the variant went too: not made again
    variant_url, variant_bytes = people["variant"]
    assert on_s3.test_client().get(variant_url, headers=people["alice"]).data == variant_bytes
    assert image_bytes(on_s3, people) == files
    said = answers(on_s3, people)
    assert {item["storage_provider"] for item in said["images"]["items"]} == {"s3"}
    with on_s3.app_context():
        from app.extensions import db
        from app.models import DatasetImage

        references = db.session.scalars(db.select(DatasetImage)).all()
        assert references and {(r.storage_provider, r.image_url.startswith("http://127.0.0.1")) for r in references} \
            == {("s3", True)}
    assert_same(answers(on_s3, people, urls=False), strip_urls(before))
    for image_id, data in files.items():
        assert verified_ledger_id(on_s3, data, people["admin"]) == ("match", image_id)
    again = on_s3.test_cli_runner().invoke(args=["storage", "copy", "--to", "s3"])
    assert again.exit_code == 0 and "0 objects to copy" in again.output, again.output
    close(on_s3)

    # And back: PostgreSQL to a fresh SQLite file.
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    report = copy_database(postgres_target, back_url, migrate=migrate_target, echo=lambda _line: None)
    assert report.matches, [t for t in report.tables if not t.matches]
    back = build_app(back_url, tmp_path, STORAGE_BACKEND="s3", S3_BUCKET="imprint", **settings)
    assert_same(answers(back, people, urls=False), strip_urls(before))
    assert image_bytes(back, people) == files
    close(back)

    # Identity sequences moved past the copied ids: the PostgreSQL copy takes new rows.
    after = build_app(postgres_target, tmp_path, STORAGE_BACKEND="s3", S3_BUCKET="imprint", **settings)
    made = after.test_client().post("/ai/generate", headers=people["bob"], json={"prompt": "after the move"})
    assert made.status_code in (200, 201), made.get_json()
    assert after.test_cli_runner().invoke(args=["history", "rollup"]).exit_code == 0
    close(after)
