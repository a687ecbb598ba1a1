"""The full prompt: a prompt template (if any), the tool's shape, the dataset's identity, the style."""

from dataclasses import dataclass

from app.extensions import db
from app.models import Prompt
from app.prompts.syntax import MissingVariables, PromptError, check_variables, template_variables
from app.prompts.templates import render_texts

from .catalog import STYLES
from .errors import RequestError


@dataclass
class RenderedTemplate:
    prompt_id: str
    version: int
    text: str
    negative_prompt: str | None


def render_prompt_template(prompt_id, variables, user_prompt=None):
    """Render a prompts-table template with the prompts library's renderer and limits; unknown or
    inactive ids are a 404, missing or bad variables a 422 naming ``variables``.

    The request's own ``prompt`` fills ``{prompt}`` unless a variable does, and is appended to a
    template that has no ``{prompt}``.
    """
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None or not prompt.is_active:
        raise RequestError(404, f"prompt {prompt_id!r} not found", field="prompt_id")
    variables = variables or {}
    try:
        check_variables(variables)
        values = variables if user_prompt is None else {"prompt": user_prompt, **variables}
        text, negative = render_texts(prompt.template, prompt.negative_prompt, values)
    except MissingVariables as error:
        raise RequestError(422, f"template needs variables: {', '.join(error.names)}", field="variables") from error
    except PromptError as error:
        raise RequestError(422, str(error), field="variables") from error
    if user_prompt and "prompt" not in template_variables(prompt.template):
        text = f"{text}, {user_prompt}"
    return RenderedTemplate(prompt.id, prompt.version, text, negative)


def build_full_prompt(prompt, style=None, dataset=None, tool=None):
    """The full prompt: brand and vibe, the request (shaped by the tool), style, visual elements."""
    lines = []
    if dataset is not None:
        brand = dataset.brand_name or dataset.name
        head = f"Brand: {_sentence(brand)}"
        if dataset.vibe:
            head += f" Vibe: {_sentence(dataset.vibe)}"
        lines.append(head)
        if dataset.description:
            lines.append(dataset.description)
    shaped = tool.template.format(prompt=prompt) if tool is not None and tool.template else prompt
    lines.append(shaped)
    if style:
        lines.append(f"Style: {STYLES.get(style, style)}.")
    elements = list(dataset.unique_visual_elements or []) if dataset is not None else []
    if elements:
        lines.append("Unique visual elements: " + ", ".join(str(e) for e in elements) + ".")
    return "\n".join(lines)


def _sentence(text):
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
