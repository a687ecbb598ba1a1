"""Mark images as they are encoded, and read the marks back (verify, a stored image's credentials).

Storage and deduplication: the manifest names the ledger's image id, so the
signed file of every record is distinct. The record's ``sha256`` (and its
storage key) stays the hash of the *file* — what a download returns and what
verification compares — and ``meta.pixels_sha256`` keeps the hash of the
pixels, so the same picture can still be found across records. A key is
then referenced by one record, and deleting a file when no row references
its key holds unchanged.
"""

import hashlib
import io
import logging
from datetime import UTC, datetime

from PIL import Image

from app.extensions import held
from app.history.search import find_visible_image
from app.observability import tracing
from app.storage.images import MIME_TYPES, encode_image, record_bytes

from .manifest import (
    AI_EDIT,
    ALGORITHMIC,
    DERIVATIVE_INGREDIENT,
    TRAINED,
    Origin,
    build_manifest,
    derivative_manifest,
    imprint_version,
    ingredients_for,
)
from .reading import UnreadableImage, read_credentials
from .signing import sign_bytes, sniff_mime_type
from .xmp import build_xmp

log = logging.getLogger(__name__)
NO_CREDENTIALS = {"credentials": "none"}
VERIFIABLE = ("image/png", "image/jpeg", "image/webp", "image/gif")


def get_marking():
    """The app's Marking: whether and how images are signed."""
    return held("provenance")


def output_origin(*, image_id, provider, is_ai, model, size, tool, prompt, source=None, provider_bytes=None):
    """The Origin of one generation, edit or chart (``source``: the edited image's bytes)."""
    marking = get_marking()
    provider_signed = provider_bytes if provider_bytes and has_credentials(provider_bytes) else None
    if source is not None:
        source_type = AI_EDIT if is_ai else _source_type_of(source)
    else:
        source_type = TRAINED if is_ai else ALGORITHMIC
    return Origin(source_type=source_type, image_id=str(image_id), provider=provider, model=model, size=size,
                  created_at=datetime.now(UTC).isoformat(timespec="seconds"), tool=tool, prompt=prompt,
                  include_prompt=marking.include_prompt, parent=source, provider_signed=provider_signed,
                  title=f"Imprint image {image_id}")


def editing(source, renderer):
    """``renderer`` whose every output names ``source`` (the edited file) as its parent ingredient."""

    def run(request):
        result = renderer(request)
        for image in result.images:
            image.source = source
        return result

    return run


def _source_type_of(data):
    """A plain edit keeps the source type of what it edited, when that says one (whoever signed it: trust
    changes only ``trusted``, never whether a manifest is intact)."""
    found = _credentials_or_none(data)
    return found.get("digital_source_type") if found and found.get("state") != "invalid" else None


def has_credentials(data):
    return _credentials_or_none(data) is not None


def _credentials_or_none(data):
    try:
        return read_credentials(data)
    except UnreadableImage:  # Pillow decoded it, c2pa cannot parse it: it carries nothing c2pa reads
        return None


def encode_marked(picture, fmt, parameters, origin):
    """``encode_image`` plus the XMP marking and the signed manifest (when PROVENANCE_ENABLED)."""
    marking = get_marking()
    if not marking.enabled:
        return encode_image(picture, fmt, parameters)
    credit = "Generated with AI by Imprint" if origin.source_type in (TRAINED, AI_EDIT) else "Made with Imprint"
    xmp = build_xmp(origin.source_type, credit, f"Imprint {imprint_version()}")
    data = encode_image(picture, fmt, parameters, xmp=xmp)
    with tracing.span("imprint.sign", {"imprint.sign.bytes": len(data)}):
        return sign_bytes(data, _mime_of(data), build_manifest(origin), ingredients_for(origin), marking.credentials)


