"""The progressive logger: one generation_logs row per job.

    logger = GenerationLogger(user_id=user.id, job_id=request_id)
    logger.start_job(style="anime", difficulty=2, scene="cafe", photo_size="1024x1024")
    with logger.step("prompt_building"):
        ...
    logger.add_cost("image", 0.04)
    logger.add_tokens(input=120)
    logger.complete(image_id=image.id)    # or logger.fail(error)

The row is the ledger and is always recorded; ``ENABLE_OBSERVABILITY_LOGGING``
switches on the extra sinks (structured log line, metrics, Datadog).
"""

import logging
import time
from contextlib import contextmanager

from app.observability import context, tracing

from . import record
from .events import COLUMNS
from .sinks import emit_generation

log = logging.getLogger(__name__)


class GenerationLogger:
    """Collects one job's context, step timings, costs and tokens; records them once."""

    def __init__(self, user_id=None, job_id=None, log_id=None):
        self.user_id = user_id
        self.job_id = job_id
        self.log_id = log_id  # the row's id when two processes may log the same job (written once)
        self.context = {}
        self.steps = {}
        self.costs = {}
        self.cost_known = True
        self.tokens = {}
        self._started = None
        self.event_id = None
        self._span = self._span_token = None

    def start_job(self, style=None, difficulty=None, scene=None, photo_size=None, **context):
        """Start the clock; ``context`` may hold tool_name, provider, model."""
        self._started = time.perf_counter()
        self.context.update(style=style, difficulty=difficulty, scene=scene, photo_size=photo_size, **context)
        if tracing.is_on() and self._span is None:  # the job's span; each step is a child of it
            self._span, self._span_token = tracing.start_span("imprint.generation", {
                **self._genai_attributes(), "imprint.job_id": self.job_id, "imprint.style": style})
        return self

    def _genai_attributes(self):
        """The OpenTelemetry GenAI semantic conventions' request attributes."""
        return {"gen_ai.operation.name": "generate_content", "gen_ai.request.model": self.context.get("model"),
                "gen_ai.provider.name": self.context.get("provider"), "gen_ai.system": self.context.get("provider")}

    @contextmanager
    def step(self, name):
        """Time a step; its duration (ms) is kept even when it raises."""
        started = time.perf_counter()
        try:
            with self._step_span(name):
                yield
        finally:
            self.steps[name] = round(self.steps.get(name, 0) + (time.perf_counter() - started) * 1000, 3)

    def _step_span(self, name):
        if not tracing.is_on():
            return tracing.span(name)
        if name == "provider_call":  # the GenAI client span: "{operation} {model}"
            attributes = self._genai_attributes()
            return tracing.span(f"generate_content {attributes['gen_ai.request.model'] or ''}".strip(),
                                attributes, kind="CLIENT")
        return tracing.span(f"imprint.generation.{name}")

    def add_cost(self, name, usd):
        """Add a cost in USD; ``None`` marks the job's cost as unknown (never 0)."""
        if usd is None:
            self.cost_known = False
        else:
            self.costs[name] = round(self.costs.get(name, 0) + float(usd), 6)

    def add_tokens(self, **counts):
        """Add token counts, e.g. ``add_tokens(input=120, output=30)``."""
        for name, count in counts.items():
            self.tokens[name] = self.tokens.get(name, 0) + int(count or 0)

    def complete(self, **extra):
        """The job succeeded; ``extra`` holds more columns (image_id, provider, model …)."""
        return self._finish(True, None, extra)

    def fail(self, error, **extra):
        """The job failed with ``error`` (an exception or a message)."""
        return self._finish(False, (str(error) or type(error).__name__)[:2000], extra)

    def _finish(self, success, error_message, extra):
        if self.event_id is not None:  # a job is logged once
            return self.event_id
        started = self._started if self._started is not None else time.perf_counter()
        costs = dict(self.costs)
        correlation = context.current()  # the request (or the job resuming it) this generation belongs to
        if self.cost_known:
            costs["total"] = round(sum(self.costs.values()), 6)
        fields = {
            **{k: v for k, v in self.context.items() if v is not None},
            **extra,
            "user_id": self.user_id,
            "job_id": self.job_id,
            "duration_ms": int((time.perf_counter() - started) * 1000),
            "costs": costs,
            "tokens": self.tokens or None,
            "success": success,
            "error_message": error_message,
            "steps": self.steps or None,
            "request_id": correlation.request_id,
            "trace_id": correlation.trace_id,
        }
        unknown = set(fields) - COLUMNS["generation_log"]
        if unknown:  # keep the ledger row; drop what has no column
            log.warning("GenerationLogger: no generation_logs column for %s; dropped", sorted(unknown))
            fields = {k: v for k, v in fields.items() if k not in unknown}
        given = {"id": self.log_id} if self.log_id else {}
        self.event_id = record("generation_log", **given, **fields)
        emit_generation(fields)
        tracing.end_span(self._span, self._span_token, {
            "gen_ai.usage.input_tokens": self.tokens.get("input"), "gen_ai.usage.output_tokens": self.tokens.get("output"),
            "imprint.cost_usd": costs.get("total"), "imprint.success": success}, error=error_message)
        return self.event_id
