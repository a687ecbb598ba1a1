"""Requests-per-minute limits per API key, user or IP, with Flask-Limiter.

Counters live in Redis when ``REDIS_URL`` is set (shared by every web
process) and in memory otherwise. Each endpoint group has its own limit; a
user's ``requests_per_minute`` overrides the default for their keys.
"""

from flask import current_app, g, request
from flask_limiter import Limiter

from app.extensions import held

from .client import client_ip

# The dashboard's static files and thumbnails: a gallery page asks for dozens at once,
# only a signed-in session gets them, and each thumbnail is made once and cached on disk.
EXEMPT_PATHS = ("/healthz", "/metrics", "/openapi.json", "/docs", "/dashboard/static/", "/dashboard/thumbnails/")
# blueprint name -> setting that holds its limit
GROUP_LIMITS = {"og": "RATE_LIMIT_OG", "ai": "RATE_LIMIT_AI", "openai": "RATE_LIMIT_AI"}
# blueprints limited as a group above: /ai/datasets counts as /ai
GROUP_MEMBERS = {"ai": ("ai", "datasets")}


LIMITER_RETRY_HEADER = "X-Imprint-Limiter-Retry-After"
RETRY_STATUSES = (429, 502, 503, 504)  # 502/504: a provider outage that said when to come back


def _retry_after_only_when_refused(response):
    """``Retry-After`` on 429 and 5xx gateway answers only, with the real wait: the limiter's on its own 429s."""
    window = response.headers.pop(LIMITER_RETRY_HEADER, None)
    if response.status_code not in RETRY_STATUSES:
        response.headers.pop("Retry-After", None)
    elif response.status_code == 429 and "Retry-After" not in response.headers and window is not None:
        response.headers["Retry-After"] = str(max(1, int(window)))
    return response


def rate_limits_for(config, requests_per_minute=None):
    """Each group's limit (``default`` and the groups of GROUP_LIMITS), as the limiter applies it:
    a user's ``requests_per_minute`` replaces every group's."""
    settings = {"default": "RATE_LIMIT_DEFAULT", **{name: GROUP_LIMITS[name] for name in GROUP_LIMITS}}
    if requests_per_minute:
        return {group: f"{requests_per_minute}/minute" for group in settings}
    return {group: config[setting] for group, setting in settings.items()}


def rate_limit_key():
    """The caller's identity for counting: their key, else their address."""
    principal = _principal_or_none()
    if principal is not None:
        return f"key:{principal.key_id}"
    return f"ip:{client_ip() or 'unknown'}"


def _principal_or_none():
    try:
        return held("imprint_principal_of")()
    except Exception:  # a bad key is answered 401 by the view; count it by address
        return None


def _limit_for(setting):
    def limit():
        principal = _principal_or_none()
        override = _user_rpm(principal) if principal else None
        return f"{override}/minute" if override else current_app.config[setting]

    return limit


def _user_rpm(principal):
    cached = g.get("_user_rpm", False)
    if cached is not False:
        return cached
    from app.extensions import db
    from app.models import User

    user = db.session.get(User, principal.user_id)
    g._user_rpm = user.requests_per_minute if user else None
    return g._user_rpm


def init_rate_limits(app, principal_of):
    """The limiter, counting per key (``principal_of()``: the request's principal or None) or per address."""
    app.extensions["imprint_principal_of"] = principal_of
    config = app.config
    redis_url = config.get("REDIS_URL")
    config.setdefault("RATELIMIT_ENABLED", config.get("RATE_LIMITS_ENABLED", True))
    config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url:
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
            "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
            "socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
        })
        # Redis away: keep limiting, per process, rather than failing requests.
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    config.setdefault("RATELIMIT_KEY_PREFIX", "imprint-rl")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_HEADER_LIMIT", "RateLimit-Limit")
    config.setdefault("RATELIMIT_HEADER_REMAINING", "RateLimit-Remaining")
    config.setdefault("RATELIMIT_HEADER_RESET", "RateLimit-Reset")
    config.setdefault("RATELIMIT_HEADER_RETRY_AFTER_VALUE", "delta-seconds")
    # Flask-Limiter would put its window's reset on every response; SDKs that honour Retry-After
    # then wait on 200s and 5xx alike. It writes a private header that only a 429 turns into one.
    config["RATELIMIT_HEADER_RETRY_AFTER"] = LIMITER_RETRY_HEADER
    app.after_request(_retry_after_only_when_refused)  # registered first: runs after the limiter's hook

    limiter = Limiter(
        key_func=rate_limit_key,
        default_limits=[_limit_for("RATE_LIMIT_DEFAULT")],
        default_limits_exempt_when=lambda: request.path.startswith(EXEMPT_PATHS),
        app=app,
    )
    app.extensions["imprint_limiter"] = limiter
    return limiter


def limit_blueprints(app):
    """Give each endpoint group its own limit (called once blueprints are registered)."""
    limiter = held("imprint_limiter", app)
    for name, setting in GROUP_LIMITS.items():
        for member in GROUP_MEMBERS.get(name, (name,)):
            blueprint = app.blueprints.get(member)
            if blueprint is not None:
                limiter.limit(_limit_for(setting))(blueprint)
