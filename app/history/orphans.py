"""Storage objects no row references: what a run leaves when it dies between the put and the commit.

The sweep lists each referenced bucket, keeps what is younger than the grace
period (a run may still be about to commit its row), and removes the rest
under the rule of ``files``: each key is locked and removed only when no row
references it. Half-written temporaries of failed local writes go too.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from app.extensions import db
from app.models.types import utcnow

from .files import REFERENCES, is_referenced, lock_keys, remove_unreferenced

log = logging.getLogger(__name__)
BATCH = 200
PROBES = "_healthcheck/"  # the storage check's own object


@dataclass
class SweepReport:
    removed: dict = field(default_factory=dict)  # bucket -> [keys]
    temporaries: list = field(default_factory=list)
    unsupported: list = field(default_factory=list)  # buckets the backend cannot list

    @property
    def total(self):
        return sum(len(keys) for keys in self.removed.values()) + len(self.temporaries)


def sweep_orphans(storage, grace_seconds, dry_run=False):
    """Remove objects older than ``grace_seconds`` that no row references; returns a SweepReport."""
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    report = SweepReport()
    for bucket in REFERENCES:
        try:
            candidates = [key for key, modified in storage.listing(bucket)
                          if modified < cutoff and not key.startswith(PROBES)]
        except NotImplementedError:
            report.unsupported.append(bucket)
            continue
        removed = report.removed.setdefault(bucket, [])
        for start in range(0, len(candidates), BATCH):
            batch = candidates[start:start + BATCH]
            if dry_run:
                lock_keys(bucket, batch)
                removed += [key for key in batch if not is_referenced(bucket, key)]
                db.session.rollback()
            else:
                removed += remove_unreferenced(storage, bucket, batch)
                db.session.commit()  # the locks end here, after the files went
    if not dry_run:
        report.temporaries = storage.remove_stale_temporaries(cutoff)
    for bucket, keys in report.removed.items():
        for key in keys:
            log.info("storage sweep: %s %s/%s", "would remove" if dry_run else "removed", bucket, key)
    return report
