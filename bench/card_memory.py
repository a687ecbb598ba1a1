"""A worker's memory under every kind of card, for a while: its RSS, the caches' bytes, against the ceiling.

    nice -n 10 .venv/bin/python bench/card_memory.py [--seconds 120] [--threads 4] [--every 10] [--ceiling 300]

Starts gunicorn as production does in local mode (gunicorn.conf.py, SQLite, tracking on)
with one worker of four threads, so one process holds every cache and its RSS is the
figure. Registers brand templates with every bundled font the upload checks accept
(each refusal is printed) and a font built here whose every glyph is a box as large as
the checks allow (4 em either way), each template with a logo. Then, for ``--seconds``,
``--threads`` clients ask for new cards (a new seed each): titles and quotes drawn from
every script the renderer has a face for (random letters of it, so new glyphs keep
coming), alone and mixed, in every base font and template, every layout, theme, preset
size and custom sizes up to the largest allowed, every format. Every ``--every`` seconds
and at the end it prints the worker's RSS and peak (``/proc``), the OG caches' bytes
(``/metrics``), requests and errors. Exits 1 on an error answer or a peak over
``--ceiling`` MB.
"""

import argparse
import base64
import http.client
import io
import json
import os
import random
import sys
import tempfile
import threading
import time
import unicodedata
from urllib.parse import quote, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hostile import admin_key, workers  # noqa: E402
from load_local import LocalServer  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from app.og import presets  # noqa: E402
from app.og.fonts import BASE_FAMILIES, FONT_DIR, SCRIPT_FAMILIES  # noqa: E402
from app.og.palettes import THEMES  # noqa: E402
from tests.og.font_builder import build_font  # noqa: E402

# Letters of each script (ISO 15924, as the renderer's table names them), and emoji.
SCRIPT_RANGES = {
    "Latn": [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F)], "Grek": [(0x391, 0x3C9)], "Cyrl": [(0x400, 0x45F)],
    "Arab": [(0x621, 0x64A), (0x671, 0x6D3)], "Hebr": [(0x5D0, 0x5EA)], "Deva": [(0x904, 0x94D)],
    "Beng": [(0x985, 0x9CC)], "Gujr": [(0xA85, 0xACC)], "Guru": [(0xA05, 0xA4C)], "Taml": [(0xB85, 0xBCC)],
    "Telu": [(0xC05, 0xC4C)], "Knda": [(0xC85, 0xCCC)], "Mlym": [(0xD05, 0xD4C)], "Thai": [(0xE01, 0xE3A)],
    "Hani": [(0x4E00, 0x9FFF)], "Hira": [(0x3041, 0x3096)], "Kana": [(0x30A1, 0x30FA)], "Hang": [(0xAC00, 0xD7A3)],
    "Bopo": [(0x3105, 0x312F)], "Zsye": [(0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF),
                                         (0x1F900, 0x1F9FF)],
}
# The language a script's cards say they are in (the CJK ones pick the collection's regional faces).
LANGUAGES = {"Hani": ("ja", "zh-Hans", "zh-TW", "zh-HK", "ko", None), "Hira": ("ja",), "Kana": ("ja",),
             "Hang": ("ko",), "Bopo": ("zh-TW",), "Arab": ("ar",), "Hebr": ("he",), "Thai": ("th",)}
FORMATS = ("png", "png", "png", "webp", "jpeg", "svg")  # PNG is what crawlers ask for most
LOGO_SIDE = 1024
# About the largest glyphs a font may have and still be accepted: 3.9 em wide and tall, from the origin
# (its left side bearing) rightwards and 1.95 em either side of the baseline.
HUGE_BOX = (50, -1950, 3950, 1950)
MAX_URL = 4000  # gunicorn's request line limit is 4094 bytes: a longer URL is a 414, not a card


def letters(script):
    """Every assigned character of the script's ranges."""
    found = [chr(cp) for low, high in SCRIPT_RANGES[script] for cp in range(low, high + 1)
             if unicodedata.category(chr(cp)) not in ("Cn", "Co", "Cs")]
    if not found:
        raise SystemExit(f"no letters for script {script}")
    return found


