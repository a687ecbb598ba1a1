"""What a key may do: its scopes, and the models and providers it may generate with.

A key without scopes keeps every right its user has; ``admin`` grants every
scope (and is still only honoured on an admin key).
"""

SCOPES = ("og", "generate", "read", "admin")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OG_BLUEPRINTS = frozenset({"og", "og_templates"})


def parse_scopes(text):
    """The scopes stored on a key (space- or comma-separated) as a frozenset; None for a key without scopes."""
    names = frozenset(part for part in (text or "").replace(",", " ").split() if part)
    return names or None


def format_scopes(scopes):
    """Scopes as stored: space-separated in SCOPES order, None for none."""
    chosen = [scope for scope in SCOPES if scope in set(scopes or ())]
    return " ".join(chosen) or None


def scope_needed(blueprint, method, admin=False):
    """The scope a request needs: admin endpoints ``admin``, OG cards ``og``, reads ``read``, the rest ``generate``."""
    if admin:
        return "admin"
    if blueprint in OG_BLUEPRINTS:
        return "og"
    return "read" if method in READ_METHODS else "generate"


def has_scope(scopes, needed):
    return scopes is None or "admin" in scopes or needed in scopes


def allowlist_refusal(key, provider, model):
    """(field, message) when ``key`` may not use ``provider`` or ``model``; None when it may."""
    if key is None:
        return None
    if key.allowed_providers and provider not in key.allowed_providers:
        return "provider", f"this API key may use the providers {', '.join(key.allowed_providers)}, not {provider!r}"
    if key.allowed_models and model not in key.allowed_models:
        return "model", f"this API key may use the models {', '.join(key.allowed_models)}, not {model!r}"
    return None
