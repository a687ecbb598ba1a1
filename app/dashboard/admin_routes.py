"""Admin pages: users (create, disable/enable, quotas), keys (create — shown once —, limits, revoke), settings."""

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.auth import service
from app.governance.access import SCOPES
from app.governance.periods import PERIODS
from app.governance.usage import budgets_in_use
from app.spend.cli import describe

from . import admin
from .blueprint import admin_only, blp


@blp.before_request
def admins_only():
    """Every /dashboard/admin page needs an admin key (checked after the session)."""
    if request.endpoint and request.endpoint.startswith("dashboard.admin_") and g.get("principal"):
        admin_only()


def _user_or_404(user_id):
    user = service.find_user(str(user_id))
    if user is None:
        abort(404, "No such user.")
    return user


def _users_page(form=None, errors=None, quota_errors=None, status=200):
    return render_template("dashboard/admin_users.html", rows=admin.users_with_keys(),
                           form=form or {"username": "", "email": "", "is_admin": False}, errors=errors or {},
                           quota_errors=quota_errors or {}, quota_fields=admin.QUOTA_FIELDS), status


@blp.route("/admin/users", methods=["GET", "POST"])
def admin_users():
    """Every user with their state and quotas, and a form to create one."""
    if request.method == "GET":
        return _users_page()
    user, form, errors = admin.create_user_from_form(request.form)
    if user is None:
        return _users_page(form, errors, status=400)
    flash(f"Created {user.username}. Give them a key below.")
    return redirect(url_for("dashboard.admin_keys", user=user.username))


@blp.route("/admin/users/<uuid:user_id>/active", methods=["POST"])
def admin_user_active(user_id):
    """Disable (active=0) or enable (active=1) a user; their keys stop or start working at once."""
    user = _user_or_404(user_id)
    is_active = request.form.get("active") == "1"
    try:
        service.set_user_active(user, is_active, acting=g.principal)
    except service.SelfLockout as error:
        flash(f"Not disabled: {error}.", "error")
    else:
        flash(f"{user.username} is {'enabled' if is_active else 'disabled: their keys are refused from now on'}.")
    return redirect(url_for("dashboard.admin_users"))


@blp.route("/admin/users/<uuid:user_id>/quota", methods=["POST"])
def admin_user_quota(user_id):
    """Set a user's daily quotas and rate limit (blank: the configured default)."""
    user = _user_or_404(user_id)
    errors = admin.set_quotas_from_form(user, request.form)
    if errors:
        return _users_page(quota_errors={"user_id": user.id, **errors}, status=400)
    flash(f"Quotas of {user.username} saved.")
    return redirect(url_for("dashboard.admin_users"))


def _keys_page(created=None, errors=None, form=None, status=200):
    return render_template("dashboard/admin_keys.html", rows=service.list_keys(), users=service.list_users(),
                           created=created, errors=errors or {}, describe=describe, periods=PERIODS, scopes=SCOPES,
                           usage={b["id"]: b for b in budgets_in_use() if b["owner"] == "key"},
                           form=form or {"user": request.args.get("user", ""), "name": "", "is_admin": False}), status


@blp.route("/admin/keys", methods=["GET", "POST"])
def admin_keys():
    """Every key with its last use; create one (its secret is on this page once, never again)."""
    if request.method == "GET":
        return _keys_page()
    form = {"user": (request.form.get("user") or "").strip(), "name": (request.form.get("name") or "").strip(),
            "is_admin": request.form.get("is_admin") == "on"}
    errors = {}
    user = service.find_user(form["user"]) if form["user"] else None
    if user is None:
        errors["user"] = "choose the user the key is for"
    if len(form["name"]) > 100:
        errors["name"] = "at most 100 characters"
    if errors:
        return _keys_page(errors=errors, form=form, status=400)
    key, plaintext = service.create_api_key(user, name=form["name"] or None, is_admin=form["is_admin"])
    return _keys_page(created={"key": key, "user": user, "secret": plaintext}, status=201)


@blp.route("/admin/keys/<uuid:key_id>/revoke", methods=["POST"])
def admin_revoke_key(key_id):
    """Revoke a key; requests with it are refused from now on (a session with it ends)."""
    key = service.revoke_api_key(str(key_id))
    if key is None:
        abort(404, "No such key.")
    flash(f"Revoked {key.prefix}." + (" That was the key you are signed in with." if key.id == g.principal.key_id else ""))
    return redirect(url_for("dashboard.admin_keys"))


@blp.route("/admin/keys/<uuid:key_id>/limits", methods=["POST"])
def admin_key_limits(key_id):
    """Set a key's budget, period, expiry, scopes and allowed models and providers (blank = none)."""
    key = service.find_key(str(key_id))
    if key is None:
        abort(404, "No such key.")
    errors = admin.set_key_limits_from_form(key, request.form)
    if errors:
        return _keys_page(errors={f"limits-{key.id}": "; ".join(f"{k}: {v}" for k, v in errors.items())}, status=400)
    flash(f"Limits of {key.prefix} saved.")
    return redirect(url_for("dashboard.admin_keys"))


@blp.route("/admin/settings")
def admin_settings():
    """The settings that matter at a glance, read-only: providers, storage, tracking, limits."""
    return render_template("dashboard/admin_settings.html", **admin.settings_glance())
