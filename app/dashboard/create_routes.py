"""Create: a form that generates images through the same service as ``POST /ai/generate``."""

from flask import abort, g, jsonify, render_template, request

from app.security import client_ip
from app.security.client import request_caller

from . import create
from .blueprint import blp


def _page(attempt=None, status=200):
    choices = create.form_choices(g.principal)
    form = attempt.form if attempt else _prefill(request.args)
    return render_template("dashboard/create.html", form=form, attempt=attempt, choices=choices,
                           quota=create.quota_left(g.principal, client_ip())), status


def _prefill(args):
    """The form from a link ("Generate with this template", "… with this dataset")."""
    typed, _, _ = create.read_form(args)
    return typed


@blp.route("/create", methods=["GET", "POST"])
def create_page():
    """The form; on POST, generate and show the result (or the job's progress, with Redis) on the page."""
    if request.method == "GET":
        return _page()
    attempt = create.generate_from_form(request.form, request_caller(g.principal))
    return _page(attempt, attempt.status)


@blp.route("/create/jobs/<job_id>")
def create_job(job_id):
    """A queued generation's state for the page's poller: status, and the result's HTML once done."""
    state = create.job_state(g.principal, job_id)
    if state is None:
        abort(404, "No such job, or it is not yours.")
    job, result, failure = state
    html = None
    if result or failure:
        html = render_template("dashboard/_create_result.html", result=result, failure=failure)
    return jsonify({"id": str(job.id), "status": job.status, "done": job.status in ("finished", "failed"),
                    "html": html})
