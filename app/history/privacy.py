"""Privacy (seed 001, "Privacy & Compliance"): IP anonymisation and GDPR deletion."""

import ipaddress
import logging

from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    GeneratedImage,
    GenerationJob,
    GenerationLog,
    Post,
    PromptFavorite,
    PromptUsage,
)

log = logging.getLogger(__name__)

BUCKET = "generated-images"
BATCH = 500


def anonymize_ip(address):
    """Zero the last octet of an IPv4 address, the last 80 bits of an IPv6 one.

    Returns the anonymised text form; None for None or an unparsable value.
    Callers that write addresses (OG and generation tracking) use
    ``maybe_anonymize_ip`` so that the ``ANONYMIZE_IP`` setting decides.
    """
    if address is None:
        return None
    try:
        ip = ipaddress.ip_address(str(address).strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def maybe_anonymize_ip(address, config=None):
    """``anonymize_ip(address)`` when ANONYMIZE_IP is on, else the address unchanged."""
    config = config if config is not None else current_app.config
    return anonymize_ip(address) if config.get("ANONYMIZE_IP") else address


def delete_user_data(user_id, storage):
    """Remove one user's logs, usages, favorites, posts, jobs and images (files first).

    Returns counts per table plus ``files``. Idempotent: a second call finds
    nothing and returns zeros. Files go before their rows, so an interrupted
    run leaves rows whose files are gone, which the next run finishes.
    """
    counts = {"generated_images": 0, "files": 0}
    while True:
        batch = db.session.execute(
            select(GeneratedImage.id, GeneratedImage.storage_key)
            .where(GeneratedImage.user_id == user_id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for _image_id, key in batch:
            if key:
                storage.delete(BUCKET, key)
                counts["files"] += 1
        ids = [image_id for image_id, _key in batch]
        counts["generated_images"] += db.session.execute(
            delete(GeneratedImage).where(GeneratedImage.id.in_(ids))
        ).rowcount
        db.session.commit()
    for name, model in (
        ("posts", Post),
        ("prompt_favorites", PromptFavorite),
        ("prompt_usage", PromptUsage),
        ("generation_logs", GenerationLog),
        ("generation_jobs", GenerationJob),
    ):
        counts[name] = db.session.execute(delete(model).where(model.user_id == user_id)).rowcount
    db.session.commit()
    log.info("deleted the data of user %s: %s", user_id, counts)
    return counts
