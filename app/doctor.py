"""``flask doctor``: check the configuration and every dependency, and say how to fix what fails."""

import os

from flask import current_app
from sqlalchemy import text

from app.ai.provider_settings import PROVIDER_SETTINGS, missing_provider_settings
from app.checks import Finding
from app.config import exposure
from app.extensions import db, held

__all__ = ["PROVIDER_SETTINGS", "Finding", "missing_provider_settings", "run_checks"]


def check_config():
    config = current_app.config
    anonymous = "anonymous callers may generate" if config["ALLOW_ANONYMOUS"] else "anonymous generation off"
    if config["IMPRINT_ENV"] == "production" and config["DATABASE_URL"].startswith("sqlite"):
        return Finding("config", True, f"production with SQLite; {anonymous}", "set DATABASE_URL=postgresql://…",
                       warning=True)
    if config["IMPRINT_ENV"] == "production" and config["ALLOW_ANONYMOUS"]:
        return Finding("config", True, f"production, {anonymous} (ALLOW_ANONYMOUS=true): anyone can spend "
                       "the provider key, up to ANON_DAILY_* per address", "unset ALLOW_ANONYMOUS unless meant",
                       warning=True)
    bind = os.environ.get("GUNICORN_BIND")
    _line, exposed = exposure(config, [bind]) if bind else (None, None)
    if exposed:
        return Finding("config", True, exposed, "set ALLOW_ANONYMOUS=false or bind 127.0.0.1", warning=True)
    return Finding("config", True, f"{config['IMPRINT_ENV']} mode, storage {config['STORAGE_BACKEND']}, {anonymous}")


def check_database():
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        return Finding("database", False, f"{url}: {str(error).splitlines()[0]}",
                       "check DATABASE_URL, that the server runs and accepts this user (pg_isready -h HOST)")
    finally:
        db.session.rollback()  # end the transaction: on SQLite it holds the write lock
    return Finding("database", True, url)


def check_migrations():
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    migrate = held("migrate")
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    heads = set(script.get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        return Finding("migrations", False, str(error).splitlines()[0], "fix the database first")
    if current != heads:
        return Finding("migrations", False, f"database at {sorted(current) or 'nothing'}, code at {sorted(heads)}",
                       "run `flask --app wsgi db upgrade`")
    return Finding("migrations", True, f"at head {sorted(heads)}")


def check_redis():
    from app.redis_client import get_redis

    client = get_redis()
    if client is None:
        return Finding("redis", True, "not configured: tracking writes after each response, limits in memory")
    try:
        client.ping()
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except Exception as error:
        return Finding("redis", False, str(error), "check REDIS_URL and that redis-server runs")
    if policy != "noeviction":
        return Finding("redis", True, f"maxmemory-policy is {policy}",
                       "set `maxmemory-policy noeviction` in redis.conf so queued events are never evicted",
                       warning=True)
    return Finding("redis", True, "reachable, maxmemory-policy noeviction")


def check_storage():
    from app.storage import get_storage

    storage = get_storage()
    try:
        storage.check()
    except Exception as error:
        return Finding("storage", False, f"{storage.name}: {error}",
                       "check STORAGE_BACKEND and its settings, and write permissions")
    return Finding("storage", True, f"{storage.name}: write, read and delete work")


def check_tracking():
    from app.redis_client import get_redis
    from app.tracking import queue, spool

    notes, fixes = [], []
    path = spool.spool_path(current_app)
    waiting = spool.pending_bytes(path)
    if waiting:
        notes.append(f"{waiting} bytes of events the database refused wait in {path}")
        fixes.append("once the database answers, run `flask --app wsgi tracking replay`")
    client = get_redis()
    if client is None:
        notes.append("no Redis: events are written by the web processes after each response")
    else:
        try:
            from rq import Worker

            workers = Worker.all(queue=queue.rq_queue(client, current_app.config["TRACKING_QUEUE"]))
            queued, claimed = queue.depth(current_app)
        except Exception as error:
            return Finding("tracking", False, f"Redis: {error}", "check REDIS_URL and that redis-server runs")
        if workers:
            notes.append(f"{len(workers)} worker(s); {queued} event(s) queued, {claimed} batch(es) claimed")
        else:
            notes.append(f"no tracking worker is running; {queued} event(s) queued")
            fixes.append("start `flask --app wsgi tracking worker` (systemd: imprint-tracking-worker@1)")
    return Finding("tracking", True, "; ".join(notes), "; ".join(fixes), warning=bool(fixes))


def check_quotas():
    """Where the daily quota counters live, and whether every process would count together."""
    from app.redis_client import get_redis
    from app.security.quotas import counters_path

    if get_redis() is not None:
        return Finding("quotas", True, "counted in Redis: shared by every process of every machine")
    path = counters_path(current_app)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".lock", "a"):
            pass
    except OSError as error:
        return Finding("quotas", False, f"counter file {path}: {error}",
                       "make instance/ writable, or set QUOTA_COUNTERS_PATH")
    detail = f"counted in {path}: shared by the processes of this machine, kept across restarts"
    if current_app.config["IMPRINT_ENV"] == "production":
        return Finding("quotas", True, detail + "; machines behind one load balancer would each count their own",
                       "set REDIS_URL so that every machine counts one quota", warning=True)
    return Finding("quotas", True, detail)


