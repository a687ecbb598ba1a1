"""Named colour themes; `auto` lets the seed pick one."""

from dataclasses import dataclass

Colour = tuple[int, int, int]


def hex_colour(value: str) -> Colour:
    """'#rrggbb' → (r, g, b)."""
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


@dataclass(frozen=True)
class Theme:
    """Colours of one card: a two-stop background, shape colours, a text panel."""

    name: str
    background: tuple[Colour, Colour]
    shapes: tuple[Colour, ...]
    panel: Colour
    panel_opacity: float
    text: Colour
    accent: Colour


def _theme(name, bg, shapes, panel, panel_opacity, text, accent) -> Theme:
    return Theme(name, (hex_colour(bg[0]), hex_colour(bg[1])),
                 tuple(hex_colour(c) for c in shapes), hex_colour(panel),
                 panel_opacity, hex_colour(text), hex_colour(accent))


THEMES: dict[str, Theme] = {
    t.name: t
    for t in (
        _theme("dark", ("#0f172a", "#1e1b4b"),
               ("#6366f1", "#22d3ee", "#a855f7", "#f472b6", "#38bdf8"),
               "#020617", 0.62, "#f8fafc", "#facc15"),
        _theme("light", ("#f8fafc", "#e0e7ff"),
               ("#93c5fd", "#c4b5fd", "#fda4af", "#86efac", "#fde68a"),
               "#ffffff", 0.7, "#0f172a", "#4f46e5"),
        _theme("sunset", ("#3b0764", "#9a3412"),
               ("#fb923c", "#f43f5e", "#facc15", "#c026d3", "#fdba74"),
               "#1c0a1f", 0.58, "#fff7ed", "#fde047"),
        _theme("ocean", ("#082f49", "#0e7490"),
               ("#22d3ee", "#2dd4bf", "#38bdf8", "#a5f3fc", "#0ea5e9"),
               "#04202f", 0.6, "#ecfeff", "#5eead4"),
        _theme("forest", ("#052e16", "#365314"),
               ("#4ade80", "#a3e635", "#facc15", "#22c55e", "#bef264"),
               "#03170b", 0.6, "#f7fee7", "#fde047"),
        _theme("candy", ("#fdf2f8", "#ede9fe"),
               ("#f472b6", "#a78bfa", "#60a5fa", "#fbbf24", "#34d399"),
               "#ffffff", 0.72, "#3b0764", "#db2777"),
    )
}