def sign_derivative(data, mime_type, source):
    """``data`` (a variant of ``source``) signed with ``source`` as its parent ingredient, when
    ``source`` carries Content Credentials and signing is on; else ``data`` unchanged."""
    marking = get_marking()
    if not marking.enabled or not has_credentials(source):
        return data
    return sign_bytes(data, mime_type, derivative_manifest(), [(DERIVATIVE_INGREDIENT, source)],
                      marking.credentials)


def pixels_sha256(picture):
    """The hash of the decoded pixels: equal for the same picture, whatever its file says."""
    digest = hashlib.sha256(f"{picture.mode}:{picture.width}x{picture.height}:".encode())
    digest.update(picture.tobytes())
    return digest.hexdigest()


def og_card_marker():
    """``mark(body, content_type) -> signed body`` for OG cards, or None when OG_PROVENANCE is off."""
    marking = get_marking()
    if not marking.og_cards:
        return None

    def mark(body, content_type):
        origin = Origin(source_type=ALGORITHMIC, tool="og", provider="og", title="Imprint OG card",
                        created_at=datetime.now(UTC).isoformat(timespec="seconds"))
        return sign_bytes(body, content_type, build_manifest(origin), [], marking.credentials)

    return mark


def _mime_of(data):
    with Image.open(io.BytesIO(data)) as image:
        return MIME_TYPES[image.format]


def describe(data, principal):
    """The credentials of ``data``; with the ledger record when the manifest names one of ours."""
    marking = get_marking()
    found = read_credentials(data, marking.trust_anchors)
    if found is None:
        return dict(NO_CREDENTIALS)
    ours = _is_signed_here(data, found, marking.credentials)
    answer = {"credentials": "present", **found, "signed_here": ours, "ledger": None, "image": None}
    image_id = (found.get("imprint") or {}).get("image_id")
    if ours and image_id:  # ours: trusted with our anchor, so never invalid
        record = find_visible_image(principal, image_id)
        if record is None:
            answer["ledger"] = "not_found"  # missing or not the caller's: the same answer
        elif record.sha256 == hashlib.sha256(data).hexdigest():
            answer.update(ledger="match", image=record)
        else:
            answer["ledger"] = "different_bytes"
    return answer


def _is_signed_here(data, found, credentials):
    """Signed with this instance's certificate: the serial matches and the chain reaches our anchor.

    A serial number alone is public (any manifest shows it) and anyone can mint a certificate
    with it; the signature chaining to our own chain's top certificate cannot be copied.
    """
    if credentials is None or (found.get("signer") or {}).get("serial_number") != credentials.serial_number:
        return False
    anchored = read_credentials(data, credentials.anchor_pem)
    return anchored is not None and anchored["state"] == "trusted"


def upload_problem(data, max_bytes):
    """(status, message) when an upload cannot be verified, else None.

    The pixels are never decoded: a tampered file must still reach c2pa, which says it is invalid.
    """
    if len(data) > max_bytes:
        return 413, f"larger than {max_bytes} bytes"
    if not data:
        return 422, "empty file"
    if sniff_mime_type(data) not in VERIFIABLE:
        return 422, "must be a PNG, JPEG, WebP or GIF file"
    return None


def verify_upload(data, principal):
    """``POST /provenance/verify``: what the uploaded file's credentials say (UnreadableImage: no image)."""
    return describe(data, principal)


def image_provenance(record, principal):
    """``GET /ai/generated-images/<id>/provenance``: the manifest of the stored file."""
    if not record.storage_key:
        return dict(NO_CREDENTIALS)  # a failed generation stored no file
    try:
        data = record_bytes(record)
    except Exception as error:  # disk, S3 and git errors alike: say so, do not fail the page
        log.warning("provenance: stored file of %s unreadable: %s", record.id, error)
        return {"credentials": "unavailable"}
    try:
        return describe(data, principal)
    except UnreadableImage:
        return dict(NO_CREDENTIALS)  # a stored file c2pa cannot parse carries nothing it can read
