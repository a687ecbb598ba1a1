"""``GET /healthz``: the database, Redis and storage, each with its state."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from app.extensions import db
from app.redis_client import get_redis
from app.storage import get_storage

blp = Blueprint("health", __name__, description="Service health")


class ComponentSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok, error, not configured or warning"})
    detail = fields.String()


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok or degraded or down"})
    database = fields.Nested(ComponentSchema, required=True)
    redis = fields.Nested(ComponentSchema, required=True)
    storage = fields.Nested(ComponentSchema, required=True)


def check_database():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return {"status": "ok", "detail": db.engine.dialect.name}
    except Exception as error:  # any failure means "down", and we say why
        db.session.rollback()
        return {"status": "error", "detail": str(error).splitlines()[0][:200]}


def check_redis():
    client = get_redis()
    if client is None:
        return {"status": "not configured"}
    try:
        client.ping()
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except Exception as error:
        return {"status": "error", "detail": str(error)[:200]}
    if policy and policy != "noeviction":
        return {"status": "warning", "detail": f"maxmemory-policy is {policy}; set noeviction so queued events are never evicted"}
    return {"status": "ok"}


def check_storage():
    try:
        get_storage().check()
        return {"status": "ok"}
    except Exception as error:
        return {"status": "error", "detail": str(error)[:200]}


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    def get(self):
        """State of the database, Redis and storage; 503 when the database is down."""
        report = {"database": check_database(), "redis": check_redis(), "storage": check_storage()}
        if report["database"]["status"] != "ok":
            return {"status": "down", **report}, 503
        degraded = any(report[name]["status"] in ("error", "warning") for name in ("redis", "storage"))
        return {"status": "degraded" if degraded else "ok", **report}
