"""Backups: a consistent snapshot of the database, the files (or their keys and hashes), a manifest.

A backup is a folder::

    manifest.json      versions, per-table rows and checksums, every file's SHA-256
    database.sqlite    SQLite's online backup API (or, from PostgreSQL without pg_dump, the copy path)
    database.pgdump    PostgreSQL: pg_dump --format=custom, taken in the snapshot the checksums read
    files/<bucket>/<key>   objects of the local and git backends (S3 objects are listed, not copied)
    secrets/           only with include_secrets: SECRET_KEY, OG_SIGNING_KEYS, the Content Credentials key and chain

``verify`` recomputes every hash and, for a SQLite snapshot, every table's
checksum; ``restore`` refuses a target that holds rows, copies the snapshot in
with the database copy (verified table by table) or pg_restore, and puts each
file back where its rows say it lives.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import text

from .checksum import fingerprint
from .dbcopy import CopyRefused, copy_database, model_tables
from .engines import current_heads, open_engine, target_migrator
from .storagecopy import REFERENCES, expected_sha256

FORMAT = 1
MANIFEST = "manifest.json"


class BackupInvalid(ValueError):
    """A backup that is incomplete, corrupted or not a backup: says which part and why."""


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table_fingerprints(connection):
    return {table.name: vars(fingerprint(connection, table)) for table in model_tables()}


def _backup_sqlite(database_path, destination):
    """SQLite's online backup: pages copied in steps, writers wait only for a step (WAL respected)."""
    source = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(destination)
    try:
        source.backup(target, pages=1024)
    finally:
        target.close()
        source.close()


def _dump_postgres(url, destination, echo):
    """pg_dump in the snapshot the checksums are read in; returns the fingerprints, or None without pg_dump."""
    if shutil.which("pg_dump") is None:
        return None
    engine = open_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            with connection.begin():
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                echo("database: pg_dump --format=custom")
                _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                      f"--file={destination}"], engine.url)
                tables = _table_fingerprints(connection)
        return tables
    finally:
        engine.dispose()


