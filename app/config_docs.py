"""What each setting of ``app.config.SETTINGS`` means, grouped by subject.

``python -m app.config_docs > docs/configuration.md`` writes the configuration
page from this table and the defaults in ``SETTINGS``;
tests/foundation/test_docs.py fails when the page, this table and ``SETTINGS``
disagree (a setting added without a line here, or a page not regenerated).
"""

import re
import sys

from .config import SETTINGS

# (section, [(name, meaning) or (name, meaning, default as written when SETTINGS has None)])
SECTIONS = [
    ("Mode and secrets", [
        ("IMPRINT_ENV", "`production` turns on observability logging and requires `SECRET_KEY`"),
        ("SECRET_KEY", "signs sessions", "generated into `instance/secret_key`"),
    ]),
    ("Database", [
        ("DATABASE_URL", "`postgresql://user:pass@host/db` for PostgreSQL",
         "`sqlite:///instance/imprint.db`"),
        ("DB_POOL_SIZE", "PostgreSQL connections kept per process"),
        ("DB_MAX_OVERFLOW", "extra connections under bursts"),
        ("DB_POOL_TIMEOUT", "seconds to wait for a pooled connection"),
        ("DB_CONNECT_TIMEOUT", "seconds to open a connection"),
        ("DB_POOL_RECYCLE", "seconds before a connection is replaced"),
        ("SQLITE_BUSY_TIMEOUT", "seconds a SQLite writer waits for the lock"),
        ("AUTO_MIGRATE", "migrate to head when `wsgi.py` starts", "on for SQLite, off otherwise"),
    ]),
    ("Redis", [
        ("REDIS_URL", "Redis for tracking queues, jobs and shared counters; optional everywhere"),
        ("REDIS_CONNECT_TIMEOUT", "seconds; every Redis call on the request path is bounded"),
        ("REDIS_SOCKET_TIMEOUT", "seconds per Redis call on the request path"),
    ]),
    ("HTTP and clients", [
        ("PUBLIC_BASE_URL", "prefix for absolute image URLs"),
        ("MAX_CONTENT_LENGTH", "largest request body in bytes (413 above)"),
        ("URL_FETCH_TIMEOUT", "seconds for a whole fetch of a URL a client supplied (dataset image import), "
                              "redirects and body included; every such fetch passes the SSRF guard"),
        ("ALLOW_ANONYMOUS", "allow calls without a key on the endpoints open to anyone (generation included)",
         "on in local mode while every provider a request can reach is the offline `procedural`; "
         "off in production or once a paid provider (or GPU box) is configured"),
        ("TRUSTED_PROXIES", "how many `X-Forwarded-For` hops to believe for the client address"),
    ]),
    ("Limits and quotas", [
        ("RATE_LIMITS_ENABLED", "`false` turns every rate limit off"),
        ("RATE_LIMIT_DEFAULT", "requests per API key (or client address) for most endpoints"),
        ("RATE_LIMIT_OG", "the same for `/og`"),
        ("RATE_LIMIT_AI", "the same for `/ai` and `/v1`"),
        ("DAILY_GENERATION_LIMIT", "images a user may generate per day (UTC); `-1` = unlimited; "
                                   "admin keys are unlimited"),
        ("DAILY_COST_LIMIT_USD", "a user's generation cost budget per day; `-1` = unlimited"),
        ("ANON_DAILY_GENERATION_LIMIT", "images per day per address for anonymous callers"),
        ("ANON_DAILY_COST_LIMIT_USD", "cost budget per day per address for anonymous callers"),
        ("MAX_UPLOAD_BYTES", "largest uploaded image in bytes (413 above)"),
        ("MAX_UPLOAD_PIXELS", "largest uploaded image in pixels, checked before decoding"),
        ("MAX_EDIT_PIXELS", "`/v1/images/edits`: pixels of all images and the mask of one request together, "
                            "checked from their headers before decoding (400 above)"),
        ("QUOTA_COUNTERS_PATH", "without Redis: the file (under an exclusive lock) that every process of "
                                "the machine counts daily quotas in", "`instance/quota-counters.json`"),
        ("BUDGET_TIMEZONE", "the IANA time zone whose calendar days, weeks (from Monday) and months the "
                            "budgets of keys and users run over (the app refuses to start with an unknown one)"),
        ("BUDGET_ALERT_SHARE", "the `budget_share` alert fires when a key's or user's budget is this share spent"),
    ]),
    ("OG cards", [
        ("OG_CACHE_BYTES", "per process: bytes of rendered OG cards kept in memory (LRU); "
                           "`0` turns the cache off"),
        ("OG_TRACKING_ENABLED", "record an `og_generations` event for every card request"),
        ("OG_SIGNING_KEYS", "comma-separated secrets; the first signs card URLs (`flask og sign`, `POST /og/sign`), "
         "every one is accepted, so keys rotate without breaking published URLs"),
        ("OG_SIGNATURES", "`required`: every card URL must be signed; `text`: only URLs with parameters "
         "beyond seed, format and presets (any text) must be; `off`", "`required` when `OG_SIGNING_KEYS` is set, else `off`"),
        ("OG_SIGNATURES_BY_TEMPLATE", "a brand template's own choice over `OG_SIGNATURES`: "
         "`acme=required,blog=text,public=off`"),
    ]),
    ("AI generation", [
        ("AI_PROVIDER", "default image provider"),
        ("AI_PROVIDERS_ALLOWED", "providers a request may name (comma list); `AI_PROVIDER` is always allowed"),
        ("AI_MODEL", "default model for `AI_PROVIDER`", "the provider's"),
        ("OPENAI_API_KEY", "OpenAI (or compatible) Images API key"),
        ("OPENAI_BASE_URL", "OpenAI or any OpenAI-compatible server"),
        ("OPENAI_IMAGE_MODEL", "OpenAI's default image model (its rules: [Providers](providers.md#openai))"),
        ("GEMINI_API_KEY", "Gemini API key (image output)"),
        ("GEMINI_BASE_URL", "Gemini API base URL"),
        ("GEMINI_IMAGE_MODEL", "Gemini's default image model"),
        ("A1111_URL", "Stable Diffusion web UI (AUTOMATIC1111), e.g. `http://gpu-box:7860`"),
        ("A1111_STEPS", "sampling steps per AUTOMATIC1111 image"),
        ("A1111_AUTH", "`user:password` sent as basic auth when the web UI runs with `--api-auth`"),
        ("COMFYUI_URL", "ComfyUI server, e.g. `http://gpu-box:8188`"),
        ("COMFYUI_CHECKPOINT", "checkpoint of the built-in ComfyUI workflow (and `{{checkpoint}}`)"),
        ("COMFYUI_WORKFLOW", "API-format workflow file(s): `path` or `name=path,name=path`, each name a model "
                             "(see [Providers](providers.md#comfyui))"),
        ("COMFYUI_POLL_SECONDS", "seconds between polls of a ComfyUI prompt's history"),
        ("PROVIDER_TIMEOUT", "read timeout in seconds per provider call (high-quality gpt-image calls take minutes)"),
        ("PROVIDER_RETRIES", "extra attempts on 429/5xx answers and connections never made; never after a send"),
        ("PROVIDER_BACKOFF", "first backoff in seconds, doubled per attempt"),
        ("PROVIDER_MAX_BACKOFF", "longest wait in seconds; a longer `Retry-After` goes back to the client"),
        ("AI_ROUTES", "JSON, or a JSON file's path: named routes of provider targets with their fallback rules "
                      "(see [Providers](providers.md#routes-and-fallbacks))"),
        ("BREAKER_FAILURES", "consecutive outage failures that open a target's circuit breaker (0: never)"),
        ("BREAKER_COOLDOWN", "seconds an open breaker skips its target before letting one trial call through"),
        ("WEBHOOK_ALLOWED_HOSTS", "hosts (names or addresses) webhooks may reach although they are not public, "
                                  "e.g. `127.0.0.1` (see [Webhooks](webhooks.md))"),
        ("WEBHOOK_TIMEOUT", "seconds one webhook delivery attempt waits for the receiver"),
        ("WEBHOOK_RETRY_SECONDS", "how long a webhook delivery is retried after its event"),
        ("WEBHOOK_MAX_BACKOFF", "longest wait in seconds between two webhook delivery attempts"),
        ("PRICE_TABLE_PATH", "JSON price table (per image, and token prices under `tokens`) merged over the built-in one"),
        ("MAX_REFERENCE_IMAGES", "reference images of a dataset sent per generation"),
        ("MAX_DATASET_IMAGES", "images a dataset holds"),
        ("IDEMPOTENCY_WAIT_SECONDS", "how long a repeated `request_id` waits for the first"),
        ("GENERATION_QUEUE", "RQ queue of `flask ai worker` (`?async=true`)"),
        ("GENERATION_LEASE_SECONDS", "a generation whose process stops renewing its lease this long is abandoned"),
        ("STORAGE_SWEEP_GRACE_HOURS", "`flask sweep-storage` keeps unreferenced files younger than this"),
        ("STORAGE_SWEEP_INTERVAL_SECONDS", "how often `flask ai worker` sweeps unreferenced files (0: never)"),
    ]),
    ("OpenAI-compatible API", [
        ("OPENAI_COMPAT_MODELS", "JSON: model names `/v1` accepts → `{\"provider\", \"model\"}` "
                                 "(see [OpenAI-compatible API](openai.md#models))",
         "`procedural` and `imprint-procedural` → procedural"),
    ]),
    ("Storage", [
        ("STORAGE_BACKEND", "where image bytes go: `local`, `s3` or `git`"),
        ("STORAGE_ROOT", "local storage folder", "`instance/storage`"),
        ("STORAGE_FALLBACK", "backend that takes a put the primary refused (e.g. `local`)"),
        ("STORAGE_PRIVATE", "stored images are private: the URLs the API hands out are signed and expire "
         "(presigned on S3), `/storage/…` without a valid signature is `403`; the dashboard keeps working"),
        ("STORAGE_URL_EXPIRES", "seconds a private image URL stays valid"),
        ("S3_ENDPOINT_URL", "S3-compatible endpoint (unset: AWS)"),
        ("S3_REGION", "S3 region"),
        ("S3_ACCESS_KEY_ID", "S3 access key"),
        ("S3_SECRET_ACCESS_KEY", "S3 secret key"),
        ("S3_BUCKET", "one bucket, Imprint's buckets as prefixes"),
        ("S3_BUCKET_MAP", "`generated-images=real-bucket,…`: a real bucket per Imprint bucket"),
        ("S3_PUBLIC_URL", "public URL template with `{bucket}`, `{key}`; unset = presigned URLs"),
        ("S3_URL_EXPIRES", "seconds a presigned URL is valid (always signed with SigV4)"),
        ("S3_ADDRESSING_STYLE", "`path` (`endpoint/bucket/key`) or `virtual` (`bucket.endpoint/key`)",
         "`path` with `S3_ENDPOINT_URL`, else `virtual`"),
        ("S3_MAX_ATTEMPTS", "boto3 attempts per call"),
        ("S3_TIMEOUT", "seconds, boto3 connect and read timeouts"),
        ("GIT_STORAGE_REMOTE", "URL or path of the repository images are pushed to"),
        ("GIT_STORAGE_DIR", "the local clone", "`instance/git-storage/clone`"),
        ("GIT_STORAGE_BRANCH", "branch committed to"),
        ("GIT_STORAGE_PREFIX", "folder of the images in the repository"),
        ("GIT_STORAGE_RAW_URL", "raw URL template (`{branch}`, `{path}`); unset = served by the app"),
        ("GIT_STORAGE_AUTHOR", "commit author"),
    ]),
    ("Tracking", [
        ("TRACKING_BATCH_SIZE", "events per transaction (the writer thread, queue drains, replays); at most 5000"),
        ("TRACKING_PUSH_LINGER", "seconds events wait in the process to share one RPUSH; "
                                 "`0` pushes when the request hands them over"),
        ("TRACKING_WRITE_LINGER", "without Redis: seconds events wait for the writer thread to write them "
                                  "with their neighbours in one transaction (what a SIGKILL can lose)"),
        ("TRACKING_CLAIM_TIMEOUT", "seconds before the batch of a worker that died is put back on the queue"),
        ("TRACKING_DRAIN_IDLE", "seconds a drain job waits on an empty queue before it ends"),
        ("TRACKING_DRAIN_POLL", "seconds a drain job lets events gather after a batch that was not full "
                                "(events reach the database within about this long)"),
        ("TRACKING_REDIS_RETRY", "seconds Redis is skipped after it failed to answer"),
        ("TRACKING_REPLAY_INTERVAL", "seconds between automatic spool replays (and worker upkeep)"),
        ("TRACKING_QUEUE", "RQ queue of the drain jobs"),
        ("TRACKING_SPOOL_PATH", "spool of events the database refused", "`instance/tracking-spool.jsonl`"),
        ("TRACKING_SPOOL_MAX_BYTES", "the spool takes no more bytes than this; 0 = no cap"),
        ("TRACKING_REFUSE_SECONDS", "after the database and the spool both refused events, requests get 503 this long"),
    ]),
    ("Metrics and logs", [
        ("ENABLE_OBSERVABILITY_LOGGING", "structured log lines and metrics sinks for generations",
         "on in production"),
        ("METRICS_TOKEN", "if set, `GET /metrics` needs `Authorization: Bearer <token>`"),
        ("DATADOG_API_KEY", "turns on DogStatsD to the local agent (`127.0.0.1:8125`), which holds the key"),
        ("DOGSTATSD_ADDRESS", "`host:port` of a DogStatsD server (UDP); turns DogStatsD on by itself"),
        ("LOG_LEVEL", "level of the app's log lines"),
        ("LOG_FORMAT", "`json` (one JSON object a line on stderr) or `text` (for a terminal)",
         "`json` in production, `text` locally"),
    ]),
    ("History and analytics", [
        ("RETENTION_DAYS", "generation logs, OG generations and prompt usage older than this go at `flask cleanup`"),
        ("CLEANUP_BATCH_SIZE", "rows deleted per transaction by `flask cleanup`"),
        ("IMAGE_RETENTION_DAYS", "`flask cleanup-images` deletes unused images older than this; "
                                 "`0` = off (it needs `--older-than-days`)"),
        ("ANONYMIZE_IP", "store IPs with the last octet (IPv4) / last 80 bits (IPv6) zeroed (`maybe_anonymize_ip`)"),
        ("GEOIP_DATABASE_PATH", "a GeoLite2/GeoIP2 Country `.mmdb` file; needs the `geo` extra"),
        ("HISTORY_ROLLUPS", "analytics read the hourly rollups of `flask history rollup` (plus live edges); "
                            "`false` = scan the rows"),
        ("ALERT_WINDOW_MINUTES", "window of the error-rate, p95 and rate-limit alerts"),
        ("ALERT_MIN_GENERATIONS", "the error-rate alert needs this many generations in the window"),
        ("ALERT_ERROR_RATE", "error-rate alert fires above this fraction"),
        ("ALERT_P95_MS", "p95-latency alert fires above this many ms"),
        ("ALERT_COST_SPIKE_PERCENT", "cost alert fires when the last hour costs this % more than the hour before"),
        ("ALERT_RATE_LIMIT_ERRORS", "rate-limit alert fires at this many rate-limit / 429 failures in the window"),
        ("ALERT_WEBHOOK_URL", "receives a JSON POST for each firing and each resolution"),
        ("ALERT_WEBHOOK_TIMEOUT", "seconds per webhook call"),
    ]),
    ("Dashboard", [
        ("DASHBOARD_SESSION_HOURS", "how long a dashboard sign-in lasts"),
        ("DASHBOARD_PAGE_SIZE", "gallery images per page (the next page loads as you scroll)"),
    ]),
    ("Provenance (Content Credentials)", [
        ("PROVENANCE_ENABLED", "sign every stored image with C2PA Content Credentials and mark it in XMP"),
        ("PROVENANCE_INCLUDE_PROMPT", "put the prompt text in the manifest (its SHA-256 is always there)"),
        ("PROVENANCE_CERT", "PEM certificate chain, signing certificate first",
         "a local CA made in `instance/provenance/` (untrusted until trusted)"),
        ("PROVENANCE_KEY", "PEM private key of `PROVENANCE_CERT`'s first certificate"),
        ("PROVENANCE_ALGORITHM", "signature algorithm of that key: `es256`, `es384`, `es512`, `ps256`, "
                                 "`ps384`, `ps512` or `ed25519`"),
        ("PROVENANCE_TRUST_ANCHORS", "PEM file of CAs that `POST /provenance/verify` reports as trusted"),
        ("OG_PROVENANCE", "sign OG cards too (the cache keeps the signed bytes)"),
    ]),
]

