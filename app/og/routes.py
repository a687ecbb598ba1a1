"""OG cards: ``GET /og``, ``GET /og/<seed>.<ext>`` and the render ledger's stats.

The card views are the hot path: validate, answer a matching If-None-Match
with 304 before rendering, serve from the byte-bounded cache, record the event.
"""

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from app.auth import admin_required, auth_required, current_principal
from app.errors import describe_problems
from app.og import service, stats
from app.og.cache import get_og_cache
from app.og.params import ParamError, make_params
from app.og.presets import FORMATS, PRESETS
from app.og.scene import missing_scripts
from app.og.schemas import (
    CardOptionsSchema,
    CardQuerySchema,
    GenerationPageSchema,
    GenerationSchema,
    GenerationsQuerySchema,
    OgStatsSchema,
    SignedUrlSchema,
    SignRequestSchema,
)
from app.og.signing import NotACardUrl, SigningNotConfigured, current_policy, sign_card_url
from app.provenance.service import og_card_marker
from app.security.client import client_fields
from app.tracking.card_metrics import init_series, observe_card

blp = Blueprint("og", __name__, url_prefix="/og", description="Open Graph cards rendered from a seed")
blp.record_once(lambda _state: init_series(FORMATS, PRESETS))

CACHE_CONTROL = "public, max-age=31536000, immutable"
EXTENSIONS = {**{name: name for name in FORMATS}, "jpg": "jpeg"}


class ExtensionConverter(BaseConverter):
    """``<card_ext:…>`` in a URL: any extension matches, so an unknown one is a 400 naming ``format``
    (the view's check), and the document lists the ones a card comes in."""

    @staticmethod
    def parameter_schema(_converter):
        return {"type": "string", "enum": list(EXTENSIONS)}

_IMAGE = {"schema": {"type": "string", "format": "binary"}}
CARD_DOC = {"responses": {
    "200": {"description": "The card", "content": {t: _IMAGE for t in FORMATS.values()},
            "headers": {"ETag": {"schema": {"type": "string"}},
                        "Cache-Control": {"schema": {"type": "string"}}}},
    "304": {"description": "Not Modified: the If-None-Match ETag is current"},
}}


class CardArgsParser(FlaskParser):
    """Bad OG parameters are a 400 whose message names each field and its range."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        abort(error_status_code or 400, message=describe_problems(error.messages), messages=error.messages,
              headers=error_headers)


blp.ARGUMENTS_PARSER = CardArgsParser()
# Instances, not classes: webargs builds a new schema per request from a class.
CARD_QUERY, CARD_OPTIONS = CardQuerySchema(), CardOptionsSchema()


@blp.route("", methods=["GET"])
@blp.arguments(CARD_QUERY, location="query", error_status_code=400)
@blp.doc(**CARD_DOC)
def card(args):
    """A card as PNG (default), SVG, WebP or JPEG; the same parameters give the same bytes."""
    return _serve(args)


@blp.route("/<seed>.<card_ext:ext>", methods=["GET"])
@blp.arguments(CARD_OPTIONS, location="query", error_status_code=400)
@blp.doc(**CARD_DOC)
def card_by_path(args, seed, ext):
    """The same card at a clean URL: ``/og/hello.png?quote=…`` (png, svg, webp, jpeg, jpg)."""
    if ext not in EXTENSIONS:
        bad_request("format", f"extension must be one of {', '.join(EXTENSIONS)}")
    return _serve({**args, "seed": seed, "format": EXTENSIONS[ext]})


def _serve(args):
    args.pop("sig", None)  # checked on the raw URL by serve_card
    try:
        params = make_params(**args)
    except ParamError as error:
        bad_request(error.field, error.message)
    return serve_card(params)


def serve_card(params, brand=None, cache_control: str = CACHE_CONTROL):
    """The HTTP answer for a card: 403 for a URL that must be signed and is not, 304 for a current ETag,
    else the (cached) bytes; tracked either way."""
    key_id = _key_id()  # a wrong, expired or out-of-scope key is refused before any work
    refusal = current_policy().refusal(request.path, list(request.args.items(multi=True)))
    if refusal:
        abort(403, message=refusal)
    etag = service.card_etag(params)
    headers = {"ETag": f'"{etag}"', "Cache-Control": cache_control}
    if request.if_none_match and request.if_none_match.contains_weak(etag):
        _track(params, None, key_id)
        observe_card(params.format, params.aspect, "not_modified")
        return current_app.response_class(status=304, headers=headers)
    card = service.produce_card(params, etag, get_og_cache(), brand, mark=og_card_marker())
    headers["Server-Timing"] = f"{'cache' if card.cached else 'render'};dur={card.render_ms:.2f}"
    missing = missing_scripts(params)
    if missing:  # drawn as U+FFFD: say which scripts need a font the card does not ship
        headers["OG-Missing-Scripts"] = ", ".join(missing)
    _track(params, card.render_ms, key_id)
    observe_card(params.format, params.aspect, "cache_hit" if card.cached else "rendered",
                 card.render_ms / 1000, len(card.body))
    return current_app.response_class(card.body, content_type=card.content_type, headers=headers)


def bad_request(field, message):
    abort(400, message=f"{field}: {message}", errors={"query": {field: [message]}})


def _track(params, render_ms, key_id):
    if current_app.config["OG_TRACKING_ENABLED"]:
        service.record_generation(params, **client_fields(), render_time_ms=render_ms,
                                  user_agent=request.headers.get("User-Agent"), api_key_id=key_id)


def _key_id():
    """The key of a caller that sent one (cards are open to anyone; a key only attributes the render)."""
    if not request.headers.get("Authorization"):
        return None
    principal = current_principal()
    return principal.key_id if principal is not None else None


@blp.route("/sign", methods=["POST"])
@auth_required
@blp.arguments(SignRequestSchema)
@blp.response(200, SignedUrlSchema)
@blp.alt_response(409, description="Card signing is not configured (OG_SIGNING_KEYS)")
def sign(body):
    """Sign a card URL with the instance's current key, for pages that embed cards (any API key)."""
    try:
        return {"url": sign_card_url(body["url"], current_policy())}
    except NotACardUrl as error:
        abort(422, message=f"url: {error}", errors={"json": {"url": [str(error)]}})
    except SigningNotConfigured as error:
        abort(409, message=str(error))


@blp.route("/stats", methods=["GET"])
@admin_required
@blp.response(200, OgStatsSchema)
def generation_stats():
    """Totals of the ledger: total, today (UTC), uniqueSeeds, topAspectRatios (admin)."""
    return stats.get_stats()


@blp.route("/generations", methods=["GET"])
@admin_required
@blp.arguments(GenerationsQuerySchema, location="query", error_status_code=400, unknown=RAISE)
@blp.response(200, GenerationPageSchema)
def generations(args):
    """Recorded generations, newest first, optionally of one seed (admin: IPs are personal data)."""
    return stats.list_generations(**args)


@blp.route("/generations/<uuid:generation_id>", methods=["GET"])
@admin_required
@blp.response(200, GenerationSchema)
def generation(generation_id):
    """One recorded generation (admin)."""
    return stats.get_generation(generation_id) or abort(404, message="no such generation")
