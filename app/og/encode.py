"""Image → PNG/WebP/JPEG bytes.

PNG is written here rather than by Pillow: Pillow's encoder runs zlib with
adaptive filtering; filter type 0 ("None") plus ISA-L's deflate at level 2 is
much faster, for a file a little larger.
"""

import io
import struct
import zlib

from isal import isal_zlib
from PIL import Image

PNG_LEVEL = 2  # ISA-L levels 0–3: 2 is smaller than 1 for the same cost; 3 costs much more
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_BAND_BYTES = 256 * 1024  # raw bytes compressed at a time (the band size is part of the output's bytes)


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(tag)))


def encode_png(image: Image.Image) -> bytes:
    """An 8-bit RGB PNG, deterministic for the same pixels.

    Compressed a band of rows at a time: the whole image's raw bytes (and a copy with the
    filter bytes) never exist at once beside the canvas."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    width, height = rgb.size
    stride = width * 3
    rows_per_band = max(1, PNG_BAND_BYTES // stride)
    compressor = isal_zlib.compressobj(PNG_LEVEL)
    compressed = []
    for top in range(0, height, rows_per_band):
        raw = memoryview(rgb.crop((0, top, width, min(height, top + rows_per_band))).tobytes())
        # filter type None for every row
        compressed.append(compressor.compress(b"".join(
            piece for offset in range(0, len(raw), stride) for piece in (b"\x00", raw[offset:offset + stride]))))
    compressed.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join((PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", b"".join(compressed)),
                     _chunk(b"IEND", b"")))


def encode_pillow(image: Image.Image, fmt: str) -> bytes:
    """WebP or JPEG through Pillow, at settings chosen for speed with good quality."""
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, "WEBP", quality=85, method=0)
    else:
        image.save(out, "JPEG", quality=88, optimize=False)
    return out.getvalue()
