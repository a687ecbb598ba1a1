"""OG cards side by side with the satori + resvg-js peer: median ms per 1200×630 PNG, worker memory.

    python bench/og.py [--renders 40] [--requests 400] [--no-http] [--no-peer] [--database-url URL]

Cases (the same text and font files on both sides): the Latin quote card, an
article card with a logo, a Japanese card, an Arabic card and a card mixing
Latin, Japanese, Arabic and emoji. The peer is bench/peer/og_peer.mjs
(`npm install` there first). Then: memory of a fresh process after the first
card of every script, and the HTTP figures (bench/og_http.py: the Latin card
uncached and cached through gunicorn, with the cached card's server time).
"""

import argparse
import base64
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from og_http import main_http  # noqa: E402
from PIL import Image  # noqa: E402

from app.og.fonts import FAMILIES, FONT_DIR, colour_glyph, get_face  # noqa: E402
from app.og.logos import load_logo  # noqa: E402
from app.og.params import make_params  # noqa: E402
from app.og.render import RENDERER_VERSION, render  # noqa: E402
from app.og.templates import preview_brand  # noqa: E402

PEER = Path(__file__).resolve().parent / "peer"
QUOTE = ("The best way to predict the future is to invent it; the second best is to "
         "render it fast and cache it forever, they say.")  # 120 characters
JAPANESE = "東京の夜景はとても美しいです。明日の朝、富士山を見に行きましょう。"
ARABIC = "مرحبا بالعالم، هذه بطاقة عربية تتصل حروفها وتقرأ من اليمين إلى اليسار."
MIXED = "Launch day in 東京 and مرحبا بالعالم 🚀🎉"
CASES = {
    "latin quote": dict(quote=QUOTE, author="Alan Kay"),
    "article + logo": dict(layout="article", title="Shaping text for every script on a social card",
                           description="HarfBuzz, ICU and the Noto fonts", site="imprint.example",
                           author="Ada Lovelace · 1 Dec 2026"),
    "japanese": dict(quote=JAPANESE, author="山田太郎"),
    "arabic": dict(quote=ARABIC, author="أحمد"),
    "mixed + emoji": dict(quote=MIXED, author="Team"),
}
PEER_FONTS = {  # the families the peer needs for each case (satori takes no fallback chain of its own)
    "latin quote": ["dejavu"], "article + logo": ["dejavu"], "japanese": ["dejavu", "cjk"],
    "arabic": ["dejavu", "arabic"], "mixed + emoji": ["dejavu", "cjk", "arabic"],
}


def median_ms(fn, count: int, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (120, 40), (250, 204, 21, 255)).save(out, "PNG")
    return out.getvalue()


def card_inputs(name: str):
    """(params, brand) of one case; the article carries a logo through a brand, as templates do."""
    params = make_params("bench-seed", **CASES[name])
    if name != "article + logo":
        return params, None
    brand = preview_brand("article", {}, "dejavu")
    brand = brand.__class__(**{**brand.__dict__, "logo": load_logo(logo_png())})
    return make_params("bench-seed", brand=brand.key, **CASES[name]), brand


def _cjk_faces(workdir: Path) -> list[tuple[str, Path, int]]:
    """satori reads no font collections: the Japanese faces, taken out of the shipped .ttc once."""
    from fontTools.ttLib import TTCollection
    faces = []
    for weight, number in (("regular", 400), ("bold", 700)):
        target = workdir / f"NotoSansCJKjp-{weight}.otf"
        if not target.exists():
            TTCollection(str(FONT_DIR / FAMILIES["cjk"][weight].file), lazy=True).fonts[0].save(str(target))
        faces.append(("Noto Sans CJK JP", target, number))
    return faces


