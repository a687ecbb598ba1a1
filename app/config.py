"""Settings, read from the environment once, in the factory.

Every setting has a local default so that a fresh clone runs with nothing
set: SQLite and storage under ``instance/``, no Redis, the offline provider.
"""

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TRUE = {"1", "true", "yes", "on"}
# The providers a request can reach without spending anything: anonymous generation is on by default
# only when every provider the settings allow is one of these.
FREE_PROVIDERS = {"procedural"}


def load_env_file(environ=None):
    """Read the settings file (``.env`` in the working directory, or ``IMPRINT_ENV_FILE``) into the
    environment. A variable the environment already has wins; ``IMPRINT_ENV_FILE=`` (empty) reads none."""
    environ = os.environ if environ is None else environ
    path = environ.get("IMPRINT_ENV_FILE", ".env")
    if not path or not os.path.isfile(path):
        return None
    from dotenv import dotenv_values

    for name, value in dotenv_values(path).items():
        if value is not None and name not in environ:
            environ[name] = value
    return path


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return str(value).strip().lower() in TRUE


def _int(value, default):
    return default if value in (None, "") else int(value)


def _float(value, default):
    return default if value in (None, "") else float(value)


# name -> (parser, default). app/config_docs.py says what each means (docs/configuration.md).
SETTINGS = {
    "IMPRINT_ENV": (str, "local"),  # "local" or "production"
    "SECRET_KEY": (str, None),
    "DATABASE_URL": (str, None),  # default: sqlite file in instance/
    "DB_POOL_SIZE": (int, 10),
    "DB_MAX_OVERFLOW": (int, 5),
    "DB_POOL_TIMEOUT": (float, 10.0),  # seconds waiting for a pooled connection
    "DB_CONNECT_TIMEOUT": (int, 10),  # seconds to open a connection
    "DB_POOL_RECYCLE": (int, 1800),
    "SQLITE_BUSY_TIMEOUT": (int, 30),  # seconds a writer waits for the lock
    "AUTO_MIGRATE": (bool, None),  # default: on for SQLite, off otherwise
    "REDIS_URL": (str, None),
    "REDIS_SOCKET_TIMEOUT": (float, 0.25),
    "REDIS_CONNECT_TIMEOUT": (float, 0.25),
    "STORAGE_BACKEND": (str, "local"),
    "STORAGE_ROOT": (str, None),  # default: instance/storage
    "PUBLIC_BASE_URL": (str, None),  # used to build absolute image URLs
    "MAX_CONTENT_LENGTH": (int, 16 * 1024 * 1024),
    "ALLOW_ANONYMOUS": (bool, None),  # callers without a key may generate; default: see anonymous_default
    "TRUSTED_PROXIES": (int, 0),  # how many X-Forwarded-For hops to believe
    "AI_PROVIDER": (str, "procedural"),
    "OG_CACHE_BYTES": (int, 64 * 1024 * 1024),  # per process: rendered OG cards kept in memory
    "OG_TRACKING_ENABLED": (bool, True),  # record an og_generations event per card request
    "OG_SIGNING_KEYS": (str, None),  # comma list of secrets: the first signs card URLs, each one is accepted
    "OG_SIGNATURES": (str, None),  # required | text | off; default: required when OG_SIGNING_KEYS is set
    "OG_SIGNATURES_BY_TEMPLATE": (str, None),  # template=mode,…: a brand template's own choice
    "ENABLE_OBSERVABILITY_LOGGING": (bool, None),  # default: on in production
    # AI generation (app/ai)
    "AI_PROVIDERS_ALLOWED": (str, "procedural"),  # comma list a request may pick; AI_PROVIDER always allowed
    "AI_MODEL": (str, None),  # default model for AI_PROVIDER; default: the provider's own
    "OPENAI_API_KEY": (str, None),
    "OPENAI_BASE_URL": (str, "https://api.openai.com/v1"),  # any OpenAI-compatible server
    "OPENAI_IMAGE_MODEL": (str, "gpt-image-1.5"),  # gpt-image-1 was shut down on 2026-10-23
    "GEMINI_API_KEY": (str, None),
    "GEMINI_BASE_URL": (str, "https://generativelanguage.googleapis.com/v1beta"),
    "GEMINI_IMAGE_MODEL": (str, "gemini-2.5-flash-image"),
    "A1111_URL": (str, None),  # e.g. http://gpu-box:7860
    "A1111_STEPS": (int, 25),
    "A1111_AUTH": (str, None),  # user:password when the web UI runs with --api-auth
    "COMFYUI_URL": (str, None),  # e.g. http://gpu-box:8188
    "COMFYUI_CHECKPOINT": (str, "sd_xl_base_1.0.safetensors"),
    "COMFYUI_WORKFLOW": (str, None),  # API-format workflow file(s): path, or name=path,name=path (each a model)
    "COMFYUI_POLL_SECONDS": (float, 1.0),
    "PROVIDER_TIMEOUT": (float, 300.0),  # read timeout per provider call: high-quality gpt-image calls take minutes
    "PROVIDER_RETRIES": (int, 2),  # extra attempts on 429/5xx and failed connects (never after a send)
    "PROVIDER_BACKOFF": (float, 1.0),  # first backoff in seconds, doubled per attempt
    "PROVIDER_MAX_BACKOFF": (float, 20.0),  # cap on one wait, Retry-After included
    "AI_ROUTES": (str, None),  # JSON (or a JSON file's path): named routes of provider targets with fallbacks
    "BREAKER_FAILURES": (int, 5),  # consecutive failures that open a target's circuit breaker (0: never)
    "BREAKER_COOLDOWN": (float, 30.0),  # seconds an open breaker skips its target before one trial call
    "WEBHOOK_ALLOWED_HOSTS": (str, None),  # hosts (names or addresses) webhooks may reach though not public
    "WEBHOOK_TIMEOUT": (float, 10.0),  # seconds one delivery attempt waits for the receiver
    "WEBHOOK_RETRY_SECONDS": (float, 86400.0),  # how long a delivery is retried after its event
    "WEBHOOK_MAX_BACKOFF": (float, 21600.0),  # longest wait between two attempts
    "PRICE_TABLE_PATH": (str, None),  # JSON file merged over the built-in price table
    "MAX_UPLOAD_BYTES": (int, 10 * 1024 * 1024),
    "MAX_UPLOAD_PIXELS": (int, 40_000_000),
    "MAX_EDIT_PIXELS": (int, 50_000_000),  # /v1/images/edits: the images and mask of one request together
    "MAX_REFERENCE_IMAGES": (int, 4),
    "MAX_DATASET_IMAGES": (int, 100),
    "IDEMPOTENCY_WAIT_SECONDS": (float, 30.0),  # a repeat waits this long for the first to finish
    "GENERATION_QUEUE": (str, "generation"),  # RQ queue for ?async=true
    "GENERATION_LEASE_SECONDS": (float, 30.0),  # a running generation renews its lease this often ×3
    "STORAGE_SWEEP_GRACE_HOURS": (float, 24.0),  # unreferenced files younger than this are kept
    "STORAGE_SWEEP_INTERVAL_SECONDS": (float, 3600.0),  # how often the generation worker sweeps
    # OpenAI-compatible API (app/openai_api): JSON, model name -> {"provider", "model"}
    "OPENAI_COMPAT_MODELS": (str, None),  # default: procedural and imprint-procedural -> procedural
    # Storage backends (app/storage)
    "STORAGE_FALLBACK": (str, None),  # a second backend for failed puts, e.g. local
    "STORAGE_PRIVATE": (bool, False),  # image URLs the API hands out are signed and expire; unsigned fetches 403
    "STORAGE_URL_EXPIRES": (int, 3600),  # seconds a private image URL stays valid
    "S3_ENDPOINT_URL": (str, None),
    "S3_REGION": (str, "us-east-1"),
    "S3_ACCESS_KEY_ID": (str, None),
    "S3_SECRET_ACCESS_KEY": (str, None),
    "S3_BUCKET": (str, None),  # one bucket, Imprint buckets as prefixes
    "S3_BUCKET_MAP": (str, None),  # generated-images=real-bucket,dataset-images=other
    "S3_PUBLIC_URL": (str, None),  # template {bucket}/{key}; unset: presigned URLs
    "S3_URL_EXPIRES": (int, 3600),
    "S3_ADDRESSING_STYLE": (str, None),  # path | virtual; default: path with S3_ENDPOINT_URL, else virtual
    "S3_MAX_ATTEMPTS": (int, 3),
    "S3_TIMEOUT": (float, 10.0),
    "GIT_STORAGE_REMOTE": (str, None),  # URL or path of the repository to push to
    "GIT_STORAGE_DIR": (str, None),  # default: instance/git-storage/clone
    "GIT_STORAGE_BRANCH": (str, "main"),
    "GIT_STORAGE_PREFIX": (str, "file-library/"),
    "GIT_STORAGE_RAW_URL": (str, None),  # e.g. https://raw.githubusercontent.com/o/r/{branch}/{path}
    "GIT_STORAGE_AUTHOR": (str, "Imprint <imprint@localhost>"),
    "TRACKING_BATCH_SIZE": (int, 1000),  # events per transaction (writer thread, queue drain, replay)
    "TRACKING_CLAIM_TIMEOUT": (int, 60),  # seconds before a dead worker's batch is re-queued
    "TRACKING_DRAIN_IDLE": (float, 2.0),  # seconds a drain job waits on an empty queue before it ends
    "TRACKING_DRAIN_POLL": (float, 1.0),  # seconds a drain job lets events gather after a batch that was not full
    "TRACKING_PUSH_LINGER": (float, 0.2),  # seconds events wait to share one RPUSH; 0 = push at hand-over
    "TRACKING_WRITE_LINGER": (float, 0.25),  # seconds events wait to share the writer thread's transaction
    "TRACKING_REDIS_RETRY": (float, 5.0),  # seconds to skip Redis after it failed to answer
    "TRACKING_REPLAY_INTERVAL": (float, 30.0),  # seconds between automatic spool replay checks
    "TRACKING_QUEUE": (str, "imprint-tracking"),  # the RQ queue of drain jobs
    "TRACKING_SPOOL_PATH": (str, None),  # default: instance/tracking-spool.jsonl
    "TRACKING_SPOOL_MAX_BYTES": (int, 1 << 30),  # the spool takes no more; 0 = no cap
    "TRACKING_REFUSE_SECONDS": (float, 10.0),  # requests get 503 this long after the spool refused events
    "METRICS_TOKEN": (str, None),  # if set, GET /metrics needs it as a bearer token
    "DATADOG_API_KEY": (str, None),  # enables DogStatsD (to the local agent unless DOGSTATSD_ADDRESS)
    "DOGSTATSD_ADDRESS": (str, None),  # host:port of a DogStatsD server (UDP)
    "LOG_LEVEL": (str, "INFO"),
    "LOG_FORMAT": (str, None),  # "json" or "text"; default: json in production, text locally
    # Rate limits (Flask-Limiter syntax) per API key, or per IP for anonymous callers.
    "RATE_LIMITS_ENABLED": (bool, True),
    "RATE_LIMIT_DEFAULT": (str, "120/minute"),
    "RATE_LIMIT_OG": (str, "600/minute"),
    "RATE_LIMIT_AI": (str, "30/minute"),
    # Daily quotas for AI generation; -1 means unlimited. Admin keys are unlimited.
    "DAILY_GENERATION_LIMIT": (int, 200),
    "DAILY_COST_LIMIT_USD": (float, 10.0),
    "ANON_DAILY_GENERATION_LIMIT": (int, 20),
    "ANON_DAILY_COST_LIMIT_USD": (float, 0.5),
    "QUOTA_COUNTERS_PATH": (str, None),  # without Redis: the counters' file, default instance/quota-counters.json
    "BUDGET_TIMEZONE": (str, "UTC"),  # the zone whose calendar days, weeks and months budgets run over
    "BUDGET_ALERT_SHARE": (float, 0.8),  # the budget_share alert fires when a budget is this much spent
    "URL_FETCH_TIMEOUT": (float, 5.0),  # seconds for fetching a client-supplied URL (SSRF-guarded)
    # history and analytics
    "RETENTION_DAYS": (int, 90),  # generation_logs, og_generations, prompt_usage
    "CLEANUP_BATCH_SIZE": (int, 5000),
    "IMAGE_RETENTION_DAYS": (int, 0),  # 0 = `flask cleanup-images` needs --older-than-days
    "ANONYMIZE_IP": (bool, False),  # zero the last octet / last 80 bits before storing
    "GEOIP_DATABASE_PATH": (str, None),  # a GeoLite2/GeoIP2 Country .mmdb file
    "HISTORY_ROLLUPS": (bool, True),  # analytics read hourly rollups (`flask history rollup`) + live edges
    "ALERT_WINDOW_MINUTES": (int, 15),
    "ALERT_MIN_GENERATIONS": (int, 10),  # error rate needs this many generations in the window
    "ALERT_ERROR_RATE": (float, 0.05),
    "ALERT_P95_MS": (float, 30000.0),
    "ALERT_COST_SPIKE_PERCENT": (float, 50.0),
    "ALERT_RATE_LIMIT_ERRORS": (float, 1.0),
    "ALERT_WEBHOOK_URL": (str, None),
    "ALERT_WEBHOOK_TIMEOUT": (float, 5.0),
    # provenance (app/provenance): C2PA Content Credentials + IPTC/XMP on every stored image
    "PROVENANCE_ENABLED": (bool, True),
    "PROVENANCE_INCLUDE_PROMPT": (bool, False),  # the prompt text in the manifest (its SHA-256 always)
    "PROVENANCE_CERT": (str, None),  # PEM chain, signing certificate first; default: a local CA in instance/
    "PROVENANCE_KEY": (str, None),  # PEM private key of that certificate
    "PROVENANCE_ALGORITHM": (str, "es256"),  # es256/384/512, ps256/384/512, ed25519
    "PROVENANCE_TRUST_ANCHORS": (str, None),  # PEM file of CAs that /provenance/verify trusts
    "OG_PROVENANCE": (bool, False),  # sign OG cards too (they are not AI-generated)
    # dashboard
    "DASHBOARD_SESSION_HOURS": (int, 12),  # a dashboard sign-in lasts this long
    "DASHBOARD_PAGE_SIZE": (int, 24),  # gallery images per page (infinite scroll loads the next)
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
    if config.get("ALLOW_ANONYMOUS") is None:
        config["ALLOW_ANONYMOUS"] = anonymous_default(config)
    if config.get("ENABLE_OBSERVABILITY_LOGGING") is None:
        config["ENABLE_OBSERVABILITY_LOGGING"] = is_production
    config["STORAGE_ROOT"] = config.get("STORAGE_ROOT") or os.path.join(instance_path, "storage")
    _check_og_signing(config)
    _check_zone(config, "BUDGET_TIMEZONE")
    if not config.get("SECRET_KEY"):
        if is_production:
            raise RuntimeError("SECRET_KEY must be set in production")
        config["SECRET_KEY"] = _local_secret(instance_path)
    return config


OG_SIGNATURE_MODES = ("required", "text", "off")


def parse_template_modes(text):
    """``OG_SIGNATURES_BY_TEMPLATE``: ``name=mode,name=mode`` → {name: mode}; ValueError names the problem."""
    modes = {}
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        name, _, mode = item.partition("=")
        if mode.strip() not in OG_SIGNATURE_MODES or not name.strip():
            raise ValueError(f"OG_SIGNATURES_BY_TEMPLATE: {item!r} is not template=required|text|off")
        modes[name.strip()] = mode.strip()
    return modes


def _check_og_signing(config):
    mode = config.get("OG_SIGNATURES")
    if mode not in (None, "", *OG_SIGNATURE_MODES):
        raise RuntimeError(f"OG_SIGNATURES must be required, text or off, not {mode!r}")
    try:
        modes = {mode, *parse_template_modes(config.get("OG_SIGNATURES_BY_TEMPLATE")).values()}
    except ValueError as error:
        raise RuntimeError(str(error)) from None
    if modes & {"required", "text"} and not (config.get("OG_SIGNING_KEYS") or "").strip(", "):
        raise RuntimeError("OG_SIGNATURES (or a template's) needs OG_SIGNING_KEYS (a secret to sign card URLs with)")


def _check_zone(config, name):
    zone = config.get(name) or "UTC"
    try:
        ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):  # a path-like or empty name is a ValueError, an unknown one not found
        raise RuntimeError(f"{name} must be an IANA time zone such as UTC or Europe/Paris, not {zone!r}") from None


