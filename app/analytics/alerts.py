"""Alert rules over the generation logs, evaluated by ``flask alerts check`` (run it from cron).

Each rule measures one value over generation_logs and fires above its
threshold (settings ``ALERT_*``). A firing is one ``alert_events`` row
(status ``firing``); when the rule stops firing the same row becomes
``resolved``. ``ALERT_WEBHOOK_URL`` receives each firing and each resolution
once: ``notified_at`` holds the time of the last change delivered
(``started_at`` or ``resolved_at``), and a delivery that fails is retried by
the next check.
"""

import json
import logging
import urllib.request
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.governance.usage import budgets_in_use
from app.models import AlertEvent, GenerationLog
from app.models.query import json_number, percentile_cont
from app.models.types import utcnow

log = logging.getLogger(__name__)
gl = GenerationLog
RATE_LIMIT_PATTERNS = ("%rate limit%", "%rate_limit%", "%ratelimit%", "%429%", "%too many requests%")


def _window(config, now):
    return and_(gl.created_at >= now - timedelta(minutes=config["ALERT_WINDOW_MINUTES"]), gl.created_at < now)


def error_rate(config, now):
    total, failed = db.session.execute(
        select(func.count(), func.count().filter(gl.success.is_(False))).where(_window(config, now))
    ).one()
    if total < config["ALERT_MIN_GENERATIONS"]:
        return None, {"generations": total, "failed": failed}
    return failed / total, {"generations": total, "failed": failed}


def p95_latency(config, now):
    value = db.session.scalar(
        select(percentile_cont(0.95, gl.duration_ms)).where(_window(config, now), gl.success.is_(True))
    )
    return value, {}


def _spent(start, end):
    total = select(func.sum(json_number(gl.costs, "total"))).where(gl.created_at >= start, gl.created_at < end)
    return float(db.session.scalar(total) or 0.0)


def cost_spike(config, now):
    hour = timedelta(hours=1)
    current, previous = _spent(now - hour, now), _spent(now - 2 * hour, now - hour)
    details = {"last_hour": round(current, 6), "previous_hour": round(previous, 6)}
    if previous <= 0:
        return None, details
    return (current - previous) / previous * 100, details


def rate_limit_errors(config, now):
    message = func.lower(gl.error_message)
    count = db.session.scalar(
        select(func.count()).where(
            _window(config, now), gl.success.is_(False),
            or_(*(message.like(pattern) for pattern in RATE_LIMIT_PATTERNS)),
        )
    )
    return count, {}


# rule -> (measure, threshold setting, how to say it)
RULES = {
    "error_rate": (error_rate, "ALERT_ERROR_RATE", "error rate {value:.1%} above {threshold:.1%}"),
    "p95_latency": (p95_latency, "ALERT_P95_MS", "p95 duration {value:.0f} ms above {threshold:.0f} ms"),
    "cost_spike": (cost_spike, "ALERT_COST_SPIKE_PERCENT",
                   "hourly cost up {value:.0f}% on the hour before (threshold {threshold:.0f}%)"),
    "rate_limit": (rate_limit_errors, "ALERT_RATE_LIMIT_ERRORS",
                   "{value:.0f} provider rate-limit errors (threshold {threshold:.0f})"),
}


def thresholds(config):
    return {rule: config[setting] for rule, (_measure, setting, _text) in RULES.items()}


def _is_firing(rule, value, threshold):
    if value is None:
        return False
    return value >= threshold if rule == "rate_limit" or rule.startswith("budget:") else value > threshold


def active_alerts():
    return db.session.scalars(select(AlertEvent).where(AlertEvent.status == "firing")).all()


def budget_measures(config, now):
    """(rule, share spent, threshold, message, details) of every budget: ``budget:<key or user id>``."""
    threshold = config["BUDGET_ALERT_SHARE"]
    for used in budgets_in_use(now=now):
        limits = " / ".join(part for part in (
            f"${used['limit_usd']:g}" if used["limit_usd"] is not None else None,
            f"{used['limit_generations']} generations" if used["limit_generations"] is not None else None) if part)
        message = (f"{used['name']} has spent {{value:.0%}} of its {used['period']} budget ({limits}); "
                   f"threshold {{threshold:.0%}}")
        details = {key: used[key] for key in ("owner", "id", "name", "period", "spent_usd", "generations")}
        yield f"budget:{used['id']}", used["share"], threshold, message, {**details, "resets_at": str(used["resets_at"])}


def _measures(config, now):
    for rule, (measure, setting, text) in RULES.items():
        value, details = measure(config, now)
        yield rule, value, config[setting], text, details
    yield from budget_measures(config, now)


def check_alerts(config, now=None, send=None):
    """Evaluate every rule (and every budget) at ``now``, record firings and resolutions, notify; returns the changes."""
    now = now or utcnow()
    active = {event.rule: event for event in active_alerts()}
    changes = []
    for rule, value, threshold, text, details in _measures(config, now):
        event = active.pop(rule, None)
        if _is_firing(rule, value, threshold):
            if event is None:
                event = AlertEvent(rule=rule, status="firing", value=value, threshold=threshold,
                                   message=text.format(value=value, threshold=threshold),
                                   details=details, started_at=now)
                db.session.add(event)
                changes.append(event)
            else:
                event.value = value  # still firing: keep the latest value, notify nothing
        elif event is not None:
            event.status, event.resolved_at = "resolved", now
            changes.append(event)
    for rule, event in active.items():  # a budget that was removed resolves its alert
        if rule.startswith("budget:"):
            event.status, event.resolved_at = "resolved", now
            changes.append(event)
    db.session.commit()
    deliver_pending(config, send=send)
    return changes


def _pending():
    return db.session.scalars(
        select(AlertEvent).where(or_(
            AlertEvent.notified_at.is_(None),
            and_(AlertEvent.status == "resolved", AlertEvent.notified_at < AlertEvent.resolved_at),
        )).order_by(AlertEvent.started_at)
    ).all()


def payload(event, status):
    return {
        "id": str(event.id), "rule": event.rule, "status": status, "value": event.value,
        "threshold": event.threshold, "message": event.message,
        "started_at": event.started_at.isoformat(),
        "resolved_at": event.resolved_at.isoformat() if status == "resolved" else None,
    }


def post_webhook(url, body, timeout):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (a configured URL)
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered {response.status}")


def deliver_pending(config, send=None):
    """Send every change not yet delivered to ALERT_WEBHOOK_URL; returns how many were sent."""
    url = config.get("ALERT_WEBHOOK_URL")
    if not url:
        return 0
    send = send or (lambda body: post_webhook(url, body, config["ALERT_WEBHOOK_TIMEOUT"]))
    sent = 0
    for event in _pending():
        statuses = ["firing"] if event.status == "firing" else (
            ["firing", "resolved"] if event.notified_at is None else ["resolved"])
        try:
            for status in statuses:
                send(payload(event, status))
                sent += 1
                # notified_at holds the time of the last change delivered
                event.notified_at = event.resolved_at if status == "resolved" else event.started_at
                db.session.commit()
        except Exception as error:  # the next check retries this one
            db.session.rollback()
            log.warning("alert webhook failed for %s %s: %s", event.rule, event.id, error)
            break
    return sent


def alert_history(limit=50):
    """Firings, newest first (resolved ones carry resolved_at)."""
    return db.session.scalars(
        select(AlertEvent).order_by(AlertEvent.started_at.desc(), AlertEvent.id.desc()).limit(limit)
    ).all()
