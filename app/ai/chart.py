"""The ``chart`` tool (renderChart): bar, line and pie charts from data, drawn with Pillow."""

import math

from PIL import Image, ImageDraw, ImageFont

COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]


def nice_step(span, ticks=4):
    """A step of 1, 2 or 5 × 10^k, the smallest with which ``ticks`` steps cover ``span``."""
    if not span or span <= 0:
        return 1
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if raw <= m * power * (1 + 1e-9))


def axis_ticks(low, high, ticks=4):
    """Round tick values, from a multiple of the step at or below ``low`` to one at or above ``high``."""
    step = nice_step(high - low, ticks)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    if first == last:
        last += 1
    # round() drops float noise (0.30000000000000004) that would print as a long label.
    return [round(n * step, 12) for n in range(first, last + 1)]


def _label(value):
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.10g}"


def _font(size):
    return ImageFont.load_default(size=size)


def render_chart(kind, labels, series, title=None, width=1024, height=640):
    """Draw a chart; ``series`` is ``[{"name", "values"}]`` with one value per label. Axes tick on round numbers."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    top = 16
    if title:
        draw.text((width / 2, top), title, font=_font(28), fill="#222", anchor="mt")
        top += 48
    box = (72, top + 8, width - 24, height - 56)
    if kind == "pie":
        _pie(draw, labels, series[0]["values"], box)
    else:
        _axes_chart(draw, kind, labels, series, box)
    if len(series) > 1 or kind == "pie":
        names = labels if kind == "pie" else [s.get("name") or f"series {i + 1}" for i, s in enumerate(series)]
        _legend(draw, names, width, height)
    return image


def _axes_chart(draw, kind, labels, series, box):
    left, top, right, bottom = box
    values = [v for s in series for v in s["values"]]
    ticks = axis_ticks(min(values + [0]), max(values + [0]))
    low, span = ticks[0], ticks[-1] - ticks[0]
    y_of = lambda v: bottom - (v - low) / span * (bottom - top)  # noqa: E731
    draw.line((left, top, left, bottom), fill="#444", width=2)
    for value in ticks:
        y = y_of(value)
        draw.line((left - 4, y, right, y), fill="#eee")
        draw.text((left - 8, y), _label(value), font=_font(14), fill="#444", anchor="rm")
    draw.line((left, y_of(0), right, y_of(0)), fill="#444", width=2)
    slot = (right - left) / max(1, len(labels))
    for index, label in enumerate(labels):
        draw.text((left + slot * (index + 0.5), bottom + 8), str(label)[:16], font=_font(14), fill="#444", anchor="mt")
    for number, item in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        if kind == "bar":
            bar = slot * 0.8 / len(series)
            for index, value in enumerate(item["values"]):
                x = left + slot * index + slot * 0.1 + bar * number
                draw.rectangle((x, min(y_of(value), y_of(0)), x + bar - 2, max(y_of(value), y_of(0))), fill=colour)
        else:
            points = [(left + slot * (i + 0.5), y_of(v)) for i, v in enumerate(item["values"])]
            draw.line(points, fill=colour, width=3, joint="curve")
            for x, y in points:
                draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=colour)


def _pie(draw, labels, values, box):
    left, top, right, bottom = box
    size = min(right - left, bottom - top) * 0.9
    cx, cy = left + (right - left) * 0.4, (top + bottom) / 2
    total = sum(values) or 1
    angle = -90.0
    for index, value in enumerate(values):
        sweep = 360.0 * value / total
        draw.pieslice((cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2), angle, angle + sweep,
                      fill=COLOURS[index % len(COLOURS)], outline="white", width=2)
        middle = math.radians(angle + sweep / 2)
        if sweep > 12:
            draw.text((cx + math.cos(middle) * size / 3, cy + math.sin(middle) * size / 3),
                      f"{100 * value / total:.0f}%", font=_font(16), fill="white", anchor="mm")
        angle += sweep


def _legend(draw, names, width, height):
    x, y = width - 200, 80
    for index, name in enumerate(names[:12]):
        draw.rectangle((x, y, x + 14, y + 14), fill=COLOURS[index % len(COLOURS)])
        draw.text((x + 22, y + 7), str(name)[:20], font=_font(14), fill="#222", anchor="lm")
        y += 22
