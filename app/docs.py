"""``GET /docs``: the API reference as a page, rendered on the server from the OpenAPI document.

No CDN script: the page works offline, like the rest of the app.
"""

from flask import Blueprint, current_app, render_template

blp = Blueprint("docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete", "head")


@blp.get("/docs")
def docs_page():
    spec = current_app.extensions["api"].spec.to_dict()
    operations = [
        {"path": path, "method": method.upper(), "op": op}
        for path, item in sorted(spec["paths"].items())
        for method, op in item.items()
        if method in METHODS
    ]
    return render_template("docs.html", spec=spec, operations=operations)
