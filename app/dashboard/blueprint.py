"""The dashboard's one blueprint: the session and CSRF check before every page, no shared caching.

Route modules import ``blp`` from here and hang their views on it; this module imports none of them
(``app.dashboard.init_app`` does, before registering the blueprint).
"""

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect

from app.ai.catalog import tool_label

from .session import session_principal

csrf = CSRFProtect()

blp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates",
                static_folder="static")

OPEN_ENDPOINTS = ("dashboard.login", "dashboard.static")
blp.add_app_template_filter(tool_label, "tool_label")


@blp.before_request
def require_session():
    """CSRF on every POST (login included); a signed-in, unrevoked key on every page but the login."""
    if request.endpoint == "dashboard.static":
        return None
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    g.principal = session_principal()
    if g.principal is None:
        return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
    return None


@blp.after_request
def no_store(response):
    """Pages show personal data: never kept by shared caches (thumbnails set their own headers)."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Cookie")
    return response


def admin_only():
    if not g.principal.is_admin:
        abort(403, "This page needs an admin key.")
