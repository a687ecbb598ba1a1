"""Settings, read from the environment once, in the factory.

Every setting has a local default so that a fresh clone runs with nothing
set: SQLite and storage under ``instance/``, no Redis, the offline provider.
"""

import os

TRUE = {"1", "true", "yes", "on"}


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return str(value).strip().lower() in TRUE


def _int(value, default):
    return default if value in (None, "") else int(value)


def _float(value, default):
    return default if value in (None, "") else float(value)


# name -> (parser, default). The README's configuration table mirrors this.
SETTINGS = {
    "IMPRINT_ENV": (str, "local"),  # "local" or "production"
    "SECRET_KEY": (str, None),
    "DATABASE_URL": (str, None),  # default: sqlite file in instance/
    "DB_POOL_SIZE": (int, 10),
    "DB_MAX_OVERFLOW": (int, 5),
    "DB_POOL_TIMEOUT": (float, 10.0),  # seconds waiting for a pooled connection
    "DB_CONNECT_TIMEOUT": (int, 10),  # seconds to open a connection
    "DB_POOL_RECYCLE": (int, 1800),
    "DB_IDLE_TIMEOUT": (int, 20),  # seconds; PostgreSQL idle_in_transaction_session_timeout guard
    "SQLITE_BUSY_TIMEOUT": (int, 30),  # seconds a writer waits for the lock
    "AUTO_MIGRATE": (bool, None),  # default: on for SQLite, off otherwise
    "REDIS_URL": (str, None),
    "REDIS_SOCKET_TIMEOUT": (float, 0.25),
    "REDIS_CONNECT_TIMEOUT": (float, 0.25),
    "STORAGE_BACKEND": (str, "local"),
    "STORAGE_ROOT": (str, None),  # default: instance/storage
    "PUBLIC_BASE_URL": (str, None),  # used to build absolute image URLs
    "MAX_CONTENT_LENGTH": (int, 16 * 1024 * 1024),
    "ALLOW_ANONYMOUS": (bool, True),
    "TRUSTED_PROXIES": (int, 0),  # how many X-Forwarded-For hops to believe
    "AI_PROVIDER": (str, "procedural"),
    "ENABLE_OBSERVABILITY_LOGGING": (bool, None),  # default: on in production
    "TRACKING_BATCH_SIZE": (int, 1000),  # events per INSERT (queue drain, after-response, replay)
    "TRACKING_CLAIM_TIMEOUT": (int, 60),  # seconds before a dead worker's batch is re-queued
    "TRACKING_PUSH_LINGER": (float, 0.002),  # seconds events wait to share one RPUSH; 0 = push in record()
    "TRACKING_REDIS_RETRY": (float, 5.0),  # seconds to skip Redis after it failed to answer
    "TRACKING_REPLAY_INTERVAL": (float, 30.0),  # seconds between automatic spool replay checks
    "TRACKING_QUEUE": (str, "imprint-tracking"),  # the RQ queue of drain jobs
    "TRACKING_SPOOL_PATH": (str, None),  # default: instance/tracking-spool.jsonl
    "METRICS_TOKEN": (str, None),  # if set, GET /metrics needs it as a bearer token
    "DATADOG_API_KEY": (str, None),  # enables DogStatsD (to the local agent unless DOGSTATSD_ADDRESS)
    "DOGSTATSD_ADDRESS": (str, None),  # host:port of a DogStatsD server (UDP)
    "LOG_LEVEL": (str, "INFO"),
}

PARSERS = {str: str, int: _int, float: _float, bool: _bool}


def load_settings(environ=None):
    """Return the settings dict from ``environ`` (default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    settings = {}
    for name, (kind, default) in SETTINGS.items():
        raw = environ.get(name)
        if kind is str:
            settings[name] = raw if raw not in (None, "") else default
        else:
            settings[name] = PARSERS[kind](raw, default)
    return settings


def finish_settings(config, instance_path):
    """Fill the defaults that depend on the instance folder and on the mode."""
    config.setdefault("IMPRINT_ENV", "local")
    is_production = config["IMPRINT_ENV"] == "production"
    url = config.get("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'imprint.db')}"
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    config["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"] = url
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url, config)
    config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    if config.get("AUTO_MIGRATE") is None:
        config["AUTO_MIGRATE"] = url.startswith("sqlite")
    if config.get("ENABLE_OBSERVABILITY_LOGGING") is None:
        config["ENABLE_OBSERVABILITY_LOGGING"] = is_production
    config["STORAGE_ROOT"] = config.get("STORAGE_ROOT") or os.path.join(instance_path, "storage")
    if not config.get("SECRET_KEY"):
        if is_production:
            raise RuntimeError("SECRET_KEY must be set in production")
        config["SECRET_KEY"] = _local_secret(instance_path)
    return config


def engine_options(url, config):
    """Pool settings for PostgreSQL; SQLite gets a busy timeout instead."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": config.get("SQLITE_BUSY_TIMEOUT", 30)}}
    return {
        "pool_size": config.get("DB_POOL_SIZE", 10),
        "max_overflow": config.get("DB_MAX_OVERFLOW", 5),
        "pool_timeout": config.get("DB_POOL_TIMEOUT", 10.0),
        "pool_recycle": config.get("DB_POOL_RECYCLE", 1800),
        "pool_pre_ping": True,
        "connect_args": {
            "connect_timeout": config.get("DB_CONNECT_TIMEOUT", 10),
            # psycopg 3 prepares server-side only after 5 uses; none of that behind pgbouncer.
            "prepare_threshold": None,
        },
    }


def _local_secret(instance_path):
    """A per-install secret kept in instance/, so sessions survive restarts."""
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(os.urandom(32).hex())
    with open(path) as fh:
        return fh.read().strip()
