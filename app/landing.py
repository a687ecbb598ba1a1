"""``GET /``: where the address ``manage.py serve`` prints leads — the way in, never a 404.

A browser gets a short page with links; an API client gets the same links as JSON.
"""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

blp = Blueprint("landing", __name__)


def entry_points():
    """Name → (path, what a newcomer finds there)."""
    return {
        "dashboard": (url_for("dashboard.login"), "the dashboard: sign in with an API key"),
        "docs": (url_for("docs.docs_page"), "the HTTP API reference"),
        "openapi": (url_for("api-docs.openapi_json"), "the OpenAPI document"),
        "openai": (url_for("openai.Models"), "the OpenAI-compatible API (the SDKs' base_url is /v1)"),
        "og_card": (url_for("og.card_by_path", seed="hello", ext="png", quote="Hello from Imprint"),
                    "an Open Graph card (no key needed)"),
        "health": (url_for("health.Health"), "liveness and readiness"),
    }


@blp.get("/")
def landing():
    links = entry_points()
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return render_template("landing.html", links=links)
    return jsonify(name="Imprint", links={name: path for name, (path, _) in links.items()})


@blp.get("/favicon.ico")
def favicon():
    """The dashboard's logo; browsers ask for it on every page, the API docs included."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)
