"""SVG charts drawn on the server: no JavaScript, no library, legible in print.

Each function takes a plain series and returns ``Markup`` holding one ``<svg>``
that scales to its container (``viewBox``). Every label is escaped; values
that are None (unknown) are drawn as empty and said as "—".
"""

import math

from markupsafe import Markup, escape

from app.ai.chart import nice_step

FONT = 12
MAX_DOTS = 200


def nice_scale(value, ticks=4, whole=False):
    """(top, step): a step of 1, 2 or 5 × 10^k so that ``ticks`` steps reach at least ``value``.
    ``whole``: the series counts things, so no tick falls between two whole numbers."""
    if not value or value <= 0:
        return (1, 1) if whole else (1, 0.25)
    step = nice_step(value, ticks)
    if whole:
        step = max(1, step)
    return step * math.ceil(value / step - 1e-9), step


def nice_ceiling(value):
    """The top of the axis for ``value`` (see nice_scale)."""
    return nice_scale(value)[0]


def percent(value):
    """0.875 → '87.5%'."""
    return f"{value * 100:.1f}%"


def usd(value):
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def milliseconds(value):
    return f"{value / 1000:,.1f} s" if value >= 10_000 else f"{value:,.0f} ms"


def _fmt(value, value_format):
    return "—" if value is None else value_format(value)


def _number(value):
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _shorten(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(items, *, title, value_format=_number, max_value=None, width=560, bar_height=22, label_chars=24):
    """Horizontal bars: ``items`` is [(label, value)]; labels on the left, values on the right."""
    if not items:
        return _empty(title, width)
    # 10 units a character: room for the larger text a phone gets (dashboard.css)
    label_width = min(max(len(str(label)) for label, _ in items), label_chars) * 10 + 12
    value_width = 76
    plot = width - label_width - value_width
    top = max_value or nice_ceiling(max((v or 0) for _, v in items))
    height = len(items) * (bar_height + 8) + 8
    parts = [_open(title, width, height)]
    for index, (label, value) in enumerate(items):
        y = 8 + index * (bar_height + 8)
        length = 0 if value is None else max(plot * min(value / top, 1), 0)
        name, said = str(label), _fmt(value, value_format)
        parts.append(
            f'<g class="bar"><title>{escape(name)}: {escape(said)}</title>'
            f'<text class="label" x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">'
            f"{escape(_shorten(name, label_chars))}</text>"
            f'<rect class="track" x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" rx="3"/>'
            f'<rect class="fill" x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" rx="3"/>'
            f'<text class="value" x="{label_width + plot + 8}" y="{y + bar_height * 0.7:.1f}">'
            f"{escape(said)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points, *, title, value_format=_number, width=560, height=220, label_every=None):
    """A line over time: ``points`` is [(x label, value)], evenly spaced; an area under the line."""
    if not points:
        return _empty(title, width)
    left, right, top_pad, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    counts = all(float(v or 0).is_integer() for _, v in points)
    top, tick_step = nice_scale(max((v or 0) for _, v in points), whole=counts)
    step = plot_w / max(len(points) - 1, 1)
    parts = [_open(title, width, height)]
    for tick in range(round(top / tick_step) + 1):
        value = tick * tick_step
        y = top_pad + plot_h - plot_h * value / top
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(value_format(value))}</text>")
    coords = [(left + i * step if len(points) > 1 else left + plot_w / 2,
               top_pad + plot_h - plot_h * min((v or 0) / top, 1)) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    base = top_pad + plot_h
    parts.append(f'<polygon class="area" points="{coords[0][0]:.1f},{base} {line} {coords[-1][0]:.1f},{base}"/>')
    parts.append(f'<polyline class="line" points="{line}"/>')
    # As many x labels as fit at the phone's text size (~11 units a character): they never overlap.
    longest = max(len(str(label)) for label, _ in points)
    every = label_every or max(1, math.ceil(len(points) / max(2, int(plot_w // (longest * 11 + 16)))))
    for index, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        if len(points) <= MAX_DOTS:  # beyond that, dots are noise and weight
            said = f"{label}: {_fmt(value, value_format)}"
            parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="{2.5 if len(points) < 60 else 1.5}">'
                         f"<title>{escape(said)}</title></circle>")
        if index % every == 0:
            parts.append(f'<text class="axis" x="{x:.1f}" y="{height - 8}" text-anchor="middle">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title, width, height):
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}"><title>{escape(title)}</title>')


def _empty(title, width):
    return Markup(f'{_open(title, width, 48)}<text class="empty" x="{width / 2}" y="28" '
                  f'text-anchor="middle">No data in this window</text></svg>')
