"""ComfyUI's error answers, summarised for a user; the raw detail goes to the log only.

``POST /prompt`` refuses a graph with 400 and ``{"error": {"type", "message",
"details"}, "node_errors": {node id: {"class_type", "errors": [{"type",
"message", "details", "extra_info": {"input_name"}}]}}}``. A graph that fails
while running ends in ``/history/<id>`` with ``status.status_str == "error"``
and an ``["execution_error", {"node_id", "node_type", "exception_type",
"exception_message", "traceback", "current_inputs", ...}]`` message.
"""

import logging
import re

from .base import ProviderError
from .http import default_classify

log = logging.getLogger(__name__)

MAX_PART = 240  # characters of one node's message kept for the user
PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\- ]+){2,}")  # server paths: only the file name is kept


def _clip(text):
    text = PATH.sub(lambda m: re.split(r"[\\/]", m.group(0))[-1], " ".join(str(text).split()))
    return text if len(text) <= MAX_PART else text[: MAX_PART - 1] + "…"


def summarise_node_errors(node_errors):
    """``CheckpointLoaderSimple (node 4) ckpt_name: 'x' not in [...]`` for each refused input."""
    parts = []
    for node_id, entry in (node_errors or {}).items() if isinstance(node_errors, dict) else ():
        for error in (entry or {}).get("errors") or []:
            input_name = (error.get("extra_info") or {}).get("input_name")
            detail = error.get("details") or error.get("message") or error.get("type") or "refused"
            if input_name and not str(detail).startswith(input_name):
                detail = f"{input_name}: {detail}"
            parts.append(f"{entry.get('class_type') or 'node'} (node {node_id}) {_clip(detail)}")
    return parts


def classify_prompt(response):
    """A refused graph is our request's fault: not retryable, summarised (node, input, ComfyUI's message)."""
    if response.status_code != 400:
        return default_classify(response)
    try:
        body = response.json()
    except ValueError:
        body = {}
    log.warning("comfyui refused the workflow: %s", response.text[:20000])
    error = body.get("error") if isinstance(body, dict) else None
    parts = summarise_node_errors(body.get("node_errors") if isinstance(body, dict) else None)
    if not parts:
        message = error.get("message") if isinstance(error, dict) else error
        parts = [_clip(" ".join(str(v) for v in (message, (error or {}).get("details") if isinstance(error, dict)
                                                 else None) if v) or "invalid prompt")]
    code = error.get("type") if isinstance(error, dict) else "invalid_prompt"
    return ProviderError("rejected", "comfyui refused the workflow: " + "; ".join(parts[:5]), code=code,
                         provider_status=400)


def execution_error(entry):
    """A one-line summary of the ``execution_error`` in a history entry, or None."""
    for message in ((entry.get("status") or {}).get("messages") or []):
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            detail = message[1] if isinstance(message[1], dict) else {}
            log.warning("comfyui execution error: %s", {k: detail.get(k) for k in
                                                        ("node_id", "node_type", "exception_type",
                                                         "exception_message", "traceback")})
            first = str(detail.get("exception_message") or "").strip().splitlines()[:1]
            return (f"{detail.get('node_type') or 'node'} (node {detail.get('node_id')}) failed: "
                    f"{detail.get('exception_type') or 'error'}: {_clip(first[0] if first else 'no message')}")
    status = entry.get("status") or {}
    return "the workflow failed" if status.get("status_str") == "error" else None
