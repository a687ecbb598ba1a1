"""Provenance: signed Content Credentials (C2PA) and IPTC/XMP marking on every image Imprint writes.

``init_app`` loads the signing credentials once (making the local CA under
``instance/`` at first start) and keeps them in ``app.extensions``;
``service`` marks images and reads them back.
"""

import logging
from dataclasses import dataclass

from .credentials import Credentials, load_credentials

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Marking:
    """One app's provenance settings and credentials."""

    enabled: bool
    include_prompt: bool
    og_cards: bool
    credentials: Credentials | None
    trust_anchors: str | None  # PEM text of the CAs verification trusts


def init_app(app):
    config = app.config
    credentials = None
    if config["PROVENANCE_ENABLED"] or config["OG_PROVENANCE"]:
        credentials = load_credentials(config, app.instance_path)
    app.extensions["provenance"] = Marking(
        enabled=config["PROVENANCE_ENABLED"], include_prompt=config["PROVENANCE_INCLUDE_PROMPT"],
        og_cards=config["OG_PROVENANCE"], credentials=credentials,
        trust_anchors=_read_trust_anchors(config.get("PROVENANCE_TRUST_ANCHORS")))
    # Storage makes image variants and knows nothing of provenance: it signs them through this hook.
    app.extensions["variant_signer"] = _sign_derivative


def _sign_derivative(data, mime_type, source):
    from .service import sign_derivative

    return sign_derivative(data, mime_type, source)


def _read_trust_anchors(path):
    if not path:
        return None
    with open(path) as fh:
        return fh.read()
