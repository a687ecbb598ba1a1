"""What every operation of the OpenAPI document carries, whoever wrote the view.

An apispec plugin, run as each path is added:
- a stable, unique ``operationId`` (``<blueprint>_<view>_<method>``, from the Flask
  endpoint) unless the view names its own, so generated clients name functions well;
- a JSON schema on every error response (the app's error shape; OpenAI's under ``/v1``),
  and the statuses app/errors.py answers: 400 for a query string, 422 only for a body;
- summaries and descriptions in CommonMark: docstrings' reST ````code```` becomes ```code```;
- a map's ``Length`` bound as ``minProperties``/``maxProperties`` (apispec writes
  ``maxLength``, which JSON Schema ignores on an object);
- on every free string, the pattern that says what the body gate (app/security/text_input.py)
  refuses in any string: NUL;
- a schema's rules across its fields (``one of two``), from its ``JSON_SCHEMA`` class attribute: the
  keywords (``anyOf``, ``oneOf``) its component carries besides the fields';
- a payload's bound (a base64 file, megabytes long) in its description and ``x-maxLength``, not
  ``maxLength``: a validator or test generator given that bound builds and scans strings of that
  length for every check, and a client gains nothing from it that the description does not say.
"""

import re

import flask_smorest
from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_smorest.error_handler import ErrorSchema as SmorestErrorSchema
from marshmallow import fields

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
ERROR_REF = {"$ref": "#/components/schemas/Error"}
OPENAI_ERROR_REF = {"$ref": "#/components/schemas/OpenAIError"}
OPENAI_BLUEPRINT = "openai"
# Blueprints whose operations keep the ids they had on another one: generated clients name
# their functions after them (the dataset routes were the ai blueprint's, the comparison routes
# the prompt releases').
OPERATION_PREFIXES = {"datasets": "ai", "prompt_comparisons": "prompt_releases"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_REST_CODE = re.compile(r"``(.+?)``")
NO_NUL = r"^[^\x00]*$"


def present(name):
    """JSON Schema: ``name`` is in the object and not null."""
    return {"required": [name], "properties": {name: {"not": {"enum": [None]}}}}

MAX_STATED_LENGTH = 65536


def operation_id(endpoint, method):
    """``openai.ImageGenerations`` + ``post`` → ``openai_image_generations_post``."""
    blueprint, dot, view = endpoint.partition(".")
    words = _CAMEL.sub("_", f"{OPERATION_PREFIXES.get(blueprint, blueprint)}{dot and '_'}{view}")
    return f"{words.lower()}_{method}"


def commonmark(text):
    """A docstring's reST inline code as CommonMark."""
    return _REST_CODE.sub(r"`\1`", text) if text else text


class ErrorSchema(SmorestErrorSchema):
    """The app's error shape (app/errors.py), documented: flask-smorest's, plus the count of problems."""

    problem_count = fields.Integer(metadata={
        "description": "How many problems the input had, when more than the ten that `errors` names"})


class Api(flask_smorest.Api):
    """flask-smorest's Api, writing each blueprint's paths into the document when the document is
    first read rather than when the blueprint is registered: an app that never serves its document
    (a worker, a CLI command, a test) does not spend its start-up building it."""

    ERROR_SCHEMA = ErrorSchema

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self.__dict__.setdefault("_unwritten", []).append((blp, name, parameters))

    @property
    def spec(self):
        spec = self.__dict__.get("_spec")
        unwritten, self.__dict__["_unwritten"] = self.__dict__.get("_unwritten", []), []
        for blp, name, parameters in unwritten:  # in registration order, as flask-smorest would
            blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})
        return spec

    @spec.setter
    def spec(self, value):
        self.__dict__["_spec"] = value


def map_length(converter, field, ret, **_kwargs):
    """apispec attribute function: a map's length is counted in properties."""
    if not isinstance(field, fields.Dict):
        return {}
    return {name: ret.pop(key) for key, name in (("minLength", "minProperties"), ("maxLength", "maxProperties"))
            if key in ret}


def no_nul(converter, field, ret, **_kwargs):
    """apispec attribute function: a string with no pattern, format or choices of its own says it holds no NUL."""
    if ret.get("type") == "string" and not ({"pattern", "format", "enum"} & ret.keys()):
        return {"pattern": NO_NUL}
    return {}


def payload_bound(converter, field, ret, **_kwargs):
    """apispec attribute function: a payload's length bound, stated without ``maxLength``."""
    if ret.get("type") != "string" or ret.get("maxLength", 0) <= MAX_STATED_LENGTH:
        return {}
    bound = ret.pop("maxLength")
    described = f"at most {bound} characters"
    return {"x-maxLength": bound,
            "description": f"{ret['description']}; {described}" if ret.get("description") else described}


class OperationPlugin(BasePlugin):
    def init_spec(self, spec):
        super().init_spec(spec)
        for plugin in spec.plugins:
            if isinstance(plugin, MarshmallowPlugin) and plugin.converter is not None:
                plugin.converter.add_attribute_function(map_length)
                plugin.converter.add_attribute_function(no_nul)
                plugin.converter.add_attribute_function(payload_bound)

    def schema_helper(self, name, definition, schema=None, **kwargs):
        return getattr(schema, "JSON_SCHEMA", None)

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        endpoint = rule.endpoint if rule is not None else (path or "").strip("/")
        is_openai = endpoint.split(".")[0] == OPENAI_BLUEPRINT
        for method, operation in (operations or {}).items():
            if method not in METHODS:
                continue
            operation.setdefault("operationId", operation_id(endpoint, method))
            for key in ("summary", "description"):
                if operation.get(key):
                    operation[key] = commonmark(operation[key])
            responses = operation.setdefault("responses", {})
            _query_errors_are_400(operation, responses)
            _complete_errors(responses, is_openai)


def _query_errors_are_400(operation, responses):
    """A refused query string is a 400 (app/errors.py); 422 stays only for a body."""
    has_query = any(isinstance(p, dict) and p.get("in") == "query" for p in operation.get("parameters", []))
    if has_query and "400" not in responses and 400 not in responses:
        responses["400"] = {"description": "A query parameter is invalid or unknown (message names it)"}
    if "requestBody" not in operation:
        responses.pop("422", None)
        responses.pop(422, None)


def _complete_errors(responses, is_openai):
    schema = OPENAI_ERROR_REF if is_openai else ERROR_REF
    if is_openai:
        responses.pop("422", None)  # /v1 answers bad input as OpenAI does: 400
    for code in list(responses):
        is_error = code == "default" or str(code)[:1] in ("4", "5")
        if not is_error:
            continue
        response = responses[code]
        if isinstance(response, str) or "$ref" in response:
            if is_openai:  # the app's shared error responses describe the app's shape, not OpenAI's
                responses[code] = {"description": "Error, in OpenAI's shape",
                                   "content": {"application/json": {"schema": schema}}}
            continue
        if not response.get("content"):
            response["content"] = {"application/json": {"schema": schema}}
