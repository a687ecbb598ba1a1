"""The full prompt: a prompt template (if any), the tool's shape, the dataset's identity, the style."""

import re
from dataclasses import dataclass

from app.extensions import db
from app.models import Prompt

from .catalog import STYLES
from .errors import RequestError

VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class RenderedTemplate:
    prompt_id: str
    version: int
    text: str
    negative_prompt: str | None


def substitute(template, variables):
    """Replace ``{name}`` with ``variables[name]``; a missing variable is a 422 naming it."""
    missing = sorted({name for name in VARIABLE.findall(template) if name not in variables})
    if missing:
        raise RequestError(422, f"template needs variables: {', '.join(missing)}", field="variables")
    return VARIABLE.sub(lambda m: str(variables[m.group(1)]), template)


def render_prompt_template(prompt_id, variables, user_prompt=None):
    """Render a prompts-table template; unknown or inactive ids are a 404."""
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None or not prompt.is_active:
        raise RequestError(404, f"prompt {prompt_id!r} not found", field="prompt_id")
    values = {**(variables or {})}
    if user_prompt is not None:
        values.setdefault("prompt", user_prompt)
    text = substitute(prompt.template, values)
    if user_prompt and "{prompt}" not in prompt.template:
        text = f"{text}, {user_prompt}"
    return RenderedTemplate(prompt.id, prompt.version, text, prompt.negative_prompt)


def build_full_prompt(prompt, style=None, dataset=None, tool=None):
    """Seed 002's prompt: brand and vibe, the request (shaped by the tool), style, visual elements."""
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
