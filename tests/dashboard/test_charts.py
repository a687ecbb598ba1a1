"""Server-side SVG charts: labels are escaped, scales are round, empty series say so."""

import xml.etree.ElementTree as ET

from app.dashboard.charts import bar_chart, line_chart, nice_scale


def test_labels_are_escaped_and_the_svg_is_well_formed():
    svg = bar_chart([("<script>alert(1)</script>", 3), ("a & b", None)], title='say "hi" <b>', label_chars=40)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = ET.fromstring(str(svg))
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<script>alert(1)</script>" in texts and "—" in texts  # None is said as unknown
    ET.fromstring(str(line_chart([("<h1>", 1), ("b", 4)], title="t")))


def test_scales_are_round_numbers():
    assert nice_scale(7) == (8, 2)
    assert nice_scale(10) == (10, 5) and nice_scale(67) == (80, 20)
    assert nice_scale(0) == (1, 0.25)
    top, step = nice_scale(0.037)
    assert top >= 0.037 and round(top / step) <= 5


def test_counts_get_whole_number_ticks():
    assert nice_scale(1, whole=True) == (1, 1) and nice_scale(0, whole=True) == (1, 1)
    assert nice_scale(3, whole=True) == (3, 1) and nice_scale(7, whole=True) == (8, 2)
    root = ET.fromstring(str(line_chart([("09:00", 0), ("10:00", 1), ("11:00", 1)], title="generations")))
    ticks = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text") if el.get("text-anchor") == "end"]
    assert ticks == ["0", "1"]
    costs = ET.fromstring(str(line_chart([("a", 0.25), ("b", 1)], title="cost", value_format=str)))
    assert "0.5" in [el.text for el in costs.iter("{http://www.w3.org/2000/svg}text")]


def test_an_empty_series_says_so():
    assert "No data in this window" in bar_chart([], title="x")
    assert "No data in this window" in line_chart([], title="x")
