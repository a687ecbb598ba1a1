"""The admin pages' work: users with their keys and quotas read from forms, and the settings at a glance."""

from flask import current_app
from marshmallow import ValidationError

from app.ai.providers import PROVIDERS, allowed_providers
from app.auth import service
from app.auth.schemas import QuotaSchema, UserCreateSchema
from app.doctor import missing_provider_settings
from app.governance.limits import LimitsInvalid, set_key_limits
from app.governance.schemas import KeyLimitsSchema
from app.storage import get_storage

from .forms import field_errors

QUOTA_FIELDS = service.QUOTA_FIELDS


def create_user_from_form(form):
    """(user or None, typed form, errors): the API's schema checks the form."""
    typed = {"username": (form.get("username") or "").strip(), "email": (form.get("email") or "").strip(),
             "is_admin": form.get("is_admin") == "on"}
    try:
        data = UserCreateSchema().load({k: v for k, v in typed.items() if v not in ("", None)})
    except ValidationError as error:
        return None, typed, field_errors(error.messages)
    try:
        return service.create_user(**data), typed, {}
    except service.UserExists as error:
        return None, typed, {"username": str(error)}


def set_quotas_from_form(user, form):
    """Apply the quota form (blank = the configured default); returns errors by field."""
    raw = {name: (form.get(name) or "").strip() for name in QUOTA_FIELDS}
    try:
        values = QuotaSchema().load({name: (value or None) for name, value in raw.items()})
    except ValidationError as error:
        return field_errors(error.messages)
    service.set_user_quotas(user, values)
    return {}


def set_key_limits_from_form(key, form):
    """Apply the key's limits form (blank = none); returns errors by field. The API's schema checks it."""
    def listed(name):
        return [part.strip() for part in (form.get(name) or "").split(",") if part.strip()] or None

    expires = (form.get("expires_at") or "").strip()
    raw = {"budget_usd": (form.get("budget_usd") or "").strip() or None,
           "budget_generations": (form.get("budget_generations") or "").strip() or None,
           "budget_period": form.get("budget_period") or None,
           "expires_at": f"{expires}T00:00:00Z" if len(expires) == 10 else (expires or None),
           "scopes": form.getlist("scopes") or None,
           "allowed_models": listed("allowed_models"), "allowed_providers": listed("allowed_providers")}
    try:
        values = KeyLimitsSchema().load(raw)
        set_key_limits(key, values)
    except ValidationError as error:
        return field_errors(error.messages)
    except LimitsInvalid as error:
        return {error.field: error.message}
    return {}


def users_with_keys():
    """[(user, active key count)] oldest first."""
    counts = {}
    for key, user in service.list_keys():
        counts[user.id] = counts.get(user.id, 0) + (key.revoked_at is None)
    return [(user, counts.get(user.id, 0)) for user in service.list_users()]


def settings_glance():
    """What an operator checks first: providers and whether each is configured, storage, tracking, limits."""
    config = current_app.config
    allowed = set(allowed_providers(config))
    providers = [{"name": name, "is_default": name == config["AI_PROVIDER"], "is_allowed": name in allowed,
                  "is_ai": cls.is_ai, "missing": missing_provider_settings(name, config)}
                 for name, cls in PROVIDERS.items()]
    storage = get_storage()
    redis_url = config.get("REDIS_URL")
    tracking = ("Redis queue, written in batches by RQ drain workers (flask tracking worker)" if redis_url
                else "in-process writer: each web process writes its events after the response")
    return {
        "providers": providers,
        "storage": {"backend": storage.name, "fallback": config.get("STORAGE_FALLBACK") or None},
        "tracking": tracking,
        "facts": [
            ("Environment", config.get("IMPRINT_ENV") or "local"),
            ("Database", config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]),
            ("Redis", "configured" if redis_url else "not configured (limits and jobs in process)"),
            ("Anonymous generation", "allowed" if config["ALLOW_ANONYMOUS"] else "refused"),
            ("Daily generations per user", _limit(config["DAILY_GENERATION_LIMIT"])),
            ("Daily cost per user", _limit(config["DAILY_COST_LIMIT_USD"], "$")),
            ("Rate limit", config["RATE_LIMIT_DEFAULT"] if config.get("RATE_LIMITS_ENABLED", True) else "off"),
            ("Upload limit", f"{config['MAX_UPLOAD_BYTES']:,} bytes, {config['MAX_UPLOAD_PIXELS']:,} pixels"),
            ("Dashboard session", f"{config['DASHBOARD_SESSION_HOURS']} hours"),
        ],
    }


def _limit(value, unit=""):
    return "unlimited" if value is None or value < 0 else f"{unit}{value:,}"
