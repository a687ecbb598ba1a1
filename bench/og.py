"""OG card render benchmark: prints median milliseconds per step, then the HTTP figures.

    python bench/og.py [--renders 300] [--requests 400] [--no-http] [--database-url URL]

The card is the one the issue names: 1200×630, a 120-character quote, 12
shapes. Alternatives are timed on the same frame when their packages are
installed (zlib-ng, deflate, imagecodecs, fpng, resvg); missing ones are skipped.
The HTTP part (gunicorn, 2 workers; tracking on and off) is bench/og_http.py.
"""

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from og_http import main_http  # noqa: E402

from app.og.encode import encode_png  # noqa: E402
from app.og.params import make_params  # noqa: E402
from app.og.raster import draw_scene  # noqa: E402
from app.og.render import RENDERER_VERSION, render  # noqa: E402
from app.og.scene import build_scene  # noqa: E402
from app.og.svg import render_svg  # noqa: E402

QUOTE = ("The best way to predict the future is to invent it; the second best is to "
         "render it fast and cache it forever, they say.")  # 120 characters


def median_ms(fn, count: int, warmup: int = 20) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _raw_rows(image) -> bytes:
    raw, stride = image.tobytes(), image.width * 3
    return b"".join(b"\x00" + raw[i:i + stride] for i in range(0, len(raw), stride))


def encoder_alternatives(image):
    """(name, callable returning bytes) for every encoder worth comparing."""
    def pillow(**options):
        def encode():
            out = io.BytesIO()
            image.save(out, "PNG", **options)
            return out.getvalue()
        return encode

    rows = _raw_rows(image)
    yield "Pillow PNG, default zlib (level 6, adaptive filters)", pillow()
    yield "Pillow PNG, compress_level=1", pillow(compress_level=1)
    yield "filter None + zlib level 1 (deflate only)", lambda: zlib.compress(rows, 1)
    yield "filter None + ISA-L level 2 (chosen, full PNG)", lambda: encode_png(image)
    try:
        from zlib_ng import zlib_ng
        yield "filter None + zlib-ng level 1 (deflate only)", lambda: zlib_ng.compress(rows, 1)
    except ImportError:
        pass
    try:
        import deflate
        yield "filter None + libdeflate level 1 (deflate only)", lambda: deflate.zlib_compress(rows, 1)
        yield "filter None + libdeflate level 6 (deflate only)", lambda: deflate.zlib_compress(rows, 6)
    except ImportError:
        pass
    try:
        import imagecodecs
        import numpy
        pixels = numpy.asarray(image)
        yield "imagecodecs png_encode level 1", lambda: imagecodecs.png_encode(pixels, level=1)
    except ImportError:
        pass


def resvg_alternative(svg: bytes):
    try:
        import resvg
    except ImportError:
        return None
    options = resvg.usvg.Options.default()
    return lambda: resvg.render(resvg.usvg.Tree.from_str(svg.decode(), options), (1, 0, 0, 0, 1, 0))


def run_peer(renders: int) -> dict | None:
    """The @vercel/og engine on the same card (bench/peer), if node and its packages are there."""
    peer = Path(__file__).resolve().parent / "peer"
    if not shutil.which("node") or not (peer / "node_modules" / "satori").exists():
        return None
    done = subprocess.run(["node", "og_peer.mjs", str(renders)], cwd=peer, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  peer failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    n = args.renders
    params = make_params("bench-seed", quote=QUOTE, author="Alan Kay", shapes=12)
    svg_params = make_params("bench-seed", quote=QUOTE, author="Alan Kay", shapes=12, format="svg")
    scene = build_scene(params)
    image = draw_scene(scene)
    png = render(params)[0]
    print(f"OG card 1200x630, {len(QUOTE)}-character quote, 12 shapes; renderer {RENDERER_VERSION}; "
          f"median of {n} after warm-up")
    print(f"  SVG, params -> bytes        {median_ms(lambda: render(svg_params), n):7.2f} ms"
          f"  ({len(render(svg_params)[0])} bytes)")
    ours = median_ms(lambda: render(params), n)
    print(f"  PNG, params -> bytes        {ours:7.2f} ms  ({len(png)} bytes)")
    peer = run_peer(n)
    if peer is None:
        print("  peer: not run (needs node and `npm install` in bench/peer)")
    else:
        print(f"  peer PNG, satori + resvg-js {peer['total_ms']:7.2f} ms  ({peer['bytes']} bytes; Node "
              f"{peer['node']}: satori {peer['satori_ms']:.2f}, rasterise {peer['rasterise_ms']:.2f}, "
              f"encode {peer['encode_ms']:.2f}); ours again "
              f"{median_ms(lambda: render(params), n):.2f} ms")
    print(f"    scene (layout + shapes)   {median_ms(lambda: build_scene(params), n):7.2f} ms")
    print(f"    draw (Pillow + aggdraw)   {median_ms(lambda: draw_scene(scene), n):7.2f} ms")
    unique = [build_scene(make_params(f"seed-{i}", quote=QUOTE, author="Alan Kay", shapes=12)) for i in range(n)]
    scenes = iter(unique * 2)
    print(f"    draw, {n} different seeds  {median_ms(lambda: draw_scene(next(scenes)), n, 0):7.2f} ms")
    print(f"    encode PNG                {median_ms(lambda: encode_png(image), n):7.2f} ms")
    print(f"    SVG from scene            {median_ms(lambda: render_svg(scene), n):7.2f} ms")
    print("PNG encoders on the same frame (alternatives):")
    for name, encode in encoder_alternatives(image):
        print(f"  {name:52s} {median_ms(encode, max(30, n // 5), 3):7.2f} ms  {len(encode()):7d} bytes")
    rasterise = resvg_alternative(render_svg(scene))
    if rasterise is not None:
        print(f"  {'resvg 0.2 rasterising our SVG (RGBA, no encode)':52s} "
              f"{median_ms(rasterise, max(30, n // 5), 3):7.2f} ms")
    if not args.no_http:
        main_http(args.requests, database_url=args.database_url)


if __name__ == "__main__":
    main()
