"""Engines for a copy's two ends, and the migration state of each."""

import os

from sqlalchemy import create_engine, event, inspect, text


def normalise_url(url):
    """The SQLAlchemy URL for a database URL as users write it (postgres://, postgresql://, sqlite:///)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith(("postgresql+psycopg://", "sqlite:///")):
        raise ValueError(f"unsupported database URL {redact(url)!r}: use postgresql://… or sqlite:///PATH")
    return url


def redact(url):
    """The URL without its password, for output."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def open_engine(url):
    """An engine for one end of a copy.

    SQLite: foreign keys left off (rows arrive table by table, a self-reference may point
    forward) and write transactions take the lock up front, as the app's own engine does.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        os.makedirs(os.path.dirname(os.path.abspath(url[len("sqlite:///"):])), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, connect_args={"connect_timeout": 10, "prepare_threshold": None})


def current_heads(engine):
    """The Alembic revisions the database is at (empty for a database never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def app_migrator(factory, secret_key):
    """A function bringing the database at a URL to the newest migration, with an app of its own.

    ``factory`` is ``create_app``, handed down by the app's CLI wiring: transfer sits below it.
    """
    def migrate(url):
        from app.extensions import db
        from app.migrating import upgrade_database

        app = factory({"DATABASE_URL": url, "REDIS_URL": None, "AUTO_MIGRATE": False, "SECRET_KEY": secret_key})
        try:
            upgrade_database(app)
        finally:
            app.extensions["tracking"].close()
            with app.app_context():
                db.engine.dispose()

    return migrate


def target_migrator():
    """The current app's ``app_migrator`` (set up with the CLI)."""
    from flask import current_app

    return current_app.extensions["transfer.migrate"]


def _maintenance_engine(url):
    server = normalise_url(url).rsplit("/", 1)[0]
    return create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def _on_maintenance_database(url, *statements):
    engine = _maintenance_engine(url)
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def recreate_postgres_database(url):
    """Drop (if there) and create the PostgreSQL database ``url`` names: a fresh target for a copy."""
    name = url.rsplit("/", 1)[1]
    _on_maintenance_database(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_postgres_database(url):
    _on_maintenance_database(url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
