"""Serving cards: ETag, the byte-bounded cache, rendering and the tracking event."""

import hashlib
import time
from dataclasses import dataclass

from app import tracking
from app.observability import tracing
from app.og import presets
from app.og.cache import ByteLRU
from app.og.params import CardParams
from app.og.render import RENDERER_VERSION, render
from app.og.scene import resolve_theme

MAX_USER_AGENT = 512  # a client chooses this header; bound what we store


@dataclass(frozen=True)
class Card:
    body: bytes
    content_type: str
    render_ms: float  # time spent producing the bytes (next to nothing for a cache hit)
    cached: bool


def card_etag(params: CardParams) -> str:
    """Strong ETag (unquoted) from the params and the renderer version; also the cache key."""
    return hashlib.blake2b(f"{RENDERER_VERSION}\x00{params.cache_key()}".encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def produce_card(params: CardParams, etag: str, cache: ByteLRU, brand=None, mark=None) -> Card:
    """The card's bytes from the cache, or rendered and cached; ``brand`` is its template's Brand,
    ``mark`` signs the bytes (see app/provenance)."""
    start = time.perf_counter()
    hit = cache.get(etag)
    if hit is not None:
        return Card(hit[0], hit[1], (time.perf_counter() - start) * 1000, True)
    body, content_type = card_bytes(params, brand, mark)
    cache.put(etag, body, content_type)
    return Card(body, content_type, (time.perf_counter() - start) * 1000, False)


def card_bytes(params: CardParams, brand=None, mark=None) -> tuple[bytes, str]:
    """(bytes, content type) of a card rendered now, signed by ``mark`` when given (HTTP and the CLI)."""
    with tracing.span("imprint.og.render", {"imprint.og.format": params.format, "imprint.og.preset": params.aspect}):
        body, content_type = render(params, brand)
        return (body if mark is None else mark(body, content_type)), content_type


def record_generation(params: CardParams, *, ip_address: str | None, user_agent: str | None,
                      render_time_ms: float | None, country: str | None = None, api_key_id=None) -> None:
    """Record one og_generations event (never raises; see app.tracking)."""
    tracking.record(
        "og_generation",
        seed=params.seed,
        aspect_ratio=presets.ALIASES.get(params.aspect, params.aspect),
        quote_text=params.quote or params.title or None,
        quote_author=params.author or None,
        custom_width=params.width,
        custom_height=params.height,
        shape_count=params.shapes,
        ip_address=ip_address,
        country=country,
        user_agent=(user_agent or None) and user_agent[:MAX_USER_AGENT],
        format=params.format,
        theme=resolve_theme(params),
        render_time_ms=None if render_time_ms is None else round(render_time_ms, 3),
        api_key_id=api_key_id,
    )
