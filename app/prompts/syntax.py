"""The template language: text with named placeholders, ``{scene}``, and nothing else.

Templates are parsed with ``string.Formatter().parse`` and filled by plain
concatenation: no ``str.format``, no attribute or index access, no format
specs or conversions, so a template can never reach into Python objects.
``{{`` and ``}}`` stand for literal braces.
"""

import re
from string import Formatter

from app.openapi import NO_NUL

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_VARIABLES = 50
MAX_VALUE_LENGTH = 2000
MAX_NAME_LENGTH = 64
# A variable's value as the API document states it (the names it cannot: OpenAPI 3.0 has no propertyNames)
VALUE_SCHEMA = {"anyOf": [{"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": NO_NUL}, {"type": "number"}]}


class PromptError(Exception):
    """Base of the errors the prompt services raise."""


class TemplateSyntaxError(PromptError, ValueError):
    """The template text is not a valid template; ``problem`` says why."""

    def __init__(self, problem, field="template"):
        super().__init__(f"{field}: {problem}")
        self.problem = problem
        self.field = field


class MissingVariables(PromptError, ValueError):
    """Rendering needs variables that were not given; ``names`` lists them."""

    def __init__(self, names):
        self.names = sorted(names)
        super().__init__("missing variable" + ("s" if len(self.names) > 1 else "") + ": " + ", ".join(self.names))


class BadVariable(PromptError, ValueError):
    """A variable value is not a short scalar."""


def parse_template(text, field="template"):
    """Return the template's pieces as (literal, name-or-None); raise TemplateSyntaxError."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as error:  # "Single '}' encountered", "expected '}' before end of string"
        raise TemplateSyntaxError(f"unbalanced braces ({error}); write {{{{ or }}}} for a literal brace", field) from None
    pieces = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        if name == "" or name.isdigit():
            raise TemplateSyntaxError(f"positional placeholder {{{name}}} is not allowed; name it, e.g. {{scene}}", field)
        if "." in name or "[" in name:
            raise TemplateSyntaxError(f"attribute or index access {{{name}}} is not allowed; use a plain name", field)
        if not NAME.match(name):
            raise TemplateSyntaxError(f"invalid placeholder name {{{name}}}: use letters, digits and _", field)
        if conversion:
            raise TemplateSyntaxError(f"conversion !{conversion} in {{{name}}} is not allowed", field)
        if spec:
            raise TemplateSyntaxError(f"format spec :{spec} in {{{name}}} is not allowed", field)
        pieces.append((literal, name))
    if len({name for _, name in pieces if name}) > MAX_VARIABLES:
        raise TemplateSyntaxError(f"more than {MAX_VARIABLES} distinct variables", field)
    return pieces


def template_variables(*texts):
    """The distinct variable names used by the given templates, in order of first use."""
    names = []
    for text in texts:
        for _, name in parse_template(text or ""):
            if name and name not in names:
                names.append(name)
    return names


def check_variables(variables):
    """Validate a variables mapping: names as in templates, short scalar values."""
    if not isinstance(variables, dict):
        raise BadVariable("variables must be an object of name → value")
    if len(variables) > MAX_VARIABLES:
        raise BadVariable(f"at most {MAX_VARIABLES} variables")
    for name, value in variables.items():
        # Any name is taken: one that is not a placeholder's (``NAME``) fills nothing, as an unused one does.
        if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
            raise BadVariable(f"variable names are at most {MAX_NAME_LENGTH} characters")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadVariable(f"variable {name!r} must be a string or a number")
        if len(str(value)) > MAX_VALUE_LENGTH:
            raise BadVariable(f"variable {name!r} is longer than {MAX_VALUE_LENGTH} characters")


def fill(text, variables, field="template"):
    """Substitute ``variables`` into ``text``; raise MissingVariables naming every one missing."""
    if text is None:
        return None
    pieces = parse_template(text, field)
    missing = {name for _, name in pieces if name and name not in variables}
    if missing:
        raise MissingVariables(missing)
    return "".join(literal + ("" if name is None else str(variables[name])) for literal, name in pieces)
