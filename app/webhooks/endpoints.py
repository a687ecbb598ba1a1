"""Who receives what: endpoints registered over the API, and a request's own ``webhook_url``.

Every URL passes the SSRF guard when it is registered and again at each
send (DNS may change its answer): no loopback, private, link-local or
metadata address unless the operator lists the host in
``WEBHOOK_ALLOWED_HOSTS``.
"""

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import WebhookEndpoint
from app.security.ssrf import UnsafeURL, checked_address, is_blocked_address

from .signing import new_secret

# What the document states of an endpoint's URL; check_url also wants a public (or allowed) host.
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\x00]*$"
URL_DESCRIPTION = ("an http(s) URL whose host resolves to public addresses (or one the operator allows in "
                   "WEBHOOK_ALLOWED_HOSTS)")

EVENTS = ("generation.succeeded", "generation.failed", "job.cancelled")
MAX_ENDPOINTS = 20  # per user: each event fans out to all of them
MAX_URL = 2000


class EndpointError(ValueError):
    """A URL or endpoint that cannot be used; ``field`` names the request field."""

    def __init__(self, message, field="url", status=422):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def guard(url, config):
    """The SSRF guard's test for the addresses of ``url``: a host (name or address) the operator lists in
    ``WEBHOOK_ALLOWED_HOSTS`` is let through, every other must be public."""
    allowed = {h.strip().lower() for h in (config.get("WEBHOOK_ALLOWED_HOSTS") or "").split(",") if h.strip()}
    if (urlsplit(url).hostname or "").lower() in allowed:
        return lambda address: False
    return lambda address: address.lower() not in allowed and is_blocked_address(address)


def check_url(url, config, field="url"):
    """Raise EndpointError when ``url`` may not receive webhooks (scheme, host, a non-public address)."""
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise EndpointError(f"a URL of at most {MAX_URL} characters", field)
    try:
        checked_address(url, guard(url, config))
    except UnsafeURL as error:
        raise EndpointError(f"{error} (the operator may allow a host in WEBHOOK_ALLOWED_HOSTS)", field) from error


def register_endpoint(principal, url, events, *, all_users=False, description=None):
    """A new endpoint of ``principal`` for ``events``; ``all_users`` (administrators): everyone's events."""
    if all_users and not principal.is_admin:
        raise EndpointError("only administrators register endpoints for every user's events", "all_users", 403)
    check_url(url, current_app.config)
    count = db.session.scalar(select(db.func.count()).select_from(WebhookEndpoint)
                              .where(WebhookEndpoint.user_id == principal.user_id))
    if count >= MAX_ENDPOINTS:
        raise EndpointError(f"at most {MAX_ENDPOINTS} endpoints per user", "url", 409)
    endpoint = WebhookEndpoint(user_id=principal.user_id, url=url, secret=new_secret(), events=sorted(set(events)),
                               events_key=",".join(sorted(set(events))), all_users=all_users,
                               description=description)
    db.session.add(endpoint)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise EndpointError("an endpoint with this url and events exists already", "url", 409) from error
    return endpoint


def list_endpoints(principal):
    """The caller's endpoints (administrators: every endpoint), newest first."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at.desc())
    if not principal.is_admin:
        query = query.where(WebhookEndpoint.user_id == principal.user_id)
    return db.session.scalars(query.limit(500)).all()


def request_endpoint(user_id, url):
    """The endpoint of a request's ``webhook_url`` (made with its own secret the first time)."""
    found = db.session.scalar(select(WebhookEndpoint).where(
        WebhookEndpoint.user_id == user_id, WebhookEndpoint.url == url, WebhookEndpoint.events_key == ""))
    if found is not None:
        return found
    endpoint = WebhookEndpoint(user_id=user_id, url=url, secret=new_secret(), events=None, events_key="")
    db.session.add(endpoint)
    try:
        db.session.commit()
    except IntegrityError:  # the same URL registered by a concurrent request
        db.session.rollback()
        return request_endpoint(user_id, url)
    return endpoint


def subscribers(event_type, user_id):
    """The active registered endpoints that receive ``event_type`` of ``user_id``'s work."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.is_active, WebhookEndpoint.events_key != "")
    owners = [WebhookEndpoint.all_users]
    if user_id is not None:
        owners.append(WebhookEndpoint.user_id == user_id)
    endpoints = db.session.scalars(query.where(or_(*owners))).all()
    return [e for e in endpoints if event_type in (e.events or [])]
