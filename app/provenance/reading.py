"""Read a file's Content Credentials back with c2pa's Reader, as a plain summary.

``state`` is c2pa's validation state: ``trusted`` (valid and signed by a
certificate on the trust list), ``valid`` (intact and correctly signed, but
by a certificate nobody here trusts), or ``invalid`` (the bytes or the
manifest were changed, or the signature does not hold).
"""

import io
import json

import c2pa

from .manifest import IMPRINT_ASSERTION
from .signing import UNREADABLE, sniff_mime_type
from .xmp import IPTC_SOURCE_TYPES

UNTRUSTED = "signingCredential.untrusted"
MAX_INGREDIENTS = 8


class UnreadableImage(ValueError):
    """c2pa cannot parse the file as an image container at all: not a damaged manifest, a broken file."""


def _context(trust_anchors):
    if not trust_anchors:
        return None
    return c2pa.Context.from_dict({"verify": {"verify_trust": True}, "trust": {"trust_anchors": trust_anchors}})


def read_credentials(data, trust_anchors=None):
    """The summary of ``data``'s manifest, or None when it carries no Content Credentials.

    Raises UnreadableImage when ``data`` is not a parseable image file at all.
    """
    context = _context(trust_anchors)
    try:
        reader = c2pa.Reader.try_create(sniff_mime_type(data), io.BytesIO(data), None, context)
        if reader is None:
            return None
        with reader:
            store, state = json.loads(reader.json()), (reader.get_validation_state() or "invalid").lower()
    except UNREADABLE as error:
        raise UnreadableImage(f"{type(error).__name__}: {error}"[:300]) from None
    except c2pa.C2paError as error:  # a manifest so damaged that it cannot be parsed is still a claim
        return {"state": "invalid", "trusted": False, "failures": [
            {"code": "manifest.unreadable", "explanation": f"{type(error).__name__}: {error}"[:300]}],
            "actions": [], "ingredients": [], "digital_source_type": None, "imprint": None, "signer": None,
            "claim_generator": None, "title": None}
    finally:
        if context is not None:
            context.close()
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest")) or {}
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    summary = summarize_manifest(active, manifests)
    summary.update(state=state, trusted=state == "trusted", failures=_failures(results, state))
    return summary


def _failures(results, state):
    """What failed; an untrusted signer is not a failure of the file (``trusted`` says it)."""
    return [{"code": f.get("code"), "explanation": f.get("explanation")}
            for f in results.get("failure") or [] if f.get("code") != UNTRUSTED]


def summarize_manifest(manifest, manifests, depth=0):
    """Claim generator, signer, actions, source type, Imprint's assertion, ingredients."""
    assertions = {a.get("label", ""): a.get("data") for a in manifest.get("assertions") or []}
    actions = []
    for label, body in assertions.items():
        if label.startswith("c2pa.actions"):
            actions += [_action(a) for a in (body or {}).get("actions") or []]
    source_types = [a["digital_source_type"] for a in actions if a.get("digital_source_type")]
    summary = {
        "title": manifest.get("title"),
        "claim_generator": _generator(manifest),
        "signer": _signer(manifest.get("signature_info") or {}),
        "actions": actions,
        "digital_source_type": source_types[0] if source_types else None,
        "imprint": assertions.get(IMPRINT_ASSERTION),
        "ingredients": [],
    }
    if depth < 2:
        for ingredient in (manifest.get("ingredients") or [])[:MAX_INGREDIENTS]:
            summary["ingredients"].append(_ingredient(ingredient, manifests, depth))
    return summary


def _ingredient(ingredient, manifests, depth):
    found = {"title": ingredient.get("title"), "relationship": ingredient.get("relationship"),
             "format": ingredient.get("format"), "has_manifest": bool(ingredient.get("active_manifest"))}
    results = (ingredient.get("validation_results") or {}).get("activeManifest") or {}
    failures = [f for f in results.get("failure") or [] if f.get("code") != UNTRUSTED]
    found["state"] = ("invalid" if failures else "valid") if found["has_manifest"] else None
    own = manifests.get(ingredient.get("active_manifest"))
    found["manifest"] = summarize_manifest(own, manifests, depth + 1) if own else None
    return found


def _action(action):
    uri = action.get("digitalSourceType") or ""
    agent = action.get("softwareAgent")
    return {"action": action.get("action"),
            "digital_source_type": uri.removeprefix(IPTC_SOURCE_TYPES) or None,
            "software_agent": agent.get("name") if isinstance(agent, dict) else agent}


def _generator(manifest):
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict):
        return " ".join(str(info[0][k]) for k in ("name", "version") if info[0].get(k))
    return manifest.get("claim_generator")


def _signer(info):
    if not info:
        return None
    return {"issuer": info.get("issuer"), "common_name": info.get("common_name"),
            "serial_number": info.get("cert_serial_number"), "algorithm": info.get("alg"),
            "time": info.get("time")}
