"""Users and keys over HTTP: admins create them; anyone can ask who they are."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.extensions import db
from app.models import User

from . import service
from .decorators import admin_required, auth_required, current_principal
from .schemas import (
    KeyCreateSchema,
    KeySchema,
    NoQuerySchema,
    PrincipalSchema,
    QuotaSchema,
    UsageSchema,
    UserCreateSchema,
    UserSchema,
)

blp = Blueprint("auth", __name__, description="Users and API keys")


@blp.route("/me")
class Me(MethodView):
    @auth_required
    @blp.response(200, PrincipalSchema)
    def get(self):
        """Who the key belongs to."""
        return current_principal()


@blp.route("/users")
class Users(MethodView):
    @admin_required
    @blp.arguments(NoQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """List users (admin)."""
        return db.session.scalars(select(User).order_by(User.created_at)).all()

    @admin_required
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user (admin)."""
        try:
            return service.create_user(**data)
        except service.UserExists as error:
            abort(409, message=str(error), errors={"json": {"username": [str(error)]}})


@blp.route("/users/<uuid:user_id>/keys")
class UserKeys(MethodView):
    @admin_required
    @blp.arguments(KeyCreateSchema)
    @blp.response(201, KeySchema)
    def post(self, data, user_id):
        """Create an API key for a user (admin). The key is in the answer, once."""
        user = db.session.get(User, user_id) or abort(404, message="no such user")
        key, plaintext = service.create_api_key(user, name=data.get("name"), is_admin=data["is_admin"])
        columns = ("id", "name", "prefix", "is_admin", "created_at", "revoked_at")
        return {**{name: getattr(key, name) for name in columns}, "key": plaintext}


@blp.route("/me/usage")
class MyUsage(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, UsageSchema)
    def get(self):
        """Your usage today against your quotas (by key, or by address when anonymous)."""
        from app.security import client_ip
        from app.security.limits import rate_limits_for
        from app.security.quotas import get_quotas, limits_for, quota_identity

        principal = current_principal()
        user = db.session.get(User, principal.user_id) if principal else None
        limits = limits_for(principal, user)
        identity = quota_identity(principal, client_ip())
        usage = get_quotas().usage(identity)
        rpm = user.requests_per_minute if user and user.requests_per_minute else None
        rate_limits = rate_limits_for(current_app.config, rpm)
        return {
            "identity": identity,
            "generations_today": usage["generations"],
            "generation_limit": limits.generations,
            "cost_today_usd": usage["cost_usd"],
            "cost_limit_usd": limits.cost_usd,
            "resets_in_seconds": usage["resets_in"],
            "rate_limit": rate_limits["default"],
            "rate_limits": rate_limits,
        }


@blp.route("/users/<uuid:user_id>/quota")
class UserQuota(MethodView):
    @admin_required
    @blp.arguments(QuotaSchema)
    @blp.response(200, QuotaSchema)
    def put(self, data, user_id):
        """Set a user's quotas (admin); null restores the configured default."""
        user = db.session.get(User, user_id) or abort(404, message="no such user")
        for name in ("daily_generation_limit", "daily_cost_limit_usd", "requests_per_minute"):
            if name in data:
                setattr(user, name, data[name])
        db.session.commit()
        return user
