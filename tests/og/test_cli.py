"""flask og render writes the card GET /og serves."""

import io

from PIL import Image


def test_render_writes_a_valid_png(app, client, tmp_path):
    out = tmp_path / "card.png"
    result = app.test_cli_runner().invoke(args=[
        "og", "render", "--seed", "cli", "--aspect", "youtube", "--quote", "From the shell",
        "--author", "Ada", "--out", str(out)])
    assert result.exit_code == 0, result.output
    image = Image.open(io.BytesIO(out.read_bytes()))
    image.load()
    assert (image.format, image.size) == ("PNG", (1280, 720))
    served = client.get("/og/cli.png?aspect=youtube&quote=From%20the%20shell&author=Ada")
    assert served.data == out.read_bytes()


def test_render_svg_from_the_extension_and_bounds(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "card.svg"
    assert runner.invoke(args=["og", "render", "--seed", "s", "--out", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"<svg")
    bad = runner.invoke(args=["og", "render", "--seed", "s", "--width", "5", "--out", str(out)])
    assert bad.exit_code == 2 and "--width" in bad.output and "64 and 4096" in bad.output
