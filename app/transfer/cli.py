"""``flask db copy``, ``flask storage copy|reconcile``, ``flask backup create|verify|restore``."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

storage_cli = AppGroup("storage", help="Move stored files between backends.")
backup_cli = AppGroup("backup", help="Back up and restore an instance.")


@click.command("copy")
@click.option("--to", "target_url", help="The database to copy into (postgresql://… or sqlite:///PATH).")
@click.option("--from", "source_url", help="The database to copy from (default: this instance's).")
@click.option("--merge", is_flag=True, help="Add to a target that already holds rows (rows it has are kept).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=2000, show_default=True)
@with_appcontext
def copy_database_command(target_url, source_url, merge, batch_size):
    """Copy every table to another database, migrated to the same revision; resumable; verified at the end."""
    from .dbcopy import CopyRefused, copy_database
    from .engines import target_migrator

    own = current_app.config["SQLALCHEMY_DATABASE_URI"]
    source_url = source_url or own
    target_url = target_url or own
    if source_url == target_url:
        raise click.UsageError("give --to (or --from) a database other than the one copied from")
    try:
        report = copy_database(source_url, target_url, merge=merge, batch_size=batch_size,
                               migrate=target_migrator(), echo=click.echo)
    except (CopyRefused, ValueError) as error:
        raise click.ClickException(str(error)) from error
    rate = report.rows_copied / report.seconds if report.seconds else 0
    click.echo(f"copied {report.rows_copied:,} rows in {report.seconds:.1f} s ({rate:,.0f} rows/s)")
    if not report.matches:
        if merge:
            click.echo("merged: tables differ where the target held rows of its own")
            return
        raise click.ClickException("verification failed: the tables marked DIFF differ; "
                                   "re-run the copy to finish it")
    click.echo("verified: every table has the same rows and checksum on both sides")


def init_cli(app, factory):
    """The commands; ``factory`` (``create_app``) builds the apps that migrate a copy's target."""
    from .engines import app_migrator

    app.extensions["transfer.migrate"] = app_migrator(factory, app.config["SECRET_KEY"])
    from flask_migrate.cli import db as db_cli

    db_cli.add_command(copy_database_command)
    for group in (storage_cli, backup_cli):
        app.cli.add_command(group)
    app.extensions.setdefault("imprint_doctor_checks", []).append(check_fallback_files)


def _backend_for(name):
    from app.storage import build_backend, get_storage

    backend = get_storage().backend(name)
    return backend if backend is not None else build_backend(name, current_app.config)


def _configured_backends():
    """The app's backend and its fallback, and the local one (where an instance's files start)."""
    from app.storage import get_storage

    storage = get_storage()
    backends = list(getattr(storage, "backends", (storage,)))
    if all(backend.name != "local" for backend in backends):
        backends.append(_backend_for("local"))
    return backends


def _print_move(report):
    click.echo(f"{report.objects} objects and {report.variants} variants ({report.bytes / 1e6:,.1f} MB) "
               f"verified on the target, {report.already_there} already there, {report.rows} rows rewritten, "
               f"{report.removed} source objects removed")
    for bucket, key, reason in report.failed:
        click.echo(f"FAILED {bucket}/{key}: {reason}", err=True)
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} objects not copied; their rows are unchanged. "
                                   "Re-run once the cause is fixed")


@storage_cli.command("copy")
@click.option("--to", "target", type=click.Choice(["local", "s3", "git"]), required=True,
              help="The backend to copy into (configured by the usual STORAGE_*/S3_*/GIT_STORAGE_* settings).")
@click.option("--from", "source", type=click.Choice(["local", "s3", "git"]),
              help="Only objects rows say are on this backend (default: every backend but the target).")
@click.option("--move", is_flag=True, help="Delete each source object once no row names it there.")
@with_appcontext
def storage_copy(target, source, move):
    """Copy every stored object rows reference to another backend; rows are rewritten once it is verified."""
    from app.storage import build_backend

    from .storagecopy import move_objects

    if source == target:
        raise click.UsageError("--from and --to name the same backend")
    destination = _backend_for(target) if target == current_app.config["STORAGE_BACKEND"] else \
        build_backend(target, current_app.config)
    variant_sources = [_backend_for(source)] if source else _configured_backends()
    _print_move(move_objects(_backend_for, destination, source_name=source, move=move,
                             variant_sources=variant_sources, echo=click.echo))


@storage_cli.command("reconcile")
@with_appcontext
def storage_reconcile():
    """Move the files the fallback backend took (while the primary failed) to the primary."""
    from app.storage import get_storage

    from .storagecopy import move_objects

    storage = get_storage()
    fallback = getattr(storage, "fallback", None)
    if fallback is None or fallback.name == storage.primary.name:
        click.echo("no STORAGE_FALLBACK configured: nothing to reconcile")
        return
    _print_move(move_objects(_backend_for, storage.primary, source_name=fallback.name, move=True,
                             variant_sources=[fallback], echo=click.echo))


def check_fallback_files():
    """A doctor finding: files the fallback holds wait to be moved to the primary."""
    from app.doctor import Finding
    from app.storage import get_storage

    from .storagecopy import count_pending

    storage = get_storage()
    fallback = getattr(storage, "fallback", None)
    if fallback is None or fallback.name == storage.primary.name:
        return Finding("fallback", True, "no storage fallback configured")
    try:
        waiting = count_pending(fallback.name)
    except Exception as error:
        return Finding("fallback", False, str(error).splitlines()[0], "fix the database first")
    if waiting:
        return Finding("fallback", True, f"{waiting} files wait on {fallback.name} (stored while "
                       f"{storage.primary.name} failed); other nodes may not serve them",
                       "run `flask storage reconcile`", warning=True)
    return Finding("fallback", True, f"no files wait on {fallback.name}")


@backup_cli.command("create")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--include-secrets", is_flag=True,
              help="Also SECRET_KEY, OG_SIGNING_KEYS and the Content Credentials key and chain "
                   "(keep such a backup secret).")
@with_appcontext
def backup_create(path, include_secrets):
    """Write a consistent snapshot of the database and files, with a manifest, into a new folder PATH."""
    from .backup import BackupInvalid, create_backup

    try:
        manifest = create_backup(path, _backend_for, include_secrets=include_secrets, echo=click.echo)
    except BackupInvalid as error:
        raise click.ClickException(str(error)) from error
    tables = manifest["database"]["tables"]
    click.echo(f"backup written to {path}: {len(tables)} tables, {sum(t['rows'] for t in tables.values()):,} rows, "
               f"{len(manifest['files'])} files{', secrets included' if include_secrets else ''}")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def backup_verify(path):
    """Check a backup without restoring it: every hash, every table's rows and checksum."""
    from .backup import BackupInvalid, verify_backup

    try:
        verify_backup(path, echo=click.echo)
    except BackupInvalid as error:
        raise click.ClickException(f"backup refused: {error}") from error


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def backup_restore(path):
    """Restore a backup into this instance (its database must hold no rows); verified afterwards."""
    from .backup import BackupInvalid, restore_backup
    from .dbcopy import CopyRefused

    try:
        restore_backup(path, _backend_for, echo=click.echo)
    except (BackupInvalid, CopyRefused) as error:
        raise click.ClickException(str(error)) from error
    click.echo("restored and verified")
