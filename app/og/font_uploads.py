"""A brand's own font: an OpenType/TrueType file under the SIL Open Font License, validated and bounded.

The file must parse with fontTools, map Latin letters, say in its name
table that it is licensed under the OFL (name IDs 13/14), allow embedding
(OS/2 fsType not "restricted"), and load in HarfBuzz. It becomes the base
family of the template's cards; every other script keeps its Noto family.
"""

import hashlib
import io

import uharfbuzz as hb
from fontTools.ttLib import TTFont, TTLibError

from app.og.params import ParamError

MAX_FONT_BYTES = 4 * 1024 * 1024
MAX_GLYPHS = 30000
OFL_MARKERS = ("open font license", "scripts.sil.org/ofl", "openfontlicense.org")
RESTRICTED_EMBEDDING = 0x0002


def _bad(message: str) -> ParamError:
    return ParamError("font_file", message)


def upload_family(data: bytes) -> str:
    """The family name an uploaded font is registered under (stable for the same bytes)."""
    return "u" + hashlib.sha256(data).hexdigest()[:20]


def validate_font(data: bytes) -> str:
    """Check an uploaded font and return its family name; ParamError("font_file", …) otherwise."""
    if not data:
        raise _bad("is empty")
    if len(data) > MAX_FONT_BYTES:
        raise _bad(f"is {len(data)} bytes; at most {MAX_FONT_BYTES}")
    if data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise _bad("must be a TrueType or OpenType font file (.ttf or .otf)")
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        names = font["name"]
        licence = " ".join(filter(None, (names.getDebugName(13), names.getDebugName(14)))).lower()
        cmap = font.getBestCmap() or {}
        glyphs = font["maxp"].numGlyphs
        fs_type = font["OS/2"].fsType if "OS/2" in font else 0
    except (TTLibError, KeyError, AssertionError, ValueError, TypeError, IndexError, OSError) as error:
        raise _bad(f"could not be read ({error.__class__.__name__})") from error
    if not any(marker in licence for marker in OFL_MARKERS):
        raise _bad("must be licensed under the SIL Open Font License (its name table does not say so)")
    if fs_type & RESTRICTED_EMBEDDING:
        raise _bad("forbids embedding (OS/2 fsType is restricted)")
    if glyphs > MAX_GLYPHS:
        raise _bad(f"has {glyphs} glyphs; at most {MAX_GLYPHS}")
    if not all(ord(ch) in cmap for ch in "AZaz09"):
        raise _bad("must have the Latin letters and digits")
    face = hb.Face(hb.Blob(data))
    if face.glyph_count == 0 or face.upem < 16:
        raise _bad("could not be loaded by the shaper")
    return upload_family(data)
