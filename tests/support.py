"""Helpers shared by tests: settings, factories, service requirements."""

import os
import socket
import threading

import pytest
from sqlalchemy import text


def free_port():
    """A loopback port nothing listens on now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_in_thread(server):
    """Serve ``server`` (a socketserver) on a daemon thread; returns the thread.

    ``shutdown()`` returns only at the serving loop's next poll: a short interval, so that stopping a
    test's server does not wait out the default half second."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return thread


def image_rows(*conditions):
    """generated_images rows matching ``conditions`` (SQLAlchemy clauses), newest first (in an app context)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import GeneratedImage

    query = select(GeneratedImage).where(*conditions).order_by(GeneratedImage.created_at.desc())
    return db.session.scalars(query).all()


def settings_for(database_url, directory):
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": None,
        "STORAGE_ROOT": os.path.join(directory, "storage"),
        # A test's own spool: events one test spools are never replayed into another's tables.
        "TRACKING_SPOOL_PATH": os.path.join(directory, "tracking-spool.jsonl"),
        "QUOTA_COUNTERS_PATH": os.path.join(directory, "quota-counters.json"),
        "SECRET_KEY": "test-secret",
        "AUTO_MIGRATE": False,
        "DB_CONNECT_TIMEOUT": 2,
        # Limits are tested on purpose (tests/security); elsewhere they would only add noise.
        "RATE_LIMITS_ENABLED": False,
        # Provider tests call the stand-ins without a key; tests of who may generate by default
        # pass ALLOW_ANONYMOUS=None, which restores the default (app.config.anonymous_default).
        "ALLOW_ANONYMOUS": True,
    }


def require_service(name, reason):
    """Fail in CI (where every service runs), skip elsewhere."""
    message = f"{name} unavailable: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def make_api_key(app, username, is_admin=False):
    """Create a user and a key; returns (user_id, plaintext key)."""
    from app.auth import service

    user = service.find_user(username) or service.create_user(username, is_admin=is_admin)
    _key, plaintext = service.create_api_key(user, is_admin=is_admin)
    return user.id, plaintext


def is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def empty_tables(app):
    """Delete every row of every table (children first), as a test leaves them for the next."""
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:  # DELETE, children first: TRUNCATE costs PostgreSQL far more on small tables
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def work_queued_generations(app):
    """Run the app's queued generation jobs in this process (an RQ burst worker), then return."""
    from rq.serializers import JSONSerializer

    from app.redis_client import get_redis
    from app.tracking.worker import RecordingSimpleWorker

    with app.app_context():
        queue = app.config["GENERATION_QUEUE"]
        RecordingSimpleWorker([queue], connection=get_redis(), serializer=JSONSerializer).work(burst=True)


def close_apps(apps):
    """Pass on what the apps' tracking holds and stop its threads: nothing lands in a later test's tables."""
    for app in apps:
        app.extensions["tracking"].close()
