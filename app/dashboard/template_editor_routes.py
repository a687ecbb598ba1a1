"""Prompt template pages that change templates (admins): new, edit, compare versions, restore."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.prompts import templates
from app.prompts.syntax import PromptError

from . import template_editor
from .blueprint import admin_only, blp


def _prompt_or_404(prompt_id):
    try:
        return templates.get_prompt(prompt_id)
    except templates.PromptNotFound:
        abort(404, "No such prompt template.")


# Not under /prompts/: a template may be called "new".
@blp.route("/templates/new", methods=["GET", "POST"])
def new_prompt():
    """A new template, at version 1."""
    admin_only()
    form, errors = template_editor.blank_form(), {}
    if request.method == "POST":
        prompt, form, errors = template_editor.save_new(request.form)
        if prompt is not None:
            flash(f"Created {prompt.id} at version 1.")
            return redirect(url_for("dashboard.prompt_page", prompt_id=prompt.id))
    return render_template("dashboard/prompt_form.html", form=form, errors=errors, prompt=None), 400 if errors else 200


@blp.route("/prompts/<prompt_id>/edit", methods=["GET", "POST"])
def edit_prompt(prompt_id):
    """Edit a template; a change to its name, text or negative prompt saves a new version."""
    admin_only()
    prompt = _prompt_or_404(prompt_id)
    form, errors = template_editor.blank_form(prompt), {}
    if request.method == "POST":
        before = prompt.version
        saved, form, errors = template_editor.save_edit(prompt_id, request.form)
        if saved is not None:
            flash(f"Saved as version {saved.version}." if saved.version != before
                  else "Saved; the text did not change, so the version stays.")
            return redirect(url_for("dashboard.prompt_page", prompt_id=prompt_id))
    return render_template("dashboard/prompt_form.html", form=form, errors=errors, prompt=prompt), 400 if errors else 200


@blp.route("/prompts/<prompt_id>/compare")
def compare_prompt_versions(prompt_id):
    """Two versions side by side with a word diff (``old`` and ``new``; default: the previous and the current)."""
    prompt = _prompt_or_404(prompt_id)
    try:
        new = int(request.args.get("new") or prompt.version)
        old = int(request.args.get("old") or max(new - 1, 1))
        data = template_editor.compare_versions(prompt_id, old, new)
    except ValueError:
        abort(400, "old and new must be version numbers.")
    except PromptError as error:
        abort(404, str(error))
    versions = [row.version for row in templates.list_versions(prompt_id)]
    return render_template("dashboard/prompt_compare.html", prompt=prompt, versions=versions, **data)


@blp.route("/prompts/<prompt_id>/versions/<int:version>/restore", methods=["POST"])
def restore_prompt_version(prompt_id, version):
    """Make an old version current again, as a new version with its text."""
    admin_only()
    _prompt_or_404(prompt_id)
    try:
        restored = templates.restore_version(prompt_id, version)
    except PromptError as error:
        abort(404, str(error))
    flash(f"Version {version} restored as version {restored.version}.")
    return redirect(url_for("dashboard.prompt_page", prompt_id=prompt_id))
