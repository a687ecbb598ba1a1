"""Fixtures: one suite, two databases.

SQLite by default; PostgreSQL when ``TEST_DATABASE_URL`` is set. The schema
is built once per run with the migrations (never ``create_all``), and every
test starts from empty tables. Services a test needs but cannot reach are a
skip on a laptop and a failure in CI (``CI=true``).

Under pytest-xdist (``-n``) each worker has a database of its own: its own
SQLite file, or the PostgreSQL database ``<name>_<worker>`` next to the one
TEST_DATABASE_URL names (created when missing), and Redis databases of its own
(``_test_redis_urls``).
"""

import itertools
import os
import tempfile

import pytest
from sqlalchemy import create_engine, text

from tests.support import (
    close_apps,
    empty_tables,
    free_port,
    make_api_key,
    require_service,
    settings_for,
)

_SESSION_DIR = tempfile.mkdtemp(prefix="imprint-tests-")
os.environ["IMPRINT_INSTANCE_PATH"] = os.path.join(_SESSION_DIR, "instance")
os.environ["IMPRINT_ENV_FILE"] = ""  # a developer's .env never reaches the tests (tests that read one name it)
TEST_REDIS_DBS = tuple(range(15, 7, -1))  # the tests' own databases: a pair for each of up to four workers


def _test_redis_urls():
    """The Redis databases of this process's tests, used by turns.

    TEST_REDIS_URL, in a run of one process, is the one database of every test. Otherwise (no
    TEST_REDIS_URL, or several xdist workers, which would empty one database under each other's feet)
    the tests use databases of their own on the server of TEST_REDIS_URL or REDIS_URL (in CI, the
    machine's Redis), never the one that URL names: two for each worker, used by turns, so a worker
    process a test left behind for a moment never takes the next test's jobs."""
    url = os.environ.get("TEST_REDIS_URL")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    if url and workers == 1:
        return [url]
    url = url or os.environ.get("REDIS_URL")
    if not url and os.environ.get("CI", "").lower() == "true":
        url = "redis://127.0.0.1:6379/0"  # the CI machine always runs Redis there
    if not url:
        return []
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    named = parts.path.strip("/") or "0"
    own = [db for db in TEST_REDIS_DBS if str(db) != named]
    worker = int((os.environ.get("PYTEST_XDIST_WORKER") or "gw0")[2:] or 0)
    pair = own[2 * worker: 2 * worker + 2]
    if len(pair) < 2:
        raise pytest.UsageError(f"the Redis tests have databases for {len(own) // 2} xdist workers: "
                                f"run with -n {len(own) // 2} or fewer")
    return [urlunsplit(parts._replace(path=f"/{db}")) for db in pair]


_REDIS_URLS = _test_redis_urls()  # read before the app-facing variable is cleared below
_redis_turn = itertools.count()
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, … under xdist; None in a plain run
for _name in ("DATABASE_URL", "REDIS_URL", "IMPRINT_ENV", "STORAGE_BACKEND", "AI_PROVIDER"):
    os.environ.pop(_name, None)  # tests choose these explicitly


@pytest.fixture(scope="session")
def database_url():
    """The database of this run, migrated to head once."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = worker_database_url(url, _WORKER)
        _reset_postgres(url)
    else:
        url = f"sqlite:///{os.path.join(_SESSION_DIR, 'test.db')}"
    from app import create_app
    from app.migrating import upgrade_database

    upgrade_database(create_app(settings_for(url, _SESSION_DIR)))
    return url


def worker_database_url(url, worker):
    """TEST_DATABASE_URL itself in a plain run; under xdist, a database per worker named after it."""
    if not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def _create_database_if_missing(url):
    from sqlalchemy.engine import make_url

    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": parsed.database}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()


def _reset_postgres(url):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        if _WORKER:
            _create_database_if_missing(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:
        require_service("PostgreSQL", error)
    finally:
        engine.dispose()


BACKEND_FIXTURES = {"database_url", "redis_url"}


def pytest_collection_modifyitems(config, items):
    """With TEST_BACKEND_TESTS_ONLY=1 (CI's second pass, on PostgreSQL and Redis) only the tests that
    use the test database or Redis run: the others met neither in the first pass and would repeat it.

    Tests marked ``slow`` go first: xdist's work stealing then shares out the short ones around them,
    instead of one worker starting a long test when the other has nothing left.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order
    if os.environ.get("TEST_BACKEND_TESTS_ONLY") == "1":
        def uses_a_backend(item):
            return bool(BACKEND_FIXTURES & set(getattr(item, "fixturenames", ())))

        repeats = [item for item in items if not uses_a_backend(item)]
        if repeats:
            config.hook.pytest_deselected(items=repeats)
            items[:] = [item for item in items if uses_a_backend(item)]


@pytest.fixture
def made_apps():
    """The apps this test built with make_app (teardowns close their tracking)."""
    return []


@pytest.fixture
def make_app(database_url, tmp_path, made_apps):
    """Build an app on the test database; extra settings override the defaults."""
    from app import create_app
    from app.extensions import db

    apps = made_apps

    def build(**overrides):
        app = create_app({**settings_for(database_url, str(tmp_path)), **overrides})
        apps.append(app)
        return app

    yield build
    close_apps(apps)
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def provider_app(make_app):
    """Build an app for a remote provider (fast retries); tables are emptied after the test."""
    from tests.ai.servers import FAST_RETRIES

    built = []

    def build(**settings):
        app = make_app(**{**FAST_RETRIES, **settings})
        built.append(app)
        return app

    yield build
    close_apps(built)  # events still on their way land now, not in the next test's tables
    for app in built[:1]:
        empty_tables(app)


@pytest.fixture
def s3_endpoint():
    """A moto S3 server on a free loopback port, with a bucket, for this test."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    settings = {"S3_ENDPOINT_URL": url, "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test",
                "S3_REGION": "us-east-1", "S3_MAX_ATTEMPTS": 1}
    import boto3
    import requests

    # moto keeps its buckets in the process, not the server: start from none, whatever an earlier test left
    requests.post(f"{url}/moto-api/reset", timeout=5)

    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    for bucket in ("imprint", "prod-images"):
        client.create_bucket(Bucket=bucket)
    yield settings, client
    server.stop()


@pytest.fixture
def app(make_app, made_apps):
    app = make_app()
    yield app
    close_apps(made_apps)
    empty_tables(app)


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


@pytest.fixture
def redis_url():
    """A reachable Redis database of the tests' own (emptied before and after; see _test_redis_url).
    Not configured: skip; configured but unreachable: skip here, fail in CI."""
    url = _REDIS_URLS[next(_redis_turn) % len(_REDIS_URLS)] if _REDIS_URLS else None
    if not url:
        pytest.skip("Redis tests need TEST_REDIS_URL (or REDIS_URL, whose server they use with a database of their own)")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except Exception as error:
        require_service("Redis", error)
    yield url
    client.flushdb()
