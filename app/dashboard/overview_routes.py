"""/dashboard: sign-in, overview, failed generations, analytics and exports; the error pages.

The blueprint and its session and CSRF checks are in ``blueprint``; the other
pages' views are in the ``*_routes`` modules beside this one.
"""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.analytics import exports
from app.analytics.schemas import EXPORT_KINDS

from . import overview
from .blueprint import admin_only, blp
from .charts import bar_chart, line_chart, milliseconds, percent, usd
from .gallery import relative_time
from .session import safe_next, session_principal, sign_in, sign_out

EXPORT_FORMATS = ("csv", "json", "jsonl")


@blp.context_processor
def page_context():
    return {"principal": g.get("principal"), "bar_chart": bar_chart, "line_chart": line_chart,
            "as_percent": percent, "as_usd": usd, "as_ms": milliseconds, "relative_time": relative_time}


@blp.errorhandler(CSRFError)
def csrf_refused(error):
    return _error_page(400, "The form could not be checked", f"{error.description} Reload the page and try again.")


@blp.errorhandler(HTTPException)
def http_error(error):
    if error.code == 413:  # refused before a view could say which field: say the limit
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return _error_page(413, "Too large", f"A form may send at most {limit:,} bytes at once "
                                             "(MAX_CONTENT_LENGTH). Send fewer or smaller files.")
    return _error_page(error.code, error.name, error.description)


def _error_page(status, title, message):
    return render_template("dashboard/error.html", status=status, title=title, message=message), status


@blp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form: an API key in, a session cookie out."""
    target = safe_next(request.values.get("next"), url_for("dashboard.overview_page"))
    if request.method == "POST":
        if sign_in(request.form.get("api_key")) is not None:
            return redirect(target)
        return render_template("dashboard/login.html", next=target,
                               error="That key is unknown or revoked."), 401
    if session_principal() is not None:
        return redirect(target)
    return render_template("dashboard/login.html", next=target, error=None)


@blp.route("/logout", methods=["POST"])
def logout():
    sign_out()
    flash("Signed out.")
    return redirect(url_for("dashboard.login"))


@blp.route("/")
def overview_page():
    """Admins: generations, success rate, cost, OG renders, alerts, pipeline. Users: their own images."""
    if g.principal.is_admin:
        data = overview.admin_overview(current_app._get_current_object(), overview.resolve_window(request.args))
        return render_template("dashboard/overview.html", windows=overview.WINDOWS, **data)
    return render_template("dashboard/overview_user.html", **overview.user_overview(g.principal.user_id))


@blp.route("/failed")
def failed():
    """Failed generations: errors grouped by message, and the latest failed records."""
    data = overview.failed_page(g.principal, overview.resolve_window(request.args))
    return render_template("dashboard/failed.html", windows=overview.WINDOWS, **data)


@blp.route("/analytics")
def analytics():
    """The BI queries as charts and tables over a chosen window (admins)."""
    admin_only()
    data = overview.analytics_page(overview.resolve_window(request.args))
    return render_template("dashboard/analytics.html", windows=overview.WINDOWS, export_kinds=EXPORT_KINDS,
                           **data)


@blp.route("/<path:unknown>", methods=["GET", "POST"])
def not_found(unknown):
    """Any other /dashboard URL: the dashboard's own 404 page, not the API's JSON."""
    abort(404, "There is no dashboard page at this address.")


@blp.route("/exports/<kind>.<fmt>")
def export(kind, fmt):
    """The /analytics/exports stream, for a signed-in admin (a browser sends no bearer header)."""
    admin_only()
    if kind not in EXPORT_KINDS or fmt not in EXPORT_FORMATS:
        abort(404, f"No export {kind}.{fmt}.")
    window = overview.resolve_window(request.args)
    since, until = window.since, window.until
    body = stream_with_context(exports.stream_export(kind, fmt, since, until))
    name = f"{kind}-{since:%Y%m%dT%H%M}-{until:%Y%m%dT%H%M}.{fmt}"
    return Response(body, content_type=exports.CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
