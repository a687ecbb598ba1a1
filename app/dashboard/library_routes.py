"""Prompts pages: the template library, favorites, one template's statistics per scene and version, try it.

The pages that change templates are in ``template_editor_routes``.
"""

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.prompts.templates import PromptNotFound

from . import library
from .blueprint import blp
from .session import safe_next
from .template_editor import try_template


@blp.route("/prompts")
def prompts_page():
    """The library with usage, success rate and average time; the caller's favorites first."""
    return render_template("dashboard/prompts.html", rows=library.library(g.principal),
                           top=library.top_used(), favorites=library.user_favorites(g.principal.user_id))


@blp.route("/prompts/<prompt_id>")
def prompt_page(prompt_id):
    """One template: its text, variables, statistics overall, per scene and per version."""
    try:
        data = library.template_detail(g.principal, prompt_id)
    except PromptNotFound:
        abort(404, "No such prompt template.")
    values, text, negative, error = try_template(data["prompt"], request.args)
    generate_url = url_for("dashboard.create_page", prompt_id=prompt_id,
                           **{f"var.{name}": value for name, value in values.items() if value and name != "prompt"},
                           **({"prompt": values["prompt"]} if values.get("prompt") else {}))
    tried = {"values": values, "text": text, "negative": negative, "error": error, "generate_url": generate_url}
    return render_template("dashboard/prompt.html", tried=tried, **data), 400 if error else 200


@blp.route("/prompts/<prompt_id>/favorite", methods=["POST"])
def toggle_favorite(prompt_id):
    """Add (favorite=1) or remove (favorite=0) a favorite, then go back where the form was."""
    favorite = request.form.get("favorite") == "1"
    try:
        library.set_favorite(g.principal.user_id, prompt_id, favorite)
    except PromptNotFound:
        abort(404, "No such prompt template.")
    flash("Added to your favorites." if favorite else "Removed from your favorites.")
    return redirect(safe_next(request.form.get("next"), url_for("dashboard.prompts_page")))