def peer_spec(workdir: Path) -> dict:
    cases = {}
    for name, families in PEER_FONTS.items():
        fonts = []
        for family in families:
            if family == "cjk":
                fonts += [{"name": n, "path": str(p), "weight": w} for n, p, w in _cjk_faces(workdir)]
                continue
            for weight, number in (("regular", 400), ("bold", 700)):
                fonts.append({"name": family, "path": str(FONT_DIR / FAMILIES[family][weight].file),
                              "weight": number})
        text = CASES[name]
        emoji = {}
        for ch in text.get("quote", ""):
            if ord(ch) >= 0x1F000:
                gid = get_face("emoji-regular").shape(ch, 0, 1, "ltr", None, None)[0][0]
                emoji[ch] = "data:image/png;base64," + base64.b64encode(colour_glyph("emoji-regular", gid)[0]).decode()
        cases[name] = {"kind": "article" if "layout" in text else "quote", "fonts": fonts, "emoji": emoji,
                       "quote": text.get("quote", ""), "author": text.get("author", ""),
                       "title": text.get("title", ""), "description": text.get("description", ""),
                       "site": text.get("site", ""), "rtl": name == "arabic",
                       "size": 52 if name == "latin quote" else 56,
                       "logo": "data:image/png;base64," + base64.b64encode(logo_png()).decode()}
    return {"cases": cases}


def run_peer(renders: int) -> dict | None:
    """The @vercel/og engine on the same cards, if node and its packages are there."""
    if not shutil.which("node") or not (PEER / "node_modules" / "satori").exists():
        return None
    workdir = Path(tempfile.gettempdir()) / "imprint-og-peer"
    workdir.mkdir(exist_ok=True)
    spec_path = workdir / "cases.json"
    spec_path.write_text(json.dumps(peer_spec(workdir)))
    done = subprocess.run(["node", "og_peer.mjs", str(spec_path), str(renders)], cwd=PEER,
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  peer failed: {done.stderr.strip().splitlines()[-3:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


MEMORY_SCRIPT = """
import resource, sys, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
sys.path.insert(0, '.')
from app import create_app
create_app({'TESTING': True})
from app.og.params import make_params
from app.og.render import render
print(f"  after create_app            {rss():7.1f} MB")
for name, text in [("Latin", "Hello world"), ("Japanese", "東京の夜景"), ("Chinese", "你好世界"),
                   ("Korean", "안녕하세요 세계"), ("Hindi", "नमस्ते दुनिया"), ("Thai", "สวัสดีชาวโลก"),
                   ("Arabic", "مرحبا بالعالم"), ("Hebrew", "שלום עולם"), ("Bengali", "হ্যালো বিশ্ব"),
                   ("Tamil", "வணக்கம் உலகம்"), ("emoji", "🚀🎉👨‍👩‍👧")]:
    start = time.perf_counter()
    render(make_params("mem", quote=text, author=text))
    print(f"  + first {name:9s} card  {rss():7.1f} MB   ({(time.perf_counter() - start) * 1000:6.1f} ms)")
print(f"  peak                        {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.1f} MB")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    n = args.renders
    print(f"OG cards 1200x630 PNG, renderer {RENDERER_VERSION}; median ms of {n} after warm-up")
    peer = None if args.no_peer else run_peer(n)
    if peer is None:
        print("  peer: not run (needs node and `npm install` in bench/peer)")
    head = "peer (satori + resvg-js)" if peer else ""
    print(f"  {'case':16s} {'ours':>8s} {head:>26s} {'ours/peer':>10s}")
    for name in CASES:
        params, brand = card_inputs(name)
        ours = median_ms(lambda p=params, b=brand: render(p, b), n)
        if peer:
            theirs = peer["results"][name]
            print(f"  {name:16s} {ours:8.2f} {theirs['total_ms']:14.2f} (satori {theirs['satori_ms']:6.2f}) "
                  f"{ours / theirs['total_ms']:9.2f}x")
        else:
            print(f"  {name:16s} {ours:8.2f}")
    if peer:
        print(f"  peer: Node {peer['node']}, RSS after all cases {peer['rss_mb']:.0f} MB")
    print("Memory of a fresh process (RSS), after the first card of each script:")
    subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], cwd=Path(__file__).resolve().parents[1], check=True)
    if not args.no_http:
        main_http(args.requests, database_url=args.database_url)


if __name__ == "__main__":
    main()
