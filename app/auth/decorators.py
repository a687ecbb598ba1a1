"""Who is calling, resolved once per request from ``Authorization: Bearer``."""

from copy import deepcopy
from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort
from flask_smorest.utils import deepupdate

from app.governance.access import has_scope, scope_needed
from app.observability import context

from .service import KeyExpired, authenticate

_UNSET = object()
UNAUTHORIZED = {"description": "No API key, or a wrong or revoked one"}
FORBIDDEN = {"description": "The key is not an admin's, or lacks the scope"}


def current_principal():
    """The request's Principal, or None for an anonymous caller.

    A header that is present but wrong is a 401 here, not anonymity: a client
    with a typo in its key must learn it, not silently lose its history.
    """
    cached = g.get("_principal", _UNSET)
    if cached is not _UNSET:
        return cached
    header = request.headers.get("Authorization", "")
    principal = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, message="Authorization must be 'Bearer <api key>'")
        try:
            principal = authenticate(token.strip())
        except KeyExpired as expired:
            abort(401, message=str(expired))
        if principal is None:
            abort(401, message="invalid or revoked API key")
        _check_scope(principal, scope_needed(request.blueprint, request.method))
    g._principal = principal
    if principal is not None:
        context.update(user_id=str(principal.user_id))  # log lines name the caller from here on
    return principal


def _check_scope(principal, needed):
    if not has_scope(principal.scopes, needed):
        scopes = " ".join(sorted(principal.scopes))
        abort(403, message=f"this API key's scopes ({scopes}) do not include {needed!r}")


def auth_required(view=None, *, admin=False, allow_anonymous=False):
    """Require a key (or an admin key); ``allow_anonymous`` defers to the setting."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                if not (allow_anonymous and current_app.config["ALLOW_ANONYMOUS"]):
                    abort(401, message="an API key is required (Authorization: Bearer <key>)")
            elif admin and not principal.is_admin:
                abort(403, message="this endpoint needs an admin key")
            elif admin:
                _check_scope(principal, "admin")
            return fn(*args, **kwargs)

        _document(wrapper, admin, allow_anonymous)
        return wrapper

    return decorate(view) if view else decorate


def _document(view, admin, allow_anonymous):
    """What the OpenAPI document says of the view: the key it needs and the 401/403 it may answer."""
    doc = {"responses": {401: UNAUTHORIZED, **({403: FORBIDDEN} if admin else {})}}
    if not allow_anonymous:
        doc["security"] = [{"bearerAuth": []}]
    view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    view._apidoc["manual_doc"] = deepupdate(view._apidoc.get("manual_doc", {}), doc)


def admin_required(view):
    return auth_required(view, admin=True)
