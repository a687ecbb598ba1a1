"""``/webhooks``: register endpoints, list them with their secrets, list deliveries."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal

from . import endpoints, service
from .schemas import (
    DeliveryListSchema,
    DeliveryQuerySchema,
    EndpointCreateSchema,
    EndpointListSchema,
    EndpointSchema,
)

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks", description="Webhook endpoints and deliveries")


@blp.route("/endpoints")
class Endpoints(MethodView):
    @auth_required()
    @blp.response(200, EndpointListSchema)
    def get(self):
        """Your endpoints with their secrets (administrators: every endpoint)."""
        return {"items": endpoints.list_endpoints(current_principal())}

    @auth_required()
    @blp.arguments(EndpointCreateSchema)
    @blp.response(201, EndpointSchema)
    def post(self, fields):
        """Register an endpoint for events; ``all_users`` (administrators) receives everyone's."""
        try:
            return endpoints.register_endpoint(current_principal(), fields["url"], fields["events"],
                                               all_users=fields["all_users"], description=fields.get("description"))
        except endpoints.EndpointError as error:
            abort(error.status, message=error.message, errors={"json": {error.field: [error.message]}})


@blp.route("/deliveries")
class Deliveries(MethodView):
    @auth_required()
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliveryListSchema)
    def get(self, query):
        """Deliveries of your events, newest first: attempts, status, the receiver's last answer and its time."""
        items, next_cursor = service.list_deliveries(current_principal(), **query)
        return {"items": items, "next_cursor": next_cursor}
