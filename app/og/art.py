"""Generative background shapes, drawn from a seeded random stream."""

import hashlib
import math
import random
from dataclasses import dataclass

from app.og.palettes import Colour, Theme

KINDS = ("circle", "circle", "ring", "rect", "triangle")


@dataclass(frozen=True)
class Shape:
    """A filled circle, a ring (circle outline `stroke` wide) or a filled polygon."""

    kind: str  # "circle" | "ring" | "polygon"
    colour: Colour
    opacity: float
    cx: float = 0.0
    cy: float = 0.0
    r: float = 0.0
    stroke: float = 0.0
    points: tuple[tuple[float, float], ...] = ()


class SeededStream:
    """Random numbers from a seed string, identical on every machine and Python.

    The seed goes through sha256 (Python's hash() is salted per process), and
    only `random()` is used: its sequence for an integer seed is the one part
    of the random module Python promises never to change.
    """

    def __init__(self, *parts: str):
        text = "\x1f".join(parts).encode("utf-8", "surrogatepass")
        self._random = random.Random(int.from_bytes(hashlib.sha256(text).digest(), "big"))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._random.random()

    def index(self, count: int) -> int:
        return min(int(self._random.random() * count), count - 1)

    def pick(self, items):
        return items[self.index(len(items))]


def _r2(value: float) -> float:
    return round(value, 2)


def _polygon(cx: float, cy: float, radius: float, sides: int, angle: float, stretch: float):
    return tuple(
        (_r2(cx + radius * stretch * math.cos(angle + 2 * math.pi * i / sides)),
         _r2(cy + radius * math.sin(angle + 2 * math.pi * i / sides)))
        for i in range(sides)
    )


def make_shapes(stream: SeededStream, theme: Theme, width: int, height: int,
                count: int) -> tuple[Shape, ...]:
    """`count` shapes spread over (and a little past) the card, big ones first."""
    scale = min(width, height)
    specs = []
    for _ in range(count):
        u = stream.uniform(0, 1)
        specs.append((
            scale * (0.05 + 0.32 * u * u),
            stream.pick(KINDS),
            stream.pick(theme.shapes),
            _r2(stream.uniform(0.3, 0.8)),
            stream.uniform(-0.08, 1.08) * width,
            stream.uniform(-0.08, 1.08) * height,
            stream.uniform(0, 2 * math.pi),
            stream.uniform(0.7, 1.4),
        ))
    shapes = []
    for radius, kind, colour, opacity, cx, cy, angle, stretch in sorted(specs, key=lambda s: -s[0]):
        if kind == "circle":
            shapes.append(Shape("circle", colour, opacity, _r2(cx), _r2(cy), _r2(radius)))
        elif kind == "ring":
            stroke = _r2(max(1.0, radius * 0.12))
            shapes.append(Shape("ring", colour, opacity, _r2(cx), _r2(cy), _r2(radius), stroke))
        elif kind == "rect":
            points = _polygon(cx, cy, radius, 4, angle, stretch)
            shapes.append(Shape("polygon", colour, opacity, points=points))
        else:
            points = _polygon(cx, cy, radius, 3, angle, 1.0)
            shapes.append(Shape("polygon", colour, opacity, points=points))
    return tuple(shapes)
