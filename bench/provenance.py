"""What Content Credentials cost: signing per stored image, and on OG cards with OG_PROVENANCE on vs off.

    python bench/provenance.py [--images 30] [--cards 200]

Images: a 1024×1024 procedural picture encoded as PNG, JPEG and WebP, plain
(PROVENANCE_ENABLED off) and marked (XMP + signed C2PA manifest); median ms
and bytes. OG cards: the 1200×630 card through ``produce_card``, uncached
(a new cache each time) and cached, with OG_PROVENANCE off and on.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from og import median_ms  # noqa: E402

from app import create_app  # noqa: E402
from app.ai.providers import ProviderRequest, get_provider  # noqa: E402
from app.og.cache import ByteLRU  # noqa: E402
from app.og.params import make_params  # noqa: E402
from app.og.service import card_etag, produce_card  # noqa: E402
from app.provenance.manifest import build_manifest  # noqa: E402
from app.provenance.service import encode_marked, get_marking, og_card_marker, output_origin  # noqa: E402
from app.provenance.signing import sign_bytes  # noqa: E402
from app.provenance.xmp import build_xmp  # noqa: E402
from app.storage.images import encode_image  # noqa: E402

QUOTE = "The best way to predict the future is to invent it; the second best is to render it fast."


def build_app(folder, **settings):
    return create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                       "STORAGE_ROOT": f"{folder}/storage", "AUTO_MIGRATE": False, **settings})


def bench_images(app, count):
    """Encode once per format, then time the encode and the signing step apart (less noise than a sum)."""
    print(f"{'1024x1024 image':<16}{'encode ms':>10}{'sign ms':>9}{'plain bytes':>13}{'signed bytes':>14}"
          f"{'adds bytes':>12}")
    with app.app_context():
        picture = get_provider("procedural", app.config).generate(
            ProviderRequest(prompt="bench", width=1024, height=1024)).images[0].image
        origin = output_origin(image_id="00000000-0000-4000-8000-000000000000", provider="procedural",
                               is_ai=False, model="procedural-v1", size="1024x1024", tool="generateUserImage",
                               prompt="bench")
        credentials = get_marking().credentials
        xmp = build_xmp(origin.source_type, "Made with Imprint", "Imprint")
        for fmt in ("png", "jpeg", "webp"):
            encode_ms = median_ms(lambda f=fmt: encode_image(picture, f, "bench", xmp=xmp), count)
            plain = encode_image(picture, fmt, "bench")
            marked = encode_image(picture, fmt, "bench", xmp=xmp)
            mime = f"image/{fmt}"
            sign_ms = median_ms(lambda d=marked, m=mime: sign_bytes(d, m, build_manifest(origin), [], credentials),
                                count)
            signed = encode_marked(picture, fmt, "bench", origin)
            print(f"{fmt:<16}{encode_ms:>10.2f}{sign_ms:>9.2f}{len(plain):>13,}{len(signed):>14,}"
                  f"{len(signed) - len(plain):>12,}")


def bench_cards(folder, count):
    print(f"\n{'OG card 1200x630':<24}{'off ms':>9}{'on ms':>9}{'adds ms':>9}{'off bytes':>11}{'on bytes':>10}")
    for fmt in ("png", "jpeg", "webp"):
        figures = {}
        for on in (False, True):
            app = build_app(folder, OG_PROVENANCE=on)
            with app.app_context():
                mark = og_card_marker()
                params = make_params(quote=QUOTE, format=fmt, seed="bench")
                etag = card_etag(params)
                uncached = median_ms(lambda p=params, e=etag, m=mark: produce_card(p, e, ByteLRU(1 << 26), m),
                                     max(10, count // 10))
                cache = ByteLRU(1 << 26)
                size = len(produce_card(params, etag, cache, mark).body)
                cached = median_ms(lambda p=params, e=etag, c=cache, m=mark: produce_card(p, e, c, m), count)
            figures[on] = (uncached, cached, size)
        for label, index in (("uncached", 0), ("cached", 1)):
            off, on = figures[False][index], figures[True][index]
            print(f"{fmt + ' ' + label:<24}{off:>9.3f}{on:>9.3f}{on - off:>9.3f}"
                  f"{figures[False][2]:>11,}{figures[True][2]:>10,}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--cards", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imprint-bench-provenance-") as folder:
        import os

        os.environ["IMPRINT_INSTANCE_PATH"] = f"{folder}/instance"
        bench_images(build_app(folder), args.images)
        bench_cards(folder, args.cards)


if __name__ == "__main__":
    main()
