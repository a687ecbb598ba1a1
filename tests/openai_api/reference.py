"""OpenAI's published OpenAPI document for images and models, as a validator of /v1 traffic.

Every /v1 answer is checked against the operation's response schema in the document
(errors against OpenAI's error object), and every JSON request Imprint accepted must be
one the document allows. The document mixes OpenAPI 3.0's ``nullable`` into 3.1;
``nullable: true`` is read as "null allowed", as OpenAI means it.
"""

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

# A copy of OpenAI's document (images and models operations), kept unchanged next to this file.
DOCUMENT_PATH = Path(__file__).with_name("openai-images-openapi.json")
# OpenAI's ErrorResponse (openai/openai-openapi): every field present, param and code may be null.
ERROR_SCHEMA = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["message", "type", "param", "code"], "additionalProperties": False,
        "properties": {"message": {"type": "string", "minLength": 1}, "type": {"type": "string"},
                       "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}},
}


def _nullable(node):
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "anyOf" in node:
            node["anyOf"] = [*node["anyOf"], {"type": "null"}]
        elif isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
    return node


def _load():
    return _nullable(json.loads(DOCUMENT_PATH.read_text()))


DOCUMENT = _load()
_REGISTRY = Registry().with_resource("urn:openai", DRAFT202012.create_resource(DOCUMENT))


def _resolve_refs(schema):
    """$refs point into the document: rewrite them to the registered urn."""
    text = json.dumps(schema).replace('"$ref": "#/', '"$ref": "urn:openai#/')
    return json.loads(text)


def operation(path, method):
    """The document's operation for a /v1 request path (``/v1/models/x`` → ``/models/{model}``)."""
    bare = path.removeprefix("/v1")
    for template, item in DOCUMENT["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, bare) and method.lower() in item:
            return template, item[method.lower()]
    return None, None


def problems(schema, instance):
    """The document's complaints about ``instance``, as readable lines."""
    validator = Draft202012Validator(_resolve_refs(schema), registry=_REGISTRY)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
            for error in validator.iter_errors(instance)]


def response_problems(path, method, status, body):
    """What the document refuses in a /v1 answer (an error answer: OpenAI's error shape)."""
    if status >= 400:
        return problems(ERROR_SCHEMA, body)
    template, op = operation(path, method)
    if op is None:
        return [f"{method} {path} answered {status} but the document has no such operation"]
    content = op["responses"].get(str(status), {}).get("content", {}).get("application/json")
    if content is None:
        return [f"{method} {template}: the document has no {status} answer"]
    return problems(content["schema"], body)


def request_problems(path, method, body):
    """What the document refuses in a JSON request body (None: the document has no JSON body here)."""
    _template, op = operation(path, method)
    content = (op or {}).get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    return problems(content["schema"], body)


def check_app_traffic(app, violations):
    """Check every /v1 exchange of ``app`` against the document; problems go to ``violations``."""
    from flask import request

    def check(response):
        if not request.path.startswith("/v1/") or not response.is_json:
            return response
        where = f"{request.method} {request.path} → {response.status_code}"
        body = response.get_json(silent=True)
        violations.extend(f"{where}: {line}"
                          for line in response_problems(request.path, request.method, response.status_code, body))
        if request.is_json and response.status_code < 400:
            sent = request.get_json(silent=True)
            refused = request_problems(request.path, request.method, sent)
            if refused:
                violations.extend(f"{where}: accepted a request the document refuses: {line}" for line in refused)
        return response

    # First in the list runs last: the answer as it leaves, after /v1's error conversion.
    app.after_request_funcs.setdefault(None, []).insert(0, check)
