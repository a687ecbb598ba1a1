"""`flask backup create | verify | restore`: a snapshot restored into a fresh instance answers as the
original did; a corrupted backup is refused; secrets are in it only when asked for."""

import json
import os
import shutil

import pytest

from .instance import (
    answers,
    assert_same,
    build_app,
    close,
    drop_postgres_database,
    image_bytes,
    migrate_target,
    postgres_database,
    verified_ledger_id,
)


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_backup_of_a_local_instance_restores_into_a_fresh_one(local_instance, tmp_path):
    source_url, people, before, files = local_instance
    source = build_app(source_url, tmp_path)
    backup = str(tmp_path / "backup")
    made = _cli(source, "backup", "create", backup)
    assert made.exit_code == 0, made.output
    manifest = json.loads(open(os.path.join(backup, "manifest.json")).read())
    assert manifest["database"]["format"] == "sqlite" and manifest["revisions"]
    assert manifest["database"]["tables"]["generated_images"]["rows"] == len(files)
    assert {entry["bucket"] for entry in manifest["files"]} == {"generated-images", "dataset-images"}
    assert "secrets" not in manifest and not os.path.exists(os.path.join(backup, "secrets"))
    assert _cli(source, "backup", "create", backup).exit_code != 0  # never over an existing backup
    close(source)

    fresh_dir = tmp_path / "fresh"
    fresh = build_app(f"sqlite:///{fresh_dir / 'restored.db'}", fresh_dir)
    verified = _cli(fresh, "backup", "verify", backup)
    assert verified.exit_code == 0 and "backup verified" in verified.output, verified.output
    restored = _cli(fresh, "backup", "restore", backup)
    assert restored.exit_code == 0, restored.output
    assert_same(answers(fresh, people), before)
    assert image_bytes(fresh, people) == files
    for image_id, data in files.items():
        assert verified_ledger_id(fresh, data, people["admin"]) == ("match", image_id)
    again = _cli(fresh, "backup", "restore", backup)
    assert again.exit_code != 0 and "already holds rows" in again.output
    close(fresh)


def test_a_corrupted_backup_is_refused(local_instance, tmp_path):
    source_url, _people, _before, _files = local_instance
    source = build_app(source_url, tmp_path, OG_SIGNING_KEYS="card-key-new,card-key-old")
    backup = tmp_path / "backup"
    assert _cli(source, "backup", "create", str(backup), "--include-secrets").exit_code == 0
    assert sorted(os.listdir(backup / "secrets" / "provenance")) == ["ca.pem", "chain.pem", "signer.key"]
    assert (backup / "secrets" / "secret_key").read_text() == "test-secret"
    assert (backup / "secrets" / "og_signing_keys").read_text() == "card-key-new,card-key-old"
    assert _cli(source, "backup", "verify", str(backup)).exit_code == 0

    image = next(path for path in (backup / "files" / "generated-images").rglob("*") if path.is_file())
    original = image.read_bytes()
    image.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    refused = _cli(source, "backup", "verify", str(backup))
    assert refused.exit_code != 0 and "backup refused" in refused.output and "SHA-256 differs" in refused.output
    image.write_bytes(original)

    database = backup / "database.sqlite"
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    refused = _cli(source, "backup", "verify", str(backup))
    assert refused.exit_code != 0 and "corrupted" in refused.output, refused.output
    fresh_dir = tmp_path / "fresh"
    fresh = build_app(f"sqlite:///{fresh_dir / 'restored.db'}", fresh_dir)
    refused = _cli(fresh, "backup", "restore", str(backup))
    assert refused.exit_code != 0 and "corrupted" in refused.output
    assert not os.path.exists(fresh_dir / "restored.db")  # refused before anything was written
    close(fresh)
    close(source)


@pytest.mark.parametrize("pg_dump", [True, False], ids=["pg_dump", "without pg_dump"])
def test_a_postgres_backup_restores_into_an_empty_postgres(local_instance, tmp_path, monkeypatch, pg_dump):
    from app.transfer import backup as backups
    from app.transfer.dbcopy import copy_database

    if not pg_dump:  # a machine without the client tools: the database is copied into a SQLite file
        monkeypatch.setattr(backups.shutil, "which", lambda _name: None)

    source_url, people, before, files = local_instance
    first, second = postgres_database("imprint_transfer_bk_a"), postgres_database("imprint_transfer_bk_b")
    try:
        assert copy_database(source_url, first, migrate=migrate_target, echo=lambda _line: None).matches
        source = build_app(first, tmp_path)
        backup = str(tmp_path / "pg-backup")
        made = _cli(source, "backup", "create", backup)
        assert made.exit_code == 0, made.output
        manifest = json.loads(open(os.path.join(backup, "manifest.json")).read())
        # pg_dump when the machine has it; else the database copied into a SQLite file.
        assert manifest["database"]["format"] == ("pg_dump-custom" if pg_dump and shutil.which("pg_dump") else "sqlite")
        close(source)
        fresh_dir = tmp_path / "fresh"
        fresh = build_app(second, fresh_dir)
        restored = _cli(fresh, "backup", "restore", backup)
        assert restored.exit_code == 0, restored.output
        assert_same(answers(fresh, people), before)
        assert image_bytes(fresh, people) == files
        close(fresh)
    finally:
        drop_postgres_database(first)
        drop_postgres_database(second)
