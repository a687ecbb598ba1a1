"""OG card series, the same names in Prometheus and DogStatsD.

``imprint_og_cards_total{format,preset,outcome}`` counts answers (outcome
``rendered``, ``cache_hit`` or ``not_modified``), ``imprint_og_render_seconds``
is the time spent rendering (cache hits and 304s are not renders), ``imprint_og_bytes_total`` the bytes
sent. Always on in Prometheus (a few microseconds a card); to DogStatsD when
``DOGSTATSD_ADDRESS`` or ``DATADOG_API_KEY`` is set.
"""

from flask import current_app
from prometheus_client import Counter, Histogram

from . import metrics, sinks

CARDS = "imprint_og_cards_total"
RENDER_SECONDS = "imprint_og_render_seconds"
BYTES = "imprint_og_bytes_total"
OUTCOMES = ("rendered", "cache_hit", "not_modified")

_cards = Counter(CARDS.removesuffix("_total"), "OG card answers, by format, preset and outcome",
                 ["format", "preset", "outcome"])
_render_seconds = Histogram(
    RENDER_SECONDS, "Time to produce an OG card's bytes (a cache hit costs almost nothing)",
    ["format", "preset"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
_bytes = Counter(BYTES.removesuffix("_total"), "Bytes of OG cards sent", ["format", "preset"])


_children = {}


def _series(format, preset, outcome):
    """The three labelled children of one card kind, kept: ``labels()`` costs more than the update."""
    key = (format, preset, outcome)
    series = _children.get(key)
    if series is None:
        series = _children.setdefault(key, (_cards.labels(format, preset, outcome),
                                            _render_seconds.labels(format, preset),
                                            _bytes.labels(format, preset)))
    return series


def init_series(formats, presets):
    """Create every known card series at zero, so that ``rate()`` sees the first burst after a start."""
    for format in formats:
        for preset in presets:
            for outcome in OUTCOMES:
                _series(format, metrics.label("og_preset", preset), outcome)


def observe_card(format, preset, outcome, seconds=None, size=None):
    """Count one card answer in both sinks; never raises into the card view."""
    try:
        preset = metrics.label("og_preset", preset)
        cards, render_seconds, sent = _series(format, preset, outcome)
        cards.inc()
        if outcome == "rendered" and seconds is not None:
            render_seconds.observe(seconds)
        if size is not None:
            sent.inc(size)
        client = sinks.statsd_client(current_app.config)
        if client is not None:
            client.send(card_datagrams(format, preset, outcome, seconds, size))
    except Exception:
        sinks.internal_log.exception("OG card metrics failed")


def card_datagrams(format, preset, outcome, seconds=None, size=None):
    """The DogStatsD lines of one card answer."""
    tags = f"#format:{sinks.tag(format)},preset:{sinks.tag(preset)}"
    lines = [f"{CARDS}:1|c|{tags},outcome:{outcome}"]
    if outcome == "rendered" and seconds is not None:
        lines.append(f"{RENDER_SECONDS}:{seconds:.6f}|h|{tags}")
    if size is not None:
        lines.append(f"{BYTES}:{int(size)}|c|{tags}")
    return "\n".join(lines).encode()
