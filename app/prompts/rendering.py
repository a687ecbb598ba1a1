"""Rendering the version a request asks for: by number, by label, or the default release."""

from dataclasses import dataclass

from .labels import resolve_version
from .syntax import check_variables
from .templates import render_texts


@dataclass(frozen=True)
class Rendered:
    prompt_id: str
    version: int
    label: str | None  # the label that chose the version; None when a version was asked for
    text: str
    negative_prompt: str | None
    settings: dict | None  # the version's saved generation settings
    template: str  # the version's text before filling


def render_prompt(prompt_id, variables, *, version=None, label=None, defaults=None):
    """Render ``version``, else the version ``label`` names, else production's, else the latest.

    ``defaults`` fill what ``variables`` leave out and are not held to the variables' limits
    (the request's own prompt fills ``{prompt}``).

    Raises PromptNotFound, VersionNotFound, LabelNotFound, MissingVariables or BadVariable
    (all PromptErrors); inactive templates still render, so old references keep working.
    """
    resolved = resolve_version(prompt_id, label=label, version=version)
    check_variables(variables or {})
    source = resolved.source
    text, negative = render_texts(source.template, source.negative_prompt, {**(defaults or {}), **(variables or {})})
    return Rendered(prompt_id, resolved.version, resolved.label, text, negative, resolved.source.settings,
                    resolved.source.template)
