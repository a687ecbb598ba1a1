"""Users and keys over HTTP: admins create them; anyone can ask who they are."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.extensions import db
from app.governance.limits import (
    KEY_FIELDS,
    LimitsInvalid,
    check_key_limits,
    limits_view,
    set_key_limits,
    set_user_budget,
)
from app.governance.schemas import BudgetSchema, KeyLimitsSchema
from app.models import ApiKey, User
from app.security import client_ip
from app.security.quotas import usage_today

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
    UserPatchSchema,
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
        return service.list_users()

    @admin_required
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user (admin)."""
        try:
            return service.create_user(**data)
        except service.UserExists as error:
            abort(409, message=str(error), errors={"json": {"username": [str(error)]}})


def _user_or_404(user_id):
    return db.session.get(User, user_id) or abort(404, message="no such user")


@blp.route("/users/<uuid:user_id>")
class UserItem(MethodView):
    @admin_required
    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        """Disable (is_active false) or enable a user (admin); a disabled user's keys are refused at once."""
        try:
            return service.set_user_active(_user_or_404(user_id), data["is_active"], acting=current_principal())
        except service.SelfLockout as error:
            abort(422, message=str(error), errors={"json": {"is_active": [str(error)]}})


@blp.route("/users/<uuid:user_id>/keys")
class UserKeys(MethodView):
    @admin_required
    @blp.response(200, KeySchema(many=True))
    def get(self, user_id):
        """A user's keys, newest first, with when each was last used (admin). Never the keys themselves."""
        return [service.key_view(key, user) for key, user in service.list_keys(_user_or_404(user_id))]

    @admin_required
    @blp.arguments(KeyCreateSchema)
    @blp.response(201, KeySchema)
    def post(self, data, user_id):
        """Create an API key for a user (admin). The key is in the answer, once."""
        user = _user_or_404(user_id)
        limits = {name: data[name] for name in KEY_FIELDS if name in data}
        _limits_or_422(check_key_limits, limits)
        key, plaintext = service.create_api_key(user, name=data.get("name"), is_admin=data["is_admin"])
        set_key_limits(key, limits)
        return {**service.key_view(key, user), "key": plaintext}


def _limits_or_422(check, *args):
    try:
        return check(*args)
    except LimitsInvalid as error:
        abort(422, message=str(error), errors={"json": {error.field: [error.message]}})


@blp.route("/users/<uuid:user_id>/keys/<uuid:key_id>")
class UserKeyItem(MethodView):
    @admin_required
    @blp.arguments(KeyLimitsSchema)
    @blp.response(200, KeySchema)
    def patch(self, data, user_id, key_id):
        """Change a key's budget, period, expiry, scopes or allowed models and providers (admin); null clears."""
        user = _user_or_404(user_id)
        key = db.session.get(ApiKey, key_id)
        if key is None or key.user_id != user.id:
            abort(404, message="no such key")
        return service.key_view(_limits_or_422(set_key_limits, key, data), user)


@blp.route("/users/<uuid:user_id>/budget")
class UserBudget(MethodView):
    @admin_required
    @blp.arguments(BudgetSchema)
    @blp.response(200, BudgetSchema)
    def put(self, data, user_id):
        """Set a user's budget over all their keys (admin); null removes a limit."""
        return limits_view(_limits_or_422(set_user_budget, _user_or_404(user_id), data))


@blp.route("/me/usage")
class MyUsage(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, UsageSchema)
    def get(self):
        """Your usage today against your quotas (by key, or by address when anonymous)."""
        return usage_today(current_principal(), client_ip())


@blp.route("/users/<uuid:user_id>/quota")
class UserQuota(MethodView):
    @admin_required
    @blp.arguments(QuotaSchema)
    @blp.response(200, QuotaSchema)
    def put(self, data, user_id):
        """Set a user's quotas (admin); null restores the configured default."""
        return service.set_user_quotas(_user_or_404(user_id), data)
