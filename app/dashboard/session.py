"""Signing in with an API key: the session cookie holds a ``dashboard_sessions`` row's random id.

The row names the key (re-checked on every request) and when the sign-in
ends; signing out deletes it, so a copy of the cookie stops working too.
"""

import uuid
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import delete

from app.auth.service import KeyExpired, authenticate, principal_for_key_id
from app.extensions import db
from app.models import DashboardSession
from app.models.types import utcnow

SESSION_KEY = "dashboard_session_id"
_UNSET = object()


def sign_in(token):
    """Check an API key; on success start a fresh server-side session. Returns the Principal or None."""
    try:
        principal = authenticate((token or "").strip())
    except KeyExpired:
        return None
    if principal is None:
        return None
    now = utcnow()
    db.session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    row = DashboardSession(key_id=principal.key_id, created_at=now,
                           expires_at=now + timedelta(hours=current_app.config["DASHBOARD_SESSION_HOURS"]))
    db.session.add(row)
    db.session.commit()
    session.clear()  # no fixation: whatever the cookie held before is dropped
    session.permanent = True
    session[SESSION_KEY] = str(row.id)
    return principal


def sign_out():
    """End the session on the server and forget the cookie (the key itself stays valid)."""
    row = _session_row()
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    session.clear()


def _session_row():
    try:
        session_id = uuid.UUID(str(session.get(SESSION_KEY)))
    except ValueError:
        return None
    row = db.session.get(DashboardSession, session_id)
    return row if row is not None and row.expires_at > utcnow() else None


def session_principal():
    """The signed-in Principal, or None; a revoked key or a disabled user ends the session."""
    cached = g.get("_dashboard_principal", _UNSET)
    if cached is not _UNSET:
        return cached
    row = _session_row() if SESSION_KEY in session else None
    principal = principal_for_key_id(str(row.key_id)) if row is not None else None
    if principal is None and SESSION_KEY in session:
        session.clear()  # signed out elsewhere, expired, or the key was revoked
    g._dashboard_principal = principal
    return principal


def safe_next(target, default):
    """``target`` if it is a path inside the dashboard (no open redirect), else ``default``."""
    if (target and target.startswith("/dashboard") and not target.startswith("//") and "\\" not in target
            and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)):  # CR/LF would split the header
        return target
    return default
