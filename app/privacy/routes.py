"""``DELETE /users/<id>/data``: a user's data removed, by an admin or the user themself."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal
from app.extensions import db
from app.models import User
from app.storage import get_storage

from . import service as privacy
from .schemas import DeletionSchema

users_blp = Blueprint("user_data", __name__, url_prefix="/users", description="GDPR: a user's data")


@users_blp.route("/<uuid:user_id>/data")
class UserData(MethodView):
    @auth_required
    @users_blp.response(200, DeletionSchema)
    @users_blp.alt_response(403, description="Neither an admin nor the user themself")
    def delete(self, user_id):
        """Delete a user's images, datasets, posts, favorites, usages, logs and jobs, with the files and thumbnails
        no other row uses (GDPR); the answer counts what went. Idempotent."""
        principal = current_principal()
        if not (principal.is_admin or principal.user_id == user_id):
            abort(403, message="only an admin or the user themself may delete this data")
        if db.session.get(User, user_id) is None:
            abort(404, message="no such user")
        counts = privacy.delete_user_data(user_id, get_storage(current_app), current_app._get_current_object())
        return {"user_id": user_id, "deleted": counts}
