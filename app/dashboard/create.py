"""The Create page's work: its choices, the form read into a generation request, the run, a job's state.

The form is checked by the same schema as ``POST /ai/generate`` and run by the
same service (``app.ai.service.generate``), so quotas, idempotency, datasets and
templates behave exactly as on the API: there is no second pipeline.
"""

import uuid
from dataclasses import dataclass, field

from flask import current_app
from marshmallow import ValidationError

from app.ai import service as ai_service
from app.ai.catalog import ASPECT_RATIOS, FORMATS, MAX_N, QUALITIES, SIZES, STYLES
from app.ai.errors import GenerationFailed, RequestError
from app.ai.jobs import find_job
from app.ai.pricing import WILDCARD, price_table
from app.ai.providers import allowed_providers
from app.ai.schemas import GenerateRequestSchema
from app.datasets.service import list_datasets
from app.doctor import missing_provider_settings
from app.prompts.syntax import TemplateSyntaxError, template_variables
from app.prompts.templates import list_prompts
from app.redis_client import get_redis
from app.security.quotas import usage_today

from .forms import field_errors
from .gallery import parse_tags

# Form fields a generation takes as they are (text); the others are read below.
TEXT_FIELDS = ("prompt", "negative_prompt", "prompt_id", "prompt_label", "provider", "model", "size", "aspect_ratio",
               "quality", "style", "format", "dataset_id")
VARIABLE_PREFIX = "var."
MAX_TEMPLATES = 200


@dataclass
class Attempt:
    """One press of "Generate": the form as typed, errors by field, and what came of it."""

    form: dict
    errors: dict = field(default_factory=dict)
    result: dict | None = None
    job: object = None
    failure: dict | None = None
    notice: str | None = None

    @property
    def status(self):
        if self.errors:
            return 429 if "quota" in self.errors else 400
        return 502 if self.failure else 200


def configured_providers(config):
    """The providers a request may choose whose settings are present, the default first."""
    default = config["AI_PROVIDER"]
    names = [name for name in allowed_providers(config) if not missing_provider_settings(name, config)]
    return sorted(names, key=lambda name: (name != default, name))


def known_models(config, providers):
    """{provider: [model names the price table knows]} for the model field's suggestions."""
    table = price_table(config)
    return {name: sorted(model for model in table.get(name, {}) if model != WILDCARD) for name in providers}


def template_choices():
    """[(id, name, variables)] of the active templates; the variable ``prompt`` is the Prompt field."""
    choices = []
    for prompt, _ in list_prompts(limit=MAX_TEMPLATES):
        try:
            names = template_variables(prompt.template, prompt.negative_prompt)
        except TemplateSyntaxError:
            continue
        choices.append((prompt.id, prompt.name, [name for name in names if name != "prompt"]))
    return choices


def form_choices(principal):
    """Everything the form offers: providers, models, templates, datasets, sizes, styles…"""
    config = current_app.config
    providers = configured_providers(config)
    return {"providers": providers, "models": known_models(config, providers), "templates": template_choices(),
            "datasets": list_datasets(principal, limit=200), "styles": sorted(STYLES),
            "aspect_ratios": list(ASPECT_RATIOS), "sizes": list(SIZES), "qualities": QUALITIES,
            "formats": FORMATS, "max_n": MAX_N, "is_async": get_redis() is not None}


def read_form(form):
    """(the form as typed, to show it again; the generation request; errors found while reading it)."""
    typed = {name: (form.get(name) or "").strip() for name in (*TEXT_FIELDS, "n", "seed", "prompt_version", "tags")}
    variables = {key[len(VARIABLE_PREFIX):]: value.strip() for key, value in form.items()
                 if key.startswith(VARIABLE_PREFIX)}
    typed["variables"] = variables
    payload = {name: typed[name] for name in TEXT_FIELDS if typed[name]}
    for name in ("n", "seed", "prompt_version"):
        if typed[name]:
            payload[name] = typed[name]  # the schema turns digits into a number or names the field
    errors = {}
    try:
        tags = parse_tags(typed["tags"])
    except ValueError as error:
        tags, errors["tags"] = [], str(error)
    if tags:
        payload["tags"] = tags
    if payload.get("prompt_id"):
        payload["variables"] = {name: value for name, value in variables.items() if value}
    return typed, payload, errors


def generate_from_form(form, caller):
    """Check the form with the API's schema, then generate for ``caller`` (queued when Redis is there); an Attempt."""
    typed, payload, errors = read_form(form)
    attempt = Attempt(typed, errors)
    try:
        request = GenerateRequestSchema().load(payload)
    except ValidationError as error:
        attempt.errors.update(field_errors(error.messages))
    if attempt.errors:
        return attempt
    if request.get("provider") and request["provider"] not in configured_providers(current_app.config):
        attempt.errors["provider"] = "this provider is not configured on this server"
        return attempt
    try:
        generated = ai_service.generate(request, caller, run_async=get_redis() is not None)
    except RequestError as error:
        name = "quota" if error.status == 429 else (error.field or "form")
        attempt.errors[name] = error.message
        return attempt
    except GenerationFailed as error:
        attempt.failure = error.body
        return attempt
    if isinstance(generated, ai_service.Queued):
        attempt.job = generated.job
    else:
        notice = generated.notice
        attempt.result = result_view(generated.outcome.records)
        attempt.notice = notice if notice and "Redis" in notice else None
    return attempt


def result_view(records):
    """What the page shows of a finished generation: each image, its cost, time and prompt."""
    first = records[0]
    costs = [record.cost_usd for record in records]
    return {"images": records, "prompt_used": first.full_prompt or first.prompt, "caption": first.prompt,
            "negative_prompt": first.negative_prompt, "provider": first.provider, "model": first.model,
            "size": first.size, "cost_usd": None if any(c is None for c in costs) else float(sum(costs)),
            "duration_ms": max((record.duration_ms or 0) for record in records) or None}


def job_state(principal, job_id):
    """(job, result view or None, failure or None) for a job the caller may see, or None."""
    try:
        job = find_job(principal, uuid.UUID(str(job_id)))
    except ValueError:
        return None
    if job is None:
        return None
    view = ai_service.job_view(job)
    records = None
    if view["result"]:
        from app.history.search import get_generated_image

        records = [get_generated_image(uuid.UUID(image["id"])) for image in view["result"]["images"]]
    return job, (result_view(records) if records else None), view["failure"]


def quota_left(principal, address):
    """Today's use against the limits, as the page shows it (None = unlimited)."""
    usage = usage_today(principal, address)
    generations_left = (None if usage["generation_limit"] is None
                        else max(usage["generation_limit"] - usage["generations_today"], 0))
    cost_left = None if usage["cost_limit_usd"] is None else max(usage["cost_limit_usd"] - usage["cost_today_usd"], 0.0)
    return {**usage, "generations_left": generations_left, "cost_left_usd": cost_left}