def check_generations():
    """Generations whose process died (past their lease) and quota counters below the rows of today."""
    from sqlalchemy import func, select

    from app.ai.leases import is_lapsed
    from app.models import GenerationJob
    from app.security.quotas import counted_today, made_today, users_today

    try:
        lapsed = db.session.scalar(select(func.count()).select_from(GenerationJob)
                                   .where(GenerationJob.status.in_(("running", "cancelled")), is_lapsed()))
        drift = [(user, counted, made) for user in users_today()
                 for counted, made in [(counted_today(f"user:{user}"), made_today(f"user:{user}")[0])]
                 if counted is not None and counted < made]
    except Exception as error:
        return Finding("generations", False, str(error).splitlines()[0], "fix the database and Redis first")
    notes, fixes = [], []
    if lapsed:
        notes.append(f"{lapsed} generation(s) past their lease wait to be settled")
        fixes.append("run `flask ai reap` (the generation worker runs it on its own)")
    if drift:
        user, counted, made = drift[0]
        notes.append(f"quota counters below today's images for {len(drift)} user(s) (user {user}: counted {counted}, "
                     f"made {made})")
        fixes.append("delete those users' `imprint:quota:user:<id>:<day>:*` keys: the next generation rebuilds them")
    if not notes:
        return Finding("generations", True, "none past its lease; quota counters match today's images")
    return Finding("generations", True, "; ".join(notes), "; ".join(fixes), warning=True)




SERVER_CHECKED = {"comfyui": ", its workflows' node types and model files exist",
                  "automatic1111": ", its API answers (--api, A1111_AUTH)"}


def server_problems(name, config, timeout):
    """What a self-hosted provider's server lacks: ComfyUI nodes and models (/object_info), A1111's API."""
    from app.ai.providers import ProviderError, get_provider

    if name not in SERVER_CHECKED:
        return []
    provider = get_provider(name, {**config, "PROVIDER_TIMEOUT": max(timeout, 10.0), "PROVIDER_RETRIES": 0})
    try:
        if name == "comfyui":
            return provider.check_server()
        provider.http.request("GET", config["A1111_URL"].rstrip("/") + "/sdapi/v1/sd-models",
                              auth=provider.auth(), classify=provider.classify)
    except ProviderError as error:
        return [error.message]
    return []


def check_providers(connect_timeout=3.0):
    """Every provider a request may use is configured and its server accepts a connection."""
    import socket
    from urllib.parse import urlsplit

    from app.ai.providers import allowed_providers

    config = current_app.config
    notes, problems = [], []
    for name in allowed_providers(config):
        if name not in PROVIDER_SETTINGS:
            notes.append(f"{name} (offline)")
            continue
        url_setting, key_setting = PROVIDER_SETTINGS[name]
        if missing_provider_settings(name, config):
            problems.append(f"{name}: set {url_setting}" + (f" and {key_setting}" if key_setting else ""))
            continue
        parts = urlsplit(config[url_setting])
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname, port), timeout=connect_timeout).close()
        except OSError as error:
            problems.append(f"{name}: {parts.hostname}:{port} unreachable ({error})")
            continue
        found = server_problems(name, config, connect_timeout)
        problems += [f"{name}: {problem}" for problem in found]
        if not found:
            notes.append(f"{name} reachable at {parts.hostname}:{port}" + SERVER_CHECKED.get(name, ""))
    if problems:
        return Finding("providers", False, "; ".join(problems),
                       "fix the provider settings, or remove it from AI_PROVIDER / AI_PROVIDERS_ALLOWED")
    return Finding("providers", True, ", ".join(notes))


def configured_providers(config):
    """The remote providers a request may use or whose key or server URL is set."""
    from app.ai.providers import allowed_providers

    allowed = set(allowed_providers(config))
    return sorted(name for name, (url_setting, key_setting) in PROVIDER_SETTINGS.items()
                  if name in allowed or config.get(key_setting or url_setting))


def check_openai_models():
    """Every configured provider has a ``/v1`` model name routed to it, or SDK clients cannot reach it."""
    from app.ai.providers import get_provider
    from app.openai_api.routing import model_routes

    routes = model_routes(current_app).values()
    routed = {route.provider for route in routes}
    missing = [name for name in configured_providers(current_app.config) if name not in routed]
    by_provider = {}
    for route in routes:
        by_provider.setdefault(route.provider, []).append(route.name)
    names = "; ".join(f"{provider}: {', '.join(found)}" for provider, found in by_provider.items())
    if missing:
        example = ", ".join(f'"{get_provider(name, current_app.config).default_model}": "{name}"'
                            for name in missing)
        return Finding("/v1 models", True,
                       f"no /v1 model name maps to {', '.join(missing)}: OpenAI SDK clients cannot use "
                       f"{'it' if len(missing) == 1 else 'them'} (mapped: {names})",
                       f"map model names in OPENAI_COMPAT_MODELS, e.g. {{{example}}}", warning=True)
    return Finding("/v1 models", True, names)


def check_provenance():
    """``flask doctor``: is signing on, with whose certificate, and will readers trust it."""
    from app.provenance.service import get_marking

    marking = get_marking()
    if marking.credentials is None:
        return Finding("provenance", True, "off: images carry no Content Credentials",
                       "set PROVENANCE_ENABLED=true", warning=True)
    signer = marking.credentials.subject
    if marking.credentials.is_local_ca:
        return Finding("provenance", True,
                       f"signing as {signer} under Imprint's own local CA: manifests validate as "
                       "untrusted until that CA is on a trust list",
                       f"add {marking.credentials.ca_path} to your readers' trust list, or set "
                       "PROVENANCE_CERT/PROVENANCE_KEY to a certificate from a trusted CA", warning=True)
    return Finding("provenance", True, f"signing as {signer} ({marking.credentials.algorithm})")


CHECKS = [check_config, check_database, check_migrations, check_redis, check_storage, check_quotas,
          check_generations, check_providers, check_openai_models, check_tracking, check_provenance]


def run_checks():
    """Every finding, in order; extra checks come from features that register them (transfer's fallback files)."""
    extra = current_app.extensions.get("imprint_doctor_checks", [])
    return [check() for check in [*CHECKS, *extra]]
