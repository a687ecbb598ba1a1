"""The chart tool's value axis ticks on round numbers (1, 2 or 5 × 10^k), negatives included."""

from PIL import ImageDraw

from app.ai.chart import axis_ticks, render_chart


def _drawn_labels(monkeypatch, **chart):
    drawn = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):
        drawn.append((kwargs.get("anchor"), content))
        return original(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    render_chart(**chart)
    return [content for anchor, content in drawn if anchor == "rm"]  # the value axis labels


def test_the_rendered_axis_says_round_numbers(monkeypatch):
    labels = _drawn_labels(monkeypatch, kind="bar", labels=["a", "b", "c"],
                           series=[{"name": "s", "values": [3, 7, 12.5]}])
    assert labels == ["0", "5", "10", "15"]
    labels = _drawn_labels(monkeypatch, kind="line", labels=["q1", "q2"],
                           series=[{"values": [-37, 81]}, {"values": [12, 4]}])
    assert labels == ["-50", "0", "50", "100"]


def test_ticks_for_awkward_ranges():
    assert axis_ticks(0, 0.37) == [0, 0.1, 0.2, 0.3, 0.4]
    assert axis_ticks(0, 1234) == [0, 500, 1000, 1500]
    assert axis_ticks(0, 0) == [0, 1]
    assert axis_ticks(-3, 0) == [-3, -2, -1, 0]
    for low, high in [(0, 9), (2, 97), (-0.004, 0.013), (0, 1e9)]:
        ticks = axis_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and 3 <= len(ticks) <= 7
        step = ticks[1] - ticks[0]
        assert f"{step:.1e}"[0] in "125", (low, high, ticks)
