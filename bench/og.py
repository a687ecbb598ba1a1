"""OG cards side by side with the satori + resvg-js peer: median ms per 1200×630 PNG, worker memory.

    python bench/og.py [--renders 40] [--rounds 4] [--requests 400] [--no-http] [--no-peer] [--database-url URL]

Cases (the same text and font files on both sides): the Latin quote card, an
article card with a logo, a Japanese card, an Arabic card and a card mixing
Latin, Japanese, Arabic and emoji. The peer is bench/peer/og_peer.mjs
(`npm install` there first). Both sides render a new seed per card, in
``--rounds`` alternating rounds (ours then the peer, then the other way round),
so that a change in the machine's load falls on both; the figure is the median
of every card. Then: the first card of a fresh process on each side (fonts
parsed on first use), memory of a fresh process after the first card of every
script, and the HTTP figures (bench/og_http.py: the Latin card uncached and
cached through gunicorn, with the cached card's server time).
"""

import argparse
import base64
import functools
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


def our_samples(name: str, count: int, round_number: int) -> list[float]:
    """ms per card of ``count`` cards of one case, each of a new seed."""
    samples = []
    for index in range(count):
        params, brand = card_inputs(name, f"bench-{round_number}-{index}")
        start = time.perf_counter()
        render(params, brand)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (120, 40), (250, 204, 21, 255)).save(out, "PNG")
    return out.getvalue()


def card_inputs(name: str, seed: str = "bench-seed"):
    """(params, brand) of one case; the article carries a logo through a brand, as templates do."""
    if name != "article + logo":
        return make_params(seed, **CASES[name]), None
    brand = _article_brand()
    return make_params(seed, brand=brand.key, **CASES[name]), brand


@functools.cache
def _article_brand():
    brand = preview_brand("article", {}, "dejavu")
    return brand.__class__(**{**brand.__dict__, "logo": load_logo(logo_png())})


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


def run_peer(renders: int, only: str | None = None) -> dict | None:
    """The @vercel/og engine on the same cards (or on case ``only``), if node and its packages are there."""
    if not shutil.which("node") or not (PEER / "node_modules" / "satori").exists():
        return None
    workdir = Path(tempfile.gettempdir()) / "imprint-og-peer"
    workdir.mkdir(exist_ok=True)
    spec_path = workdir / "cases.json"
    spec = peer_spec(workdir)
    if only:
        spec["cases"] = {only: spec["cases"][only]}
    spec_path.write_text(json.dumps(spec))
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
FIRST_CARD_SCRIPT = """
import sys, time
sys.path.insert(0, 'bench')
from og import card_inputs
from app.og.render import render
params, brand = card_inputs(sys.argv[1])
start = time.perf_counter()
render(params, brand)
print((time.perf_counter() - start) * 1000)
"""


def our_first_card_ms(name: str) -> float:
    """The first card of a fresh process: the fonts its text needs are read and parsed on the way."""
    done = subprocess.run([sys.executable, "-c", FIRST_CARD_SCRIPT, name], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=40, help="cards per case and side, over all rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    per_round = max(1, args.renders // args.rounds)
    print(f"OG cards 1200x630 PNG, renderer {RENDERER_VERSION}; median ms of {per_round * args.rounds} cards"
          f" per case and side ({args.rounds} alternating rounds, a new seed per card)")
    for name in CASES:
        our_samples(name, 5, -1)  # warm-up: fonts and glyphs loaded, as in a serving process
    ours = {name: [] for name in CASES}
    theirs = {name: [] for name in CASES}
    peer = None
    for number in range(args.rounds):
        for side in ("ours", "peer") if number % 2 == 0 else ("peer", "ours"):
            if side == "ours":
                for name in CASES:
                    ours[name] += our_samples(name, per_round, number)
            elif not args.no_peer:
                peer = run_peer(per_round)
                if peer is None:
                    break
                for name in CASES:
                    theirs[name] += peer["results"][name]["samples"]
    if peer is None:
        print("  peer: not run (needs node and `npm install` in bench/peer)")
    head = "peer (satori + resvg-js)" if peer else ""
    print(f"  {'case':16s} {'ours':>8s} {head:>26s} {'ours/peer':>10s}")
    for name in CASES:
        mine = statistics.median(ours[name])
        if peer:
            other = statistics.median(theirs[name])
            print(f"  {name:16s} {mine:8.2f} {other:14.2f} (satori {peer['results'][name]['satori_ms']:6.2f}) "
                  f"{mine / other:9.2f}x")
        else:
            print(f"  {name:16s} {mine:8.2f}")
    if peer:
        print(f"  peer: Node {peer['node']}, RSS after all cases {peer['rss_mb']:.0f} MB")
    print("The first card of a fresh process (its fonts parsed on the way), ms:")
    for name in CASES:
        mine = our_first_card_ms(name)
        alone = run_peer(1, only=name) if peer else None
        other = alone["results"][name]["first_ms"] if alone else None
        print(f"  {name:16s} ours {mine:8.1f}" + (f"  peer {other:8.1f}  ({mine / other:.2f}x)" if other else ""))
    print("Memory of a fresh process (RSS), after the first card of each script:")
    subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], cwd=Path(__file__).resolve().parents[1], check=True)
    if not args.no_http:
        rows = main_http(args.requests, database_url=args.database_url)
        if peer:
            other = statistics.median(theirs["latin quote"])
            for tracking in (False, True):
                latency = rows[(tracking, "uncached, 1 client")]["p50"]
                print(f"Latin card through HTTP, tracking {'on' if tracking else 'off'} (a new card, one client, p50"
                      f" {latency:.2f} ms) against the peer's in-process render ({other:.2f} ms): {latency / other:.2f}x")


if __name__ == "__main__":
    main()
