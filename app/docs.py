"""``GET /docs``: the API reference as a page, rendered on the server from the OpenAPI document.

Every operation shows its parameters and its request body's fields (type, limits,
default, description) with an example body. No CDN script or style: the page works
offline, like the rest of the app.
"""

import json
import re

from flask import Blueprint, render_template
from markupsafe import Markup, escape

from app.extensions import held
from app.openapi import NO_NUL

blp = Blueprint("docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete", "head")
LIMITS = (("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
          ("minimum", "≥ {}"), ("maximum", "≤ {}"), ("minItems", "at least {} items"),
          ("maxItems", "at most {} items"), ("pattern", "matches {}"), ("format", "{}"))
_CODE = re.compile(r"`([^`]+)`")


@blp.app_template_filter("inline_code")
def inline_code(text):
    """CommonMark inline code as <code>, everything else escaped."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text or ""))))


@blp.app_template_filter("limits")
def limits_filter(schema):
    return limits(schema or {})


def resolve(spec, schema):
    """A schema with its top-level $ref followed (``#/components/schemas/Name``)."""
    while isinstance(schema, dict) and "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {})
        schema = node
    return schema or {}


def type_name(spec, schema):
    schema = resolve(spec, schema)
    if schema.get("type") == "array":
        return f"array of {type_name(spec, schema.get('items', {}))}"
    return schema.get("type") or ("object" if "properties" in schema else "any")


def limits(schema):
    """The field's constraints, in words."""
    words = [template.format(schema[key]) for key, template in LIMITS
             if key in schema and (key, schema[key]) != ("pattern", NO_NUL)]  # every string says it: noise
    if "enum" in schema:
        words.append("one of " + ", ".join(json.dumps(value) for value in schema["enum"]))
    if "default" in schema:
        words.append(f"default {json.dumps(schema['default'])}")
    return "; ".join(words)


def example_value(spec, schema):
    """The schema's example, else a value its constraints accept."""
    schema = resolve(spec, schema)
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 1.0)
    if kind == "boolean":
        return False
    if kind == "array":
        return [example_value(spec, schema.get("items", {}))]
    if kind == "object" or "properties" in schema:
        return example_body(spec, schema)
    return "text" if schema.get("format") != "uuid" else "00000000-0000-0000-0000-000000000000"


def example_body(spec, schema):
    """An example of a body: its required fields and those that carry an example."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    chosen = [name for name, field in properties.items()
              if name in required or "example" in resolve(spec, field)]
    return {name: example_value(spec, properties[name]) for name in chosen}


def body_fields(spec, operation):
    """[(content type, fields, example)] of the operation's request body."""
    bodies = []
    for content_type, content in (operation.get("requestBody") or {}).get("content", {}).items():
        schema = resolve(spec, content.get("schema"))
        required = set(schema.get("required", []))
        fields = [{"name": name, "type": type_name(spec, field), "required": name in required,
                   "limits": limits(resolve(spec, field)),
                   "description": resolve(spec, field).get("description", "")}
                  for name, field in schema.get("properties", {}).items()]
        example = example_body(spec, schema) if content_type == "application/json" else None
        bodies.append({"content_type": content_type, "fields": fields,
                       "example": json.dumps(example, indent=2, ensure_ascii=False) if example else None})
    return bodies


@blp.get("/docs")
def docs_page():
    spec = held("api").spec.to_dict()
    operations = [
        {"path": path, "method": method.upper(), "op": op, "bodies": body_fields(spec, op)}
        for path, item in sorted(spec["paths"].items())
        for method, op in item.items()
        if method in METHODS
    ]
    return render_template("docs.html", spec=spec, operations=operations)
