"""The full prompt: a prompt template (if any), the tool's shape, the dataset's identity, the style."""

from dataclasses import dataclass

from app.extensions import db
from app.models import Prompt
from app.prompts.labels import LabelNotFound
from app.prompts.rendering import render_prompt
from app.prompts.syntax import MissingVariables, PromptError, template_variables
from app.prompts.templates import VersionNotFound

from .catalog import STYLES
from .errors import RequestError


@dataclass
class RenderedTemplate:
    prompt_id: str
    version: int
    label: str | None  # the label that chose the version (None: the request named a version)
    text: str
    negative_prompt: str | None
    settings: dict | None = None  # the version's saved generation settings

    def ledger(self):
        """What the records of a generation keep about the template that made it."""
        return {"prompt_version": self.version, "prompt_label": self.label}

    def log_fields(self):
        """The generation log's columns naming the template version used."""
        return {"prompt_id": self.prompt_id, **self.ledger()}


def render_prompt_template(prompt_id, variables, user_prompt=None, *, label=None, version=None):
    """Render a prompts-table template with the prompts library's renderer and limits: ``version``,
    else the version ``label`` names, else production's, else the latest. Unknown or inactive ids,
    versions and labels are a 404 naming the field; missing or bad variables a 422 naming ``variables``.

    The request's own ``prompt`` fills ``{prompt}`` unless a variable does, and is appended to a
    template that has no ``{prompt}``.
    """
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None or not prompt.is_active:
        raise RequestError(404, f"prompt {prompt_id!r} not found", field="prompt_id")
    variables = variables or {}
    defaults = None if user_prompt is None else {"prompt": user_prompt}
    try:
        rendered = render_prompt(prompt_id, variables, version=version, label=label, defaults=defaults)
    except VersionNotFound as error:
        raise RequestError(404, str(error), field="prompt_version") from error
    except LabelNotFound as error:
        raise RequestError(404, str(error), field="prompt_label") from error
    except MissingVariables as error:
        raise RequestError(422, f"template needs variables: {', '.join(error.names)}", field="variables") from error
    except PromptError as error:
        raise RequestError(422, str(error), field="variables") from error
    text = rendered.text
    if user_prompt and "prompt" not in template_variables(rendered.template):
        text = f"{text}, {user_prompt}"
    return RenderedTemplate(prompt_id, rendered.version, rendered.label, text, rendered.negative_prompt,
                            rendered.settings)


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