# Read before the app exists (gunicorn.conf.py, the factory, prometheus-client): name, default, meaning.
PROCESS_SETTINGS = [
    ("IMPRINT_INSTANCE_PATH", "`./instance`", "where local state lives"),
    ("IMPRINT_VENV", "`./.venv`", "the virtualenv `manage.py` installs into and runs from"),
    ("IMPRINT_ENV_FILE", "`.env`", "the settings file every process reads (the environment wins); empty: none"),
    ("PROMETHEUS_MULTIPROC_DIR", "unset", "prometheus-client's multiprocess folder; `gunicorn.conf.py` makes a fresh one "
                                         "when it starts more than one worker"),
    ("GUNICORN_BIND", "`127.0.0.1:8000`", "address gunicorn listens on (`manage.py serve`: `127.0.0.1:5000`)"),
    ("GUNICORN_WORKERS", "one per core", "gunicorn worker processes (`manage.py serve`: `1`)"),
    ("GUNICORN_THREADS", "`4`", "threads per worker (gthread)"),
    ("GUNICORN_TIMEOUT", "`120`", "seconds before a silent worker is killed"),
    ("GUNICORN_READ_SECONDS", "`15`", "seconds a request's line, headers and body may take to arrive (slow clients are cut)"),
    ("GUNICORN_GRACEFUL_TIMEOUT", "`30`", "seconds a worker gets to finish in-flight requests on SIGTERM"),
    ("GUNICORN_MAX_REQUESTS", "`0`", "requests before a worker is replaced (`0` = never)"),
    ("GUNICORN_ACCESSLOG", "`-`", "access log file (`-` stdout, empty none)"),
    ("GUNICORN_READ_SECONDS", "`15`", "seconds a request's line, headers and body may take to arrive"),
    ("FORWARDED_ALLOW_IPS", "`127.0.0.1`", "addresses gunicorn trusts for `X-Forwarded-Proto`; "
                                           "the client address follows `TRUSTED_PROXIES` instead"),
]

