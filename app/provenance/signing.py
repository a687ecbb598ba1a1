"""Sign encoded image bytes with c2pa-python: the manifest embedded, ingredients attached."""

import io

import c2pa

# Thumbnails would add tens of kilobytes to every file; readers show the image itself.
_SETTINGS = {"builder": {"thumbnail": {"enabled": False}}}


# What c2pa raises for a container it cannot parse (as opposed to a manifest that fails validation).
UNREADABLE = (c2pa.C2paError.Other, c2pa.C2paError.NotSupported, c2pa.C2paError.Io)


class SigningError(RuntimeError):
    """c2pa refused to sign (a bad key or certificate, an unsupported format)."""


def _signer(credentials):
    info = c2pa.C2paSignerInfo(credentials.algorithm, credentials.chain_pem, credentials.key_pem, None)
    return c2pa.Signer.from_info(info)


def sign_bytes(data, mime_type, manifest, ingredients, credentials):
    """``data`` with the manifest embedded; ``ingredients`` is [(definition, encoded bytes)]."""
    out = io.BytesIO()
    try:
        with c2pa.Context.from_dict(_SETTINGS) as context, _signer(credentials) as signer, \
                c2pa.Builder(manifest, context) as builder:
            for definition, source in ingredients:
                builder.add_ingredient(definition, sniff_mime_type(source), io.BytesIO(source))
            builder.sign(signer, mime_type, io.BytesIO(data), out)
    except c2pa.C2paError as error:
        # c2pa's messages name the step, never the key material.
        raise SigningError(f"c2pa could not sign {mime_type}: {type(error).__name__}: {error}") from None
    return out.getvalue()


def sniff_mime_type(data):
    """The image MIME type from the first bytes (c2pa needs one for every stream)."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.lstrip()[:1] == b"<":
        return "image/svg+xml"
    return "application/octet-stream"
