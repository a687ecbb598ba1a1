"""Signing in with an API key: the session cookie holds the key's id, re-checked on every request."""

from flask import g, session

from app.auth.service import authenticate, principal_for_key_id

SESSION_KEY = "dashboard_key_id"
_UNSET = object()


def sign_in(token):
    """Check an API key; on success start a fresh session holding its id. Returns the Principal or None."""
    principal = authenticate((token or "").strip())
    if principal is None:
        return None
    session.clear()  # no fixation: whatever the cookie held before is dropped
    session.permanent = True
    session[SESSION_KEY] = str(principal.key_id)
    return principal


def sign_out():
    """Forget the session (the key itself stays valid)."""
    session.clear()


def session_principal():
    """The signed-in Principal, or None; a revoked key or a disabled user ends the session."""
    cached = g.get("_dashboard_principal", _UNSET)
    if cached is not _UNSET:
        return cached
    key_id = session.get(SESSION_KEY)
    principal = principal_for_key_id(key_id) if key_id else None
    if key_id and principal is None:
        session.clear()
    g._dashboard_principal = principal
    return principal


def safe_next(target, default):
    """``target`` if it is a path inside the dashboard (no open redirect), else ``default``."""
    if target and target.startswith("/dashboard") and not target.startswith("//") and "\\" not in target:
        return target
    return default