HEADER = """# Configuration

Every setting is an environment variable; none is needed in local mode.
This page is generated from `app/config.py` and `app/config_docs.py` by
`python -m app.config_docs > docs/configuration.md`; a test fails when they
disagree.
"""


def default_text(name, override=None):
    """The default as the page shows it: the override, else SETTINGS' value."""
    if override is not None:
        return override
    kind, default = SETTINGS[name]
    if default is None:
        return "unset"
    if kind is bool:
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def _row(name, default, meaning):
    return f"| `{name}` | {default} | {meaning} |"


def documented_names():
    return [entry[0] for _, entries in SECTIONS for entry in entries]


def render_markdown():
    """The configuration page, one table per section."""
    lines = [HEADER]
    for title, entries in SECTIONS:
        lines += [f"## {title}", "", "| setting | default | meaning |", "| --- | --- | --- |"]
        for name, meaning, *override in entries:
            lines.append(_row(name, default_text(name, *override), meaning))
        lines.append("")
    lines += ["## Processes", "", "Read by `manage.py`, `gunicorn.conf.py`, the app factory and prometheus-client.", "",
              "| setting | default | meaning |", "| --- | --- | --- |"]
    lines += [_row(name, default, meaning) for name, default, meaning in PROCESS_SETTINGS]
    return "\n".join(lines) + "\n"


ENV_HEADER = """\
# Imprint's settings file. Copy it to .env and uncomment what you change:
# `manage.py serve`, every `flask` command and the workers read .env; a variable set in the
# environment wins over the file. Every setting has a default that works locally (the values below).
# Generated by `python -m app.config_docs --env > .env.example`; docs/configuration.md says more.
"""


def _env_default(name, override=None):
    kind, default = SETTINGS[name]
    if override is not None or default is None:
        return ""
    return str(default).lower() if kind is bool else str(default)


def render_env_example():
    """.env.example: every setting by section, commented out, with its default."""
    lines = [ENV_HEADER]
    for title, entries in SECTIONS:
        lines.append(f"# --- {title}")
        for name, meaning, *override in entries:
            lines.append(f"# {re.sub(r'[`*]', '', meaning)}")
            lines.append(f"#{name}={_env_default(name, *override)}")
        lines.append("")
    lines.append("# --- Processes")
    for name, _default, meaning in PROCESS_SETTINGS:
        lines += [f"# {re.sub(r'[`*]', '', meaning)}", f"#{name}="]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_env_example() if sys.argv[1:] == ["--env"] else render_markdown())
