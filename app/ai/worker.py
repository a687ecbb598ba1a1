"""The generation worker (``flask ai worker``): RQ's worker classes plus settling what dies.

A work horse killed mid-job (SIGKILL, the OOM killer) never reaches the
pipeline's own failure handling: the parent settles its job at once, and
between jobs every worker runs the reaper, which settles generations whose
process died anywhere (a web node included) once their lease lapses, and
now and then sweeps stored files that no row references.
"""

import logging
import time
import uuid

from flask import current_app

from app.extensions import db
from app.history.orphans import sweep_orphans
from app.storage import get_storage
from app.tracking.worker import RecordingSimpleWorker, RecordingWorker

from . import jobs, reaper

log = logging.getLogger(__name__)


def reap_generations(app):
    """Settle lapsed generations and jobs RQ gave up on; returns the counts."""
    def lookup(job_id):
        try:
            return jobs.queue_state(job_id, app)
        except Exception as error:  # Redis away: leave queued jobs for the next round
            log.warning("reaper: could not ask the queue about job %s: %s", job_id, error)
            return None

    counts = reaper.reap(queue_lookup=lookup if app.config.get("REDIS_URL") else None,
                         queued_grace_seconds=app.config["GENERATION_LEASE_SECONDS"] * 10)
    db.engine.dispose()  # the parent of forked work horses keeps no pooled connection
    return counts


def sweep_storage(app):
    """Remove unreferenced stored files past the grace period; returns the SweepReport."""
    report = sweep_orphans(get_storage(app), app.config["STORAGE_SWEEP_GRACE_HOURS"] * 3600)
    db.engine.dispose()
    if report.total:
        log.info("generation worker: the storage sweep removed %s file(s)", report.total)
    return report


class ReapingMixin:
    last_swept = None

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            reap_generations(current_app)
        except Exception:
            log.warning("generation worker: the reaper failed", exc_info=True)
        interval = current_app.config["STORAGE_SWEEP_INTERVAL_SECONDS"]
        if interval and (self.last_swept is None or time.monotonic() - self.last_swept >= interval):
            self.last_swept = time.monotonic()
            try:
                sweep_storage(current_app)
            except Exception:
                log.warning("generation worker: the storage sweep failed", exc_info=True)

    @property
    def dequeue_timeout(self):
        return max(1, min(super().dequeue_timeout, self.maintenance_interval))

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if job.func_name != jobs.JOB_FUNCTION:
            return
        try:
            reaper.settle_dead(uuid.UUID(job.args[0]), "job_failed", f"work horse ended with status {ret_val}")
        except Exception:
            log.warning("generation worker: could not settle job %s", job.id, exc_info=True)
        finally:
            db.engine.dispose()


class GenerationWorker(ReapingMixin, RecordingWorker):
    """Forks a work horse per job."""


class GenerationSimpleWorker(ReapingMixin, RecordingSimpleWorker):
    """Runs jobs in its own process."""
