"""Prompt template pages' work: the edit form read and saved, two versions compared, a template tried."""

import difflib
import re

from app.prompts import templates
from app.prompts.labels import LATEST
from app.prompts.rendering import render_prompt
from app.prompts.syntax import PromptError, TemplateSyntaxError, template_variables

from .gallery import parse_tags

FIELDS = ("id", "name", "category", "description", "template", "negative_prompt", "tags")
LIMITS = {"id": 100, "name": 200, "category": 100, "description": 4000, "template": 8000, "negative_prompt": 4000,
          "tags": 1500}
TOKENS = re.compile(r"\s+|[^\s]+")


def blank_form(prompt=None):
    """The form's fields, empty or as ``prompt`` holds them."""
    if prompt is None:
        return {name: "" for name in FIELDS} | {"is_active": True}
    return {"id": prompt.id, "name": prompt.name, "category": prompt.category or "",
            "description": prompt.description or "", "template": prompt.template,
            "negative_prompt": prompt.negative_prompt or "", "tags": ", ".join(prompt.tags or []),
            "is_active": prompt.is_active}


def read_form(form, creating):
    """(typed form, values for the service, errors by field)."""
    typed = {name: (form.get(name) or "").strip() for name in FIELDS}
    typed["is_active"] = form.get("is_active") == "on" if not creating else True
    errors = {name: f"at most {limit} characters" for name, limit in LIMITS.items() if len(typed[name]) > limit}
    for name in ("name", "template") + (("id",) if creating else ()):
        if not typed[name]:
            errors.setdefault(name, "is required")
    try:
        tags = parse_tags(typed["tags"])
    except ValueError as error:
        tags, errors["tags"] = [], str(error)
    values = {"name": typed["name"], "template": typed["template"],
              "negative_prompt": typed["negative_prompt"] or None, "category": typed["category"] or None,
              "description": typed["description"] or None, "tags": tags}
    if not creating:
        values["is_active"] = typed["is_active"]
    return typed, values, errors


def _service_errors(error):
    if isinstance(error, TemplateSyntaxError):
        return {error.field: error.problem}
    return {"id": str(error)}


def save_new(form):
    """Create a template from the form: (prompt or None, typed form, errors)."""
    typed, values, errors = read_form(form, creating=True)
    if not errors:
        try:
            templates.check_slug(typed["id"])
        except ValueError as error:
            errors["id"] = str(error)
    if errors:
        return None, typed, errors
    try:
        return templates.create_prompt(typed["id"], **values), typed, {}
    except (TemplateSyntaxError, templates.PromptExists) as error:
        return None, typed, _service_errors(error)


def save_edit(prompt_id, form):
    """Save the form over a template (a new version when its text changed): (prompt or None, typed form, errors)."""
    typed, values, errors = read_form(form, creating=False)
    typed["id"] = prompt_id
    if errors:
        return None, typed, errors
    try:
        return templates.update_prompt(prompt_id, **values), typed, {}
    except (TemplateSyntaxError, templates.PromptExists) as error:
        return None, typed, _service_errors(error)


def diff_segments(old, new):
    """[(kind, text)] for each side of a word diff: kind is equal, removed (left) or added (right)."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(("equal", "".join(a[i1:i2])))
            right.append(("equal", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            right.append(("added", "".join(b[j1:j2])))
    return left, right


def compare_versions(prompt_id, old_version, new_version):
    """Two versions and, per text field, their word diff side by side; PromptError if one is unknown."""
    old = templates.get_version(prompt_id, old_version)
    new = templates.get_version(prompt_id, new_version)
    rows = []
    for name, label in (("name", "Name"), ("template", "Template"), ("negative_prompt", "Negative prompt")):
        left, right = diff_segments(getattr(old, name), getattr(new, name))
        rows.append({"field": name, "label": label, "left": left, "right": right,
                     "changed": getattr(old, name) != getattr(new, name)})
    return {"old": old, "new": new, "rows": rows}


def try_template(prompt, args):
    """Render ``prompt`` with the variables typed in ``args`` (var.<name>): (variables, text, negative, error)."""
    names = template_variables(prompt.template, prompt.negative_prompt)
    values = {name: (args.get(f"var.{name}") or "").strip() for name in names}
    if not any(values.values()) and "try" not in args:
        return values, None, None, None
    try:
        rendered = render_prompt(prompt.id, {k: v for k, v in values.items() if v}, label=LATEST)  # what is edited
        text, negative = rendered.text, rendered.negative_prompt
    except PromptError as error:
        return values, None, None, str(error)
    return values, text, negative, None
