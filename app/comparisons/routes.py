"""Comparisons over HTTP: start one, list a template's, read one as a grid. They belong to the
caller's key (admins see every comparison)."""

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.ai.errors import RequestError
from app.auth import auth_required, current_principal
from app.prompts.release_routes import release_errors
from app.prompts.release_schemas import CompareSchema, ComparisonListArgs, ComparisonSchema
from app.security.client import request_caller

from . import service

blp = Blueprint("prompt_comparisons", __name__,
                description="Prompt comparisons: the same variables and seeds through two or more versions")


@contextmanager
def comparison_errors():
    """The releases' errors, a comparison not found, and the pipeline's refusals of a cell."""
    try:
        with release_errors():
            yield
    except service.ComparisonNotFound as error:
        abort(404, message=str(error))
    except RequestError as error:
        field = {error.field: [error.message]} if error.field else None
        abort(error.status, message=error.message, errors={"json": field} if field else None)


@blp.route("/prompts/<prompt_id:prompt_id>/compare")
class Compare(MethodView):
    @auth_required
    @blp.arguments(CompareSchema)
    @blp.response(201, ComparisonSchema)
    @blp.alt_response(202, schema=ComparisonSchema, description="queued: poll its comparison")
    def post(self, data, prompt_id):
        """Run the same variables and seeds through two or more versions (or models): one comparison."""
        with comparison_errors():
            comparison, queued = service.start_comparison(
                prompt_id, request_caller(current_principal()), arms=data["arms"], seeds=data["seeds"],
                variables=data["variables"], n=data["n"], prompt=data.get("prompt"), size=data.get("size"),
                run_async=data["run_async"])
            body = service.comparison_view(comparison)
        location = {"Location": f"/prompts/{prompt_id}/comparisons/{comparison.id}"}
        return body, 202 if queued else 201, location


@blp.route("/prompts/<prompt_id:prompt_id>/comparisons")
class Comparisons(MethodView):
    @auth_required
    @blp.arguments(ComparisonListArgs, location="query", error_status_code=400)
    @blp.response(200, ComparisonSchema(many=True))
    def get(self, args, prompt_id):
        """The caller's comparisons of a template (an admin's: everyone's), newest first."""
        with comparison_errors():
            found = service.list_comparisons(current_principal(), prompt_id, args["limit"])
            return [service.comparison_view(comparison) for comparison in found]


@blp.route("/prompts/<prompt_id:prompt_id>/comparisons/<uuid:comparison_id>")
class ComparisonItem(MethodView):
    @auth_required
    @blp.response(200, ComparisonSchema)
    def get(self, prompt_id, comparison_id):
        """One comparison as a grid: each cell's image, cost, time and rating, and each arm's totals."""
        with comparison_errors():
            return service.comparison_view(service.find_comparison(current_principal(), prompt_id, comparison_id))
