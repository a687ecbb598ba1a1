"""``GET /ai/jobs`` (the caller's jobs) and ``POST /ai/jobs/<id>/cancel``, on the AI blueprint."""

from flask.views import MethodView

from app.auth import auth_required, current_principal

from . import job_control, service
from .job_schemas import JobListQuerySchema, JobListSchema
from .routes import blp
from .schemas import JobSchema


@blp.route("/jobs")
class Jobs(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(JobListQuerySchema, location="query")
    @blp.response(200, JobListSchema)
    def get(self, query):
        """Your asynchronous jobs, newest first; ``status`` filters, ``cursor`` pages (anonymous callers: none)."""
        jobs, next_cursor = job_control.list_jobs(current_principal(), **query)
        return {"items": [service.job_view(job) for job in jobs], "next_cursor": next_cursor}


@blp.route("/jobs/<uuid:job_id>/cancel")
class CancelJob(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, JobSchema)
    @blp.alt_response(409, description="The job finished, failed, or runs where a call cannot be stopped")
    def post(self, job_id):
        """Cancel a job: a queued one is dequeued and its quota released; a running one is interrupted where
        the provider allows (Automatic1111)."""
        return service.job_view(job_control.cancel_job(current_principal(), job_id))