def text(rng, alphabets, limit):
    """Random words of the given alphabets, at most ``limit`` characters (often much shorter)."""
    length = rng.choice((rng.randint(3, 30), rng.randint(20, 80), rng.randint(1, limit)))
    words = []
    while sum(map(len, words)) + len(words) < length:
        alphabet = rng.choice(alphabets)
        words.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))))
    return " ".join(words)[:limit].strip() or "x"


def logo_png():
    """A PNG logo as big as a template may have (coloured bands compress under the 512 KiB bound)."""
    image = Image.new("RGBA", (LOGO_SIDE, LOGO_SIDE // 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i in range(0, LOGO_SIDE, 16):
        draw.rectangle((i, 0, i + 12, LOGO_SIDE // 2), fill=(i % 256, (3 * i) % 256, 200, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def post(port, path, body, key):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {key}",
                                                        "Content-Type": "application/json"})
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    return response.status, answer


def register_templates(port, key):
    """A template per font the checks accept (bundled, and the huge-glyph one); {name: font}."""
    fonts = {path.name: path.read_bytes() for path in sorted(FONT_DIR.iterdir()) if path.suffix in (".ttf", ".otf")}
    fonts["built: every glyph a 4 em box"] = build_font(letters=[chr(cp) for cp in range(0x21, 0x7F)], box=HUGE_BOX)
    logo = base64.b64encode(logo_png()).decode()
    templates = {}
    for number, (name, data) in enumerate(fonts.items()):
        layout = presets.LAYOUTS[number % len(presets.LAYOUTS)]
        status, answer = post(port, "/og/templates", {"name": f"font-{number}", "layout": layout, "logo": logo,
                                                      "font_file": base64.b64encode(data).decode()}, key)
        if status == 201:
            templates[f"font-{number}"] = name
        verdict = "accepted" if status == 201 else f"{status} {json.loads(answer).get('message', '')[:100]}"
        print(f"  template font-{number} ({layout}): {name}: {verdict}")
    return templates


def card_path(rng, number, scripts, templates):
    """A new card: text of one script or several, in a base font or a template, any layout, size and format."""
    chosen = rng.sample(sorted(scripts), rng.choice((1, 1, 1, 2, 3)))
    alphabets = [scripts[script] for script in chosen]
    lang = rng.choice(LANGUAGES.get(chosen[0], (None,)))
    query = {"lang": lang, "shapes": rng.randint(0, presets.MAX_SHAPES)}
    if rng.random() < 0.2:  # custom sizes, up to the largest area allowed
        width = rng.randint(presets.MIN_SIZE, 2048)
        query.update(width=width, height=min(presets.MAX_SIZE, presets.MAX_PIXELS // width, rng.randint(64, 2048)))
    else:
        query["aspect"] = rng.choice(presets.ASPECTS)
    for field in rng.sample(sorted(presets.TEXT_LIMITS), rng.randint(1, 4)):
        query[field] = text(rng, alphabets, presets.TEXT_LIMITS[field])
        while len(urlencode(query)) > MAX_URL - 300 and query[field]:  # the rest of the URL fits in 300 bytes
            query[field] = query[field][:len(query[field]) * 2 // 3].strip()
        if not query[field]:  # the fields before it took the room (it fitted without this one)
            del query[field]
    fmt = rng.choice(FORMATS)
    seed = f"m{number}-{rng.random():.6f}"
    if templates and rng.random() < 0.4:
        return f"/og/t/{rng.choice(sorted(templates))}/v1/{quote(seed)}.{fmt}?" + urlencode(
            {k: v for k, v in query.items() if v is not None}), "+".join(chosen)
    query.update(seed=seed, format=fmt, font=rng.choice(BASE_FAMILIES), layout=rng.choice(presets.LAYOUTS),
                 theme=rng.choice(("auto", *THEMES)))
    return "/og?" + urlencode({k: v for k, v in query.items() if v is not None}), "+".join(chosen)


class Load:
    """``threads`` keep-alive clients asking for new cards until stopped; counts and the first errors."""

    def __init__(self, port, threads, scripts, templates):
        self.port, self.scripts, self.templates = port, scripts, templates
        self.requests, self.errors, self.first_errors, self.by_script = 0, 0, [], {}
        self.lock, self.stopping = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(threads)]

    def client(self, number):
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        count = 0
        while not self.stopping.is_set():
            path, script = card_path(rng, f"{number}.{count}", self.scripts, self.templates)
            count += 1
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status = repr(error)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            with self.lock:
                self.requests += 1
                self.by_script[script.split("+")[0]] = self.by_script.get(script.split("+")[0], 0) + 1
                if status != 200:
                    self.errors += 1
                    if len(self.first_errors) < 5:
                        self.first_errors.append((status, path[:160]))
        connection.close()

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(180)


def memory_mb(pid):
    """(RSS, peak RSS) of a process in MB, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values["VmRSS"], values["VmHWM"]


def cache_bytes(port):
    """{cache: (bytes, bound)} from the worker's /metrics."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/metrics")
    body = connection.getresponse().read().decode()
    connection.close()
    found = {}
    for line in body.splitlines():
        for metric, slot in (("imprint_og_cache_bytes{", 0), ("imprint_og_cache_max_bytes{", 1)):
            if line.startswith(metric):
                name = line.split('cache="', 1)[1].split('"', 1)[0]
                found.setdefault(name, [0, 0])[slot] = float(line.rsplit(" ", 1)[1])
    return found


def report(label, started, load, pid, port):
    rss, peak = memory_mb(pid)
    caches = cache_bytes(port)
    held = sum(value for value, _bound in caches.values()) / 2**20
    print(f"{label:>6} {time.monotonic() - started:6.0f}s  requests {load.requests:6d}  errors {load.errors}  "
          f"RSS {rss:6.1f} MB  peak {peak:6.1f} MB  caches {held:6.1f} MiB", flush=True)
    return peak, caches


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="how long the cards keep coming")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients (the worker has 4 threads)")
    parser.add_argument("--every", type=float, default=10, help="seconds between reports")
    parser.add_argument("--ceiling", type=float, default=300, help="a worker's documented ceiling, MB")
    args = parser.parse_args()
    missing = set(SCRIPT_FAMILIES) - set(SCRIPT_RANGES)
    if missing:
        raise SystemExit(f"the renderer has scripts this bench does not draw: {sorted(missing)}")
    scripts = {script: letters(script) for script in SCRIPT_RANGES}
    server = LocalServer(tempfile.mkdtemp(prefix="imprint-card-memory-"), "web", tracking=True,
                         GUNICORN_WORKERS="1")
    try:
        pid = workers(server)[0]
        print(f"gunicorn :{server.port}, one worker (pid {pid}, 4 threads); scripts: {', '.join(scripts)}")
        key = admin_key(server)
        templates = register_templates(server.port, key)
        load = Load(server.port, args.threads, scripts, templates)
        started = time.monotonic()
        peak, _ = report("start", started, load, pid, server.port)
        load.start()
        while time.monotonic() - started < args.seconds:
            time.sleep(min(args.every, max(0.0, args.seconds - (time.monotonic() - started))))
            peak, _ = report("", started, load, pid, server.port)
        load.stop()
        elapsed = time.monotonic() - started
        peak, caches = report("end", started, load, pid, server.port)
        if workers(server) != [pid]:
            print(f"the worker was replaced: {workers(server)}")
        print("caches (MiB held / bound): " + ", ".join(
            f"{name} {held / 2**20:.1f}/{bound / 2**20:.0f}" for name, (held, bound) in sorted(caches.items())))
        print("cards by first script: " + ", ".join(f"{s} {n}" for s, n in sorted(load.by_script.items())))
        for status, path in load.first_errors:
            print(f"error {status}: {path}")
        print(f"{load.requests} cards in {elapsed:.0f} s ({load.requests / elapsed:.1f}/s), {load.errors} errors; "
              f"peak RSS {peak:.1f} MB, ceiling {args.ceiling:.0f} MB: {'under' if peak <= args.ceiling else 'OVER'}")
        failed = load.errors or peak > args.ceiling or workers(server) != [pid]
    finally:
        server.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