def reachable_providers(config):
    """The providers a request may pick: the default one and those AI_PROVIDERS_ALLOWED names."""
    allowed = (config.get("AI_PROVIDERS_ALLOWED") or "").split(",")
    return {name.strip() for name in [config.get("AI_PROVIDER") or "procedural", *allowed] if name.strip()}


def anonymous_default(config):
    """Strangers may generate only on a local install whose providers cost nothing: a provider key,
    or a GPU box, is opened to callers without a key only when ALLOW_ANONYMOUS says so."""
    return config.get("IMPRINT_ENV", "local") != "production" and reachable_providers(config) <= FREE_PROVIDERS


def is_loopback(bind):
    """Whether a gunicorn bind (``host:port``, ``[::1]:port``, ``unix:path``) is reachable from this machine only."""
    if bind.startswith("unix:"):
        return True
    host = bind.rsplit(":", 1)[0].strip("[]") if ":" in bind else bind
    return host in {"localhost", "::1"} or host.startswith("127.")


def exposure(config, binds):
    """What the operator must know at start: where it listens, which provider, who may generate.
    Returns (line, warning or None)."""
    who = "anyone who can reach it (ALLOW_ANONYMOUS)" if config["ALLOW_ANONYMOUS"] else "callers with an API key"
    line = f"listening on {', '.join(binds)}; provider {config.get('AI_PROVIDER') or 'procedural'}; may generate: {who}"
    public = [bind for bind in binds if not is_loopback(bind)]
    if public and config["ALLOW_ANONYMOUS"]:
        return line, (f"{', '.join(public)} is reachable beyond this machine and generation needs no key: "
                      "set ALLOW_ANONYMOUS=false, or bind 127.0.0.1")
    return line, None


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
