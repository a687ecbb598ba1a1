"""Planning a generation: every 4xx check, before anything is written or sent.

``plan_generation(payload, principal)`` resolves the tool, provider, prompt
(or template), dataset and size into a ``Plan``; ``provider_request(plan)`` is
what the provider is then asked for.
"""

from dataclasses import dataclass, field, fields

from flask import current_app

from app.models import Dataset
from app.prompts.settings import apply_settings

from .catalog import TOOLS, Tool, resolve_size
from .errors import RequestError
from .prompting import build_full_prompt, render_prompt_template
from .providers import (
    PROVIDERS,
    ProviderRequest,
    UnsupportedOption,
    allowed_providers,
    get_provider,
)
from .routing import find_route

EDIT_TOOLS = ("imageEditor", "openaiImagesEdits")  # their provider is asked to edit, not generate
SCENE_FIELDS = ("scene", "environment", "outfit")


@dataclass(frozen=True)
class GenerationOptions:
    """The request fields the pipeline reads after planning, typed, so only the entry points handle the JSON payload."""

    n: int = 1
    quality: str | None = None
    style: str | None = None
    aspect_ratio: str | None = None
    format: str | None = None
    request_id: str | None = None
    tags: list | None = None
    message_id: str | None = None
    variables: dict | None = None
    tool: str | None = None
    seed: int | None = None
    background: str | None = None
    moderation: str | None = None
    output_compression: int | None = None
    end_user: str | None = None
    difficulty: int | None = None
    scene: str | None = None
    environment: str | None = None
    outfit: str | None = None

    @classmethod
    def from_payload(cls, payload, *, style, aspect_ratio):
        """The options of a validated request body, with the style and aspect ratio planning resolved.

        A template's ``scene``, ``environment`` and ``outfit`` variables fill the fields the body left out."""
        values = {option.name: payload.get(option.name) for option in fields(cls)}
        variables = values["variables"] or {}
        for name in SCENE_FIELDS:
            if values[name] is None and isinstance(variables.get(name), str):
                values[name] = variables[name][:200] or None
        return cls(**{**values, "n": values["n"] or 1, "style": style, "aspect_ratio": aspect_ratio})


@dataclass
class Plan:
    options: GenerationOptions
    tool: Tool
    tool_name: str
    provider: str
    model: str | None
    prompt: str
    full_prompt: str
    negative_prompt: str | None
    width: int
    height: int
    dataset: Dataset | None = None
    template: object = None
    extra_meta: dict = field(default_factory=dict)
    country: str | None = None
    route: object = None  # a named route (app.ai.routing.Route); None: the provider alone


def plan_generation(payload, principal, *, tool_name=None, provider=None):
    """Resolve and check everything a generation needs; raises RequestError (4xx) before any write."""
    from app.datasets.service import find_dataset

    config = current_app.config
    template = None
    if payload.get("prompt_id"):
        template = render_prompt_template(payload["prompt_id"], payload.get("variables"), payload.get("prompt"),
                                          label=payload.get("prompt_label"), version=payload.get("prompt_version"))
        payload = apply_settings(payload, template.settings)  # the request's own fields win
    tool = TOOLS[payload.get("tool") or "image"]
    route = find_route(payload.get("route"), provider or payload.get("provider"))
    provider = route.targets[0].provider if route else provider or payload.get("provider") or config["AI_PROVIDER"]
    if payload.get("provider") and not route and provider not in allowed_providers(config):
        # A provider the document names but the operator has not enabled: the request is well formed,
        # this server's policy refuses it.
        raise RequestError(403, f"provider {provider!r} is not enabled here (AI_PROVIDERS_ALLOWED); "
                           f"one of {allowed_providers(config)}", field="provider")
    if provider not in PROVIDERS and provider != "pillow":
        raise RequestError(503, f"AI_PROVIDER {provider!r} is not a provider")
    prompt, negative = payload.get("prompt"), payload.get("negative_prompt")
    if template is not None:
        prompt, negative = template.text, negative or template.negative_prompt
    if not prompt:
        raise RequestError(422, "prompt is required (or a prompt_id)", field="prompt")
    dataset = None
    if payload.get("dataset_id"):
        dataset = find_dataset(principal, payload["dataset_id"])
        if dataset is None:
            raise RequestError(404, "dataset not found", field="dataset_id")
    width, height = resolve_size(payload.get("size"), payload.get("aspect_ratio"), tool)
    style = payload.get("style") or tool.style
    # No ratio asked: the provider derives one from the size and says which it used.
    options = GenerationOptions.from_payload(payload, style=style,
                                             aspect_ratio=tool.aspect_ratio or payload.get("aspect_ratio"))
    model = payload.get("model") or (config.get("AI_MODEL") if provider == config["AI_PROVIDER"] else None)
    model = route.targets[0].model if route else model
    plan = Plan(options, tool, tool_name or tool.tool_name, provider, model, prompt,
                build_full_prompt(prompt, style, dataset, tool), negative, width, height, dataset, template,
                template.ledger() if template else {}, route=route)
    _check_provider_options(plan, config)
    return plan


def _check_provider_options(plan, config):
    """A 422 naming the field the provider's model would refuse, before anything is written or sent."""
    if plan.provider not in PROVIDERS:
        return
    try:
        get_provider(plan.provider, config).check(provider_request(plan), edit=plan.tool_name in EDIT_TOOLS)
    except UnsupportedOption as error:
        raise RequestError(422, error.message, field=error.field) from error


def provider_request(plan, references=()):
    """What the provider is asked for: the plan's prompt, size and options."""
    options = plan.options
    return ProviderRequest(
        prompt=plan.full_prompt, width=plan.width, height=plan.height, n=options.n,
        negative_prompt=plan.negative_prompt, quality=options.quality, style=options.style,
        aspect_ratio=options.aspect_ratio, model=plan.model, reference_images=list(references),
        seed=options.seed, output_format=options.format, background=options.background,
        moderation=options.moderation, output_compression=options.output_compression)
