"""Reading deliveries, for the API and the dashboard."""

from app.history.search import page_rows
from app.models import WebhookDelivery


def list_deliveries(principal, status=None, limit=50, cursor=None):
    """The deliveries of ``principal``'s events (administrators: all), newest first; (rows, next cursor)."""
    conditions = [] if principal.is_admin else [WebhookDelivery.user_id == principal.user_id]
    if status:
        conditions.append(WebhookDelivery.status == status)
    return page_rows(WebhookDelivery, conditions, limit, 0, cursor)
