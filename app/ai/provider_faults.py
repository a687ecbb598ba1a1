"""Provider failures that are the operator's to fix (a refused key, a missing URL), as ``flask doctor`` tells them.

A generation that failed this way answers 503 and points at ``flask doctor``;
the check reads the ledger's recent failed records, so it names the provider,
when it happened and what the provider said, on whichever machine it ran.
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.checks import Finding
from app.extensions import db
from app.models import GeneratedImage
from app.models.types import utcnow

from .provider_settings import PROVIDER_SETTINGS

WINDOW = timedelta(hours=24)
SCANNED = 500  # recent failed records read; the check must stay cheap on a large ledger


def recent_misconfigurations(since):
    """Newest first: (provider, created_at, error) of failed records the operator's settings caused."""
    rows = db.session.execute(
        select(GeneratedImage.provider, GeneratedImage.created_at, GeneratedImage.error, GeneratedImage.meta)
        .where(GeneratedImage.status == "failed", GeneratedImage.created_at >= since)
        .order_by(GeneratedImage.created_at.desc()).limit(SCANNED)).all()
    return [(provider, created_at, error) for provider, created_at, error, meta in rows
            if (meta or {}).get("error_kind") == "misconfigured"]


def check_provider_credentials():
    """No provider refused our settings (401/403, no --api, no key) in the last day."""
    try:
        found = recent_misconfigurations(utcnow() - WINDOW)
    except SQLAlchemyError as error:  # the database check says what is wrong with the database
        db.session.rollback()
        return Finding("provider credentials", True, f"not checked: the ledger cannot be read "
                       f"({type(error).__name__})", warning=True)
    if not found:
        return Finding("provider credentials", True, "no provider refused our settings in the last 24 hours")
    latest = {}
    for provider, created_at, error in found:
        latest.setdefault(provider, (created_at, error, sum(1 for p, _, _ in found if p == provider)))
    detail = "; ".join(f"{provider}: {count} failure(s), last at {when:%Y-%m-%d %H:%M} UTC: {error}"
                       for provider, (when, error, count) in latest.items())
    settings = sorted({setting for provider in latest for setting in PROVIDER_SETTINGS.get(provider, ()) if setting})
    return Finding("provider credentials", False, detail,
                   f"check {', '.join(settings) or 'the provider settings'} (the provider's answer is above)")
