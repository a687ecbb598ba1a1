"""Hostile SVG logos are refused with a 400 naming the logo, before or while they are drawn, never a hung
worker: each bomb is made here, a few KB at most."""

import random
import time

import pytest

from app.og.logos import load_logo
from app.og.params import ParamError
from app.og.svg_sandbox import Budget, DrawingRefused, draw_png
from tests.og.support import b64, create

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">'


def nested_use(levels=10, fan_out=10):
    parts = ['<defs><rect id="l0" width="1" height="1"/>']
    for level in range(1, levels):
        uses = "".join(f'<use xlink:href="#l{level - 1}"/>' for _ in range(fan_out))
        parts.append(f'<g id="l{level}">{uses}</g>')
    parts.append(f'</defs><use xlink:href="#l{levels - 1}"/>')
    return (SVG_OPEN + "".join(parts) + "</svg>").encode()


def nested_masks(levels=40):
    parts = ['<defs><mask id="m0"><rect width="100000" height="100000" fill="#fff"/></mask>']
    for level in range(1, levels):
        parts.append(f'<mask id="m{level}" maskUnits="userSpaceOnUse" x="-1e5" y="-1e5" width="2e5" height="2e5">'
                     f'<rect width="100000" height="100000" fill="#fff" mask="url(#m{level - 1})"/></mask>')
    parts.append(f'</defs><rect width="100" height="100" mask="url(#m{levels - 1})"/>')
    return (SVG_OPEN + "".join(parts) + "</svg>").encode()


def billion_laughs_utf16():
    entities = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">'
                                          for i in range(1, 10)]
    text = (f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [{"".join(entities)}]>'
            f'{SVG_OPEN}<title>&lol9;</title><rect width="1" height="1"/></svg>')
    return text.encode("utf-16")


def doctype_after_the_first_4096_bytes():
    padding = "<!-- " + "x" * 5000 + " -->"
    return (f'{padding}<!DOCTYPE svg [<!ENTITY a "aaaa">]>{SVG_OPEN}<title>&a;</title></svg>').encode()


def self_reference():
    return (SVG_OPEN + '<g id="a"><rect width="1" height="1"/><use xlink:href="#a"/></g></svg>').encode()


BOMBS = {
    "nested-use": (nested_use, "more than 20000 elements"),
    "nested-masks": (nested_masks, "deeper than 8"),
    "utf16-billion-laughs": (billion_laughs_utf16, "UTF-8"),
    "doctype-after-4096-bytes": (doctype_after_the_first_4096_bytes, "DOCTYPE"),
    "use-cycle": (self_reference, "refers to itself"),
}


@pytest.mark.parametrize("make, reason", BOMBS.values(), ids=BOMBS.keys())
def test_a_bomb_is_a_400_naming_the_logo(client, admin_key, make, reason):
    data = make()
    assert len(data) < 8192
    response = create(client, admin_key[1], logo=b64(data))
    assert response.status_code == 400, response.get_json()
    assert "logo" in response.get_json()["message"] and reason in response.get_json()["message"]
    assert client.get("/og/templates").get_json()["items"] == []


@pytest.mark.parametrize("spelling", ["URL", "Url", "uRl"])
def test_an_outside_reference_in_any_letter_case_is_removed(spelling):
    data = (SVG_OPEN + f'<rect width="10" height="10" fill="{spelling}(http://evil.example/x)"/>'
            f'<rect width="5" height="5" mask="{spelling}( https://evil.example/m )"/></svg>').encode()
    logo = load_logo(data)
    assert b"evil.example" not in logo.data and logo.data.count(b"<rect") == 2


def test_an_svg_declaring_another_encoding_is_refused():
    data = ('<?xml version="1.0" encoding="ISO-8859-1"?>' + SVG_OPEN + "</svg>").encode()
    with pytest.raises(ParamError, match="UTF-8"):
        load_logo(data)


def test_a_modest_use_tree_and_a_short_mask_chain_are_drawn():
    logo = load_logo(nested_use(levels=3, fan_out=10))  # 111 rectangles
    assert logo.kind == "svg" and logo.png.startswith(b"\x89PNG")
    assert load_logo(nested_masks(levels=4)).kind == "svg"


def _heavy_svg():
    """Under every static bound (a few hundred KB, 12 elements) and still seconds of drawing."""
    rng = random.Random(1)
    points = " ".join(f"L{rng.uniform(0, 100):.1f} {rng.uniform(0, 100):.1f}" for _ in range(3000))
    paths = "".join(f'<path d="M0 0 {points}" stroke="#0a7" stroke-width="40" stroke-linejoin="round" '
                    'fill="none" opacity="0.5"/>' for _ in range(12))
    return SVG_OPEN + paths + "</svg>"


def test_drawing_past_its_cpu_budget_is_stopped():
    started = time.monotonic()
    with pytest.raises(DrawingRefused, match="CPU|longer than"):
        draw_png(_heavy_svg(), width=512, budget=Budget(cpu_seconds=1, wall_seconds=20))
    assert time.monotonic() - started < 20


def test_drawing_past_its_memory_budget_is_stopped():
    """A canvas of 20,000 pixels a side needs 1.6 GB: the address-space limit stops it, a 400 not an OOM kill."""
    with pytest.raises(DrawingRefused, match="MiB of memory"):
        draw_png(SVG_OPEN + '<rect width="1" height="1"/></svg>', width=20_000)