def _run(command, url):
    """Run pg_dump/pg_restore on the database of ``url``; the password goes by the environment,
    never the command line (which other users of the machine can read)."""
    env = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
    address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run([*command, f"--dbname={address}"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupInvalid(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def _referenced_objects():
    """(bucket, key, provider, sha256) of every object a row names, once each."""
    from app.extensions import db

    seen = {}
    for reference in REFERENCES:
        for row in db.session.scalars(db.select(reference.model).where(reference.model.storage_key.is_not(None))):
            entry = (reference.bucket_of(row), row.storage_key, row.storage_provider or "local")
            seen.setdefault(entry, expected_sha256(row, row.storage_key))
    db.session.rollback()
    return [(*entry, sha) for entry, sha in sorted(seen.items())]


def create_backup(path, backend_for, *, include_secrets=False, echo=print):
    """Write a backup folder at ``path`` (which must not exist or be empty); returns the manifest."""
    if os.path.exists(path) and os.listdir(path):
        raise BackupInvalid(f"{path} is not empty: a backup goes into a new folder")
    os.makedirs(path, exist_ok=True)
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = open_engine(url)
    try:
        heads = sorted(current_heads(engine))
    finally:
        engine.dispose()
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "revisions": heads,
                "imprint_version": _version(), "source_engine": url.split(":", 1)[0].split("+")[0]}
    database = {}
    if url.startswith("sqlite"):
        destination = os.path.join(path, "database.sqlite")
        echo("database: SQLite online backup")
        _backup_sqlite(url[len("sqlite:///"):], destination)
        database = {"file": "database.sqlite", "format": "sqlite"}
    else:
        destination = os.path.join(path, "database.pgdump")
        tables = _dump_postgres(url, destination, echo)
        if tables is not None:
            database = {"file": "database.pgdump", "format": "pg_dump-custom", "tables": tables}
        else:
            echo("database: pg_dump not found, copying into SQLite")
            destination = os.path.join(path, "database.sqlite")
            report = copy_database(url, f"sqlite:///{destination}", migrate=target_migrator(),
                                   echo=lambda _line: None)
            if not report.matches:
                raise BackupInvalid("the copy into the backup's SQLite file did not verify")
            database = {"file": "database.sqlite", "format": "sqlite"}
    if database["format"] == "sqlite":
        snapshot = open_engine(f"sqlite:///{destination}")
        try:
            with snapshot.connect() as connection:
                database["tables"] = _table_fingerprints(connection)
        finally:
            snapshot.dispose()
    database["sha256"] = _sha256_file(destination)
    manifest["database"] = database
    manifest["files"] = _backup_files(path, backend_for, echo)
    if include_secrets:
        manifest["secrets"] = _backup_secrets(path)
    with open(os.path.join(path, MANIFEST), "w") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
    return manifest


def _backup_files(path, backend_for, echo):
    entries = []
    for bucket, key, provider, sha in _referenced_objects():
        entry = {"bucket": bucket, "key": key, "provider": provider, "sha256": sha}
        backend = backend_for(provider)
        if provider == "s3":  # listed with its hash: the bucket has its own versioning and replication
            entry["copied"] = False
        else:
            data = backend.get(bucket, key)
            if sha is not None and hashlib.sha256(data).hexdigest() != sha:
                raise BackupInvalid(f"{provider}:{bucket}/{key} does not match its recorded SHA-256")
            target = os.path.join(path, "files", bucket, key)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
            entry.update(copied=True, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        entries.append(entry)
    echo(f"files: {sum(e['copied'] for e in entries)} copied, {sum(not e['copied'] for e in entries)} listed")
    return entries


def _secret_sources():
    """(name in the backup, path on disk) of the instance's secrets."""
    config = current_app.config
    sources = []
    if config.get("PROVENANCE_CERT") and config.get("PROVENANCE_KEY"):
        sources += [("provenance/chain.pem", config["PROVENANCE_CERT"]), ("provenance/signer.key", config["PROVENANCE_KEY"])]
    else:
        local = os.path.join(current_app.instance_path, "provenance")
        sources += [(f"provenance/{name}", os.path.join(local, name)) for name in ("ca.pem", "chain.pem", "signer.key")]
    return [(name, source) for name, source in sources if os.path.isfile(source)]


def _backup_secrets(path):
    directory = os.path.join(path, "secrets")
    os.makedirs(os.path.join(directory, "provenance"), mode=0o700, exist_ok=True)
    written = {}
    descriptor = os.open(os.path.join(directory, "secret_key"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as fh:
        fh.write(current_app.config["SECRET_KEY"])
    written["secret_key"] = _sha256_file(os.path.join(directory, "secret_key"))
    if current_app.config.get("OG_SIGNING_KEYS"):
        descriptor = os.open(os.path.join(directory, "og_signing_keys"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as fh:
            fh.write(current_app.config["OG_SIGNING_KEYS"])
        written["og_signing_keys"] = _sha256_file(os.path.join(directory, "og_signing_keys"))
    for name, source in _secret_sources():
        shutil.copyfile(source, os.path.join(directory, name))
        os.chmod(os.path.join(directory, name), 0o600)
        written[name] = _sha256_file(os.path.join(directory, name))
    return written


def _version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imprint")
    except PackageNotFoundError:
        return "unknown"


def read_manifest(path):
    try:
        with open(os.path.join(path, MANIFEST)) as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as error:
        raise BackupInvalid(f"{MANIFEST}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupInvalid(f"{MANIFEST}: not a backup of format {FORMAT}")
    return manifest


def verify_backup(path, echo=print):
    """Check every hash and (for a SQLite snapshot) every table's checksum; raises BackupInvalid."""
    manifest = read_manifest(path)
    database = manifest.get("database") or {}
    database_path = os.path.join(path, database.get("file", ""))
    if not database.get("file") or not os.path.isfile(database_path):
        raise BackupInvalid("the database file is missing")
    if _sha256_file(database_path) != database.get("sha256"):
        raise BackupInvalid(f"{database['file']}: SHA-256 differs from the manifest (corrupted)")
    if database.get("format") == "sqlite":
        snapshot = open_engine(f"sqlite:///{database_path}")
        try:
            with snapshot.connect() as connection:
                if connection.scalar(text("PRAGMA integrity_check")) != "ok":
                    raise BackupInvalid(f"{database['file']}: SQLite integrity check failed")
                found = _table_fingerprints(connection)
        finally:
            snapshot.dispose()
        for name, expected in (database.get("tables") or {}).items():
            if found.get(name) != expected:
                raise BackupInvalid(f"table {name}: {found.get(name)} in the file, {expected} in the manifest")
    elif shutil.which("pg_restore") is not None:
        listed = subprocess.run(["pg_restore", "--list", database_path], capture_output=True)
        if listed.returncode != 0:
            raise BackupInvalid(f"{database['file']}: pg_restore cannot read it")
    for entry in manifest.get("files", []):
        if not entry.get("copied"):
            continue
        file_path = os.path.join(path, "files", entry["bucket"], entry["key"])
        if not os.path.isfile(file_path) or _sha256_file(file_path) != entry["sha256"]:
            raise BackupInvalid(f"files/{entry['bucket']}/{entry['key']}: missing or SHA-256 differs")
    for name, sha in (manifest.get("secrets") or {}).items():
        if _sha256_file(os.path.join(path, "secrets", name)) != sha:
            raise BackupInvalid(f"secrets/{name}: SHA-256 differs")
    tables = database.get("tables") or {}
    echo(f"backup verified: {len(tables)} tables, {sum(t['rows'] for t in tables.values()):,} rows, "
         f"{len(manifest.get('files', []))} files")
    return manifest


def restore_backup(path, backend_for, *, echo=print):
    """Restore into this instance's (empty) database and storage; verified like a copy."""
    manifest = verify_backup(path, echo)
    database = manifest["database"]
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    database_path = os.path.join(path, database["file"])
    if database["format"] == "sqlite":
        with tempfile.TemporaryDirectory() as scratch:
            # Copy from a scratch copy: the copy opens its source read-write (WAL), the backup stays untouched.
            working = os.path.join(scratch, "snapshot.sqlite")
            shutil.copyfile(database_path, working)
            report = copy_database(f"sqlite:///{working}", url, migrate=target_migrator(),
                                   echo=echo)
        if not report.matches:
            raise BackupInvalid("the restored tables differ from the backup")
    else:
        _pg_restore(database_path, url, database["tables"], echo)
    restored = 0
    for entry in manifest.get("files", []):
        if not entry.get("copied"):
            continue
        with open(os.path.join(path, "files", entry["bucket"], entry["key"]), "rb") as fh:
            data = fh.read()
        backend = backend_for(entry["provider"])
        if not backend.exists(entry["bucket"], entry["key"]):
            backend.put(entry["bucket"], entry["key"], data, "application/octet-stream")
        restored += 1
    echo(f"files: {restored} restored")
    return manifest


def _pg_restore(dump_path, url, tables, echo):
    if not url.startswith("postgresql"):
        raise BackupInvalid("a pg_dump backup restores into PostgreSQL only; "
                            "restore it there, then `flask db copy` to SQLite")
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            filled = [t.name for t in model_tables() if connection.execute(
                text(f'SELECT 1 FROM "{t.name}" LIMIT 1')).first() is not None] if current_heads(engine) else []
        if filled:
            raise CopyRefused(f"the target already holds rows ({', '.join(filled[:5])}): restore into an empty instance")
        echo("pg_restore")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", dump_path], engine.url)
        with engine.connect() as connection:
            found = _table_fingerprints(connection)
        for name, expected in tables.items():
            if found.get(name) != expected:
                raise BackupInvalid(f"table {name} restored as {found.get(name)}, backed up as {expected}")
    finally:
        engine.dispose()
