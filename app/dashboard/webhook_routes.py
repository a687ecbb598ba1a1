"""The Webhooks page: the caller's endpoints and the deliveries of their events (administrators: everyone's)."""

from flask import g, render_template, request

from app.history.cursor import decode_cursor
from app.webhooks.endpoints import list_endpoints
from app.webhooks.service import list_deliveries

from .blueprint import blp

STATUSES = ("pending", "delivered", "failed")


@blp.route("/webhooks")
def webhooks_page():
    """Endpoints, and deliveries newest first (status filter, next page by cursor)."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    try:
        cursor = decode_cursor(request.args["cursor"]) if request.args.get("cursor") else None
    except ValueError:
        cursor = None
    deliveries, next_cursor = list_deliveries(g.principal, status=status, limit=50, cursor=cursor)
    return render_template("dashboard/webhooks.html", endpoints=list_endpoints(g.principal), deliveries=deliveries,
                           status=status, statuses=STATUSES, next_cursor=next_cursor)
