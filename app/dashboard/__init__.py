"""The dashboard: server-rendered pages over the ledger at /dashboard.

Pages, not API: a plain Flask blueprint (not on the smorest Api, not in the
OpenAPI document), Jinja templates, a small CSS and JS file, SVG charts drawn
on the server. Sign-in is an API key exchanged for a signed session cookie.
"""

from datetime import timedelta


def init_app(app):
    """Session cookie and CSRF settings, then the blueprint."""
    config = app.config
    config["SESSION_COOKIE_NAME"] = "imprint_session"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = config.get("IMPRINT_ENV") == "production"
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["DASHBOARD_SESSION_HOURS"])
    # CSRF is checked by the dashboard's own before_request, never on the JSON API.
    config["WTF_CSRF_CHECK_DEFAULT"] = False
    config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the session
    from . import (  # noqa: F401  (their views hang on blp)
        admin_routes,
        create_routes,
        curation_routes,
        dataset_routes,
        gallery_routes,
        library_routes,
        og_designer_routes,
        overview_routes,
        release_routes,
        template_editor_routes,
        webhook_routes,
    )
    from .blueprint import blp, csrf

    csrf.init_app(app)
    app.register_blueprint(blp)
