"""Fixtures: one suite, two databases.

SQLite by default; PostgreSQL when ``TEST_DATABASE_URL`` is set. The schema
is built once per run with the migrations (never ``create_all``), and every
test starts from empty tables. Services a test needs but cannot reach are a
skip on a laptop and a failure in CI (``CI=true``).
"""

import os
import tempfile

import pytest
from sqlalchemy import create_engine, text

from tests.support import make_api_key, require_service, settings_for

_SESSION_DIR = tempfile.mkdtemp(prefix="imprint-tests-")
os.environ["IMPRINT_INSTANCE_PATH"] = os.path.join(_SESSION_DIR, "instance")
# Kept for the redis_url fixture before the app-facing variable is cleared below.
_REDIS_URL = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
if not _REDIS_URL and os.environ.get("CI", "").lower() == "true":
    _REDIS_URL = "redis://127.0.0.1:6379/0"  # the CI machine always runs Redis there
for _name in ("DATABASE_URL", "REDIS_URL", "IMPRINT_ENV", "STORAGE_BACKEND", "AI_PROVIDER"):
    os.environ.pop(_name, None)  # tests choose these explicitly


@pytest.fixture(scope="session")
def database_url():
    """The database of this run, migrated to head once."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{os.path.join(_SESSION_DIR, 'test.db')}"
    from app import create_app
    from app.migrating import upgrade_database

    upgrade_database(create_app(settings_for(url, _SESSION_DIR)))
    return url


def _reset_postgres(url):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:
        require_service("PostgreSQL", error)
    finally:
        engine.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test database; extra settings override the defaults."""
    from app import create_app
    from app.extensions import db

    apps = []

    def build(**overrides):
        app = create_app({**settings_for(database_url, str(tmp_path)), **overrides})
        apps.append(app)
        return app

    yield build
    for app in apps:
        # Events of responses the test client never closed: dropped here, so that the
        # thread that writes long-waiting events does not put them in a later test's tables.
        app.extensions["tracking"].pending.clear()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    yield app
    _empty_tables(app)


def _empty_tables(app):
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def user_key(app):
    """(user, plaintext key) for an ordinary user."""
    with app.app_context():
        return make_api_key(app, "alice")


@pytest.fixture
def admin_key(app):
    """(user, plaintext key) for an administrator."""
    with app.app_context():
        return make_api_key(app, "root", is_admin=True)


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def redis_url():
    """A reachable Redis (its database is emptied). Not configured: skip; configured but
    unreachable: skip here, fail in CI (where REDIS_URL defaults to the machine's Redis)."""
    url = _REDIS_URL
    if not url:
        pytest.skip("Redis tests need REDIS_URL (or TEST_REDIS_URL)")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except Exception as error:
        require_service("Redis", error)
    yield url
    client.flushdb()
