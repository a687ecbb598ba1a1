"""Users and keys over HTTP: admins create them; anyone can ask who they are."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.extensions import db
from app.models import User

from . import service
from .decorators import admin_required, auth_required, current_principal
from .schemas import KeyCreateSchema, KeySchema, PrincipalSchema, UserCreateSchema, UserSchema

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
