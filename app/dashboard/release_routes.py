"""Releases in the dashboard: move a template's labels (admins), run and view side-by-side
comparisons, rate an image. The same services as the API do the work."""

import re

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.ai.errors import RequestError
from app.comparisons import service as compare
from app.prompts import labels, ratings
from app.prompts.release_schemas import MAX_ARMS, MAX_SEEDS
from app.prompts.syntax import PromptError
from app.prompts.templates import MAX_VERSION, PromptNotFound, get_prompt
from app.security.client import request_caller

from .blueprint import admin_only, blp
from .session import safe_next

VARIABLE_PREFIX = "var."


def _back(prompt_id):
    return redirect(url_for("dashboard.prompt_page", prompt_id=prompt_id) + "#releases")


def _number(text, low, high):
    text = (text or "").strip()
    return int(text) if text.isdigit() and low <= int(text) <= high else None


@blp.route("/prompts/<prompt_id>/labels", methods=["POST"])
def move_prompt_label(prompt_id):
    """Point a label at a version, or remove it (admins); recorded like a move over the API."""
    admin_only()
    label = (request.form.get("label") or "").strip()
    try:
        if request.form.get("remove"):
            labels.remove_label(prompt_id, label, g.principal)
            flash(f"Label {label} removed.")
        else:
            version = _number(request.form.get("version"), 1, MAX_VERSION)
            if version is None:
                flash("Choose a version for the label.", "error")
                return _back(prompt_id)
            move = labels.move_label(prompt_id, label, version, g.principal)
            flash(f"Label {label} now names version {move.to_version}.")
    except PromptNotFound:
        abort(404, "No such prompt template.")
    except PromptError as error:
        flash(str(error), "error")
    return _back(prompt_id)


@blp.route("/prompts/<prompt_id>/comparisons", methods=["POST"])
def start_prompt_comparison(prompt_id):
    """Run the chosen versions through the same variables and seeds, then show the grid."""
    form = request.form
    arms = [{"version": version} for version in
            (_number(text, 1, MAX_VERSION) for text in form.getlist("version")) if version is not None]
    seeds = [int(text) for text in re.split(r"[\s,]+", form.get("seeds") or "") if text.isdigit()]
    variables = {key[len(VARIABLE_PREFIX):]: value.strip() for key, value in form.items()
                 if key.startswith(VARIABLE_PREFIX) and value.strip()}
    if not 2 <= len(arms) <= MAX_ARMS or not 1 <= len(seeds) <= MAX_SEEDS or len(set(seeds)) != len(seeds):
        flash(f"Choose 2 to {MAX_ARMS} versions and 1 to {MAX_SEEDS} different seeds (numbers).", "error")
        return _back(prompt_id)
    try:
        comparison, _queued = compare.start_comparison(prompt_id, request_caller(g.principal), arms=arms,
                                                       seeds=[seed % 2**32 for seed in seeds], variables=variables,
                                                       size=form.get("size") or "512x512")
    except PromptNotFound:
        abort(404, "No such prompt template.")
    except (PromptError, RequestError) as error:
        flash(getattr(error, "message", None) or str(error), "error")
        return _back(prompt_id)
    return redirect(url_for("dashboard.prompt_comparison_page", prompt_id=prompt_id, comparison_id=comparison.id))


@blp.route("/prompts/<prompt_id>/comparisons/<uuid:comparison_id>")
def prompt_comparison_page(prompt_id, comparison_id):
    """A comparison as a grid: a row per seed, a column per arm, each with its cost, time and rating."""
    try:
        prompt = get_prompt(prompt_id)
        view = compare.comparison_view(compare.find_comparison(g.principal, prompt_id, comparison_id))
    except (PromptNotFound, compare.ComparisonNotFound):
        abort(404, "No such comparison, or it is not yours.")
    grid = {(cell["arm"], cell["seed"]): cell for cell in view["cells"]}
    return render_template("dashboard/prompt_comparison.html", prompt=prompt, view=view, grid=grid)


@blp.route("/images/<uuid:image_id>/rating", methods=["POST"])
def rate_image(image_id):
    """Rate an image (a score or a thumb, and a comment), or take the rating back; then back to the image."""
    form = request.form
    try:
        if form.get("remove"):
            ratings.remove_rating(g.principal, image_id)
            flash("Rating removed.")
        else:
            thumb = form.get("thumb") if form.get("thumb") in ("up", "down") else None
            score = None if thumb else _number(form.get("score"), 1, 5)  # a thumb button wins over the select
            if score is None and thumb is None:
                flash("Give a score from 1 to 5, or a thumb up or down.", "error")
            else:
                ratings.rate_image(g.principal, image_id, score=score, thumb=thumb,
                                   comment=(form.get("comment") or "").strip()[:2000] or None)
                flash("Thanks: your rating is saved.")
    except ratings.ImageNotRatable:
        abort(404, "No such image, or it is not yours.")
    return redirect(safe_next(form.get("next"), url_for("dashboard.image_page", image_id=image_id)))


def rating_panel(principal, record):
    """The image page's rating: figures, the caller's own rating and comments; None for a failed image."""
    return ratings.image_ratings(principal, record.id, limit=20) if record.status == "success" else None
