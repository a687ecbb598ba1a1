"""gunicorn settings for Imprint's web processes: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden by the environment variable named beside it.
"""

import os
import shutil
import tempfile

from app.allocator import limit_allocator
from app.config import load_env_file

load_env_file()  # .env, under the environment: the workers inherit both
# glibc's arenas capped and its mmap threshold fixed in the master: every worker forks with it,
# so the memory a card's canvas took goes back when it is freed (app/allocator.py).
limit_allocator()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Rendering is CPU-bound (Pillow releases the GIL while drawing and encoding),
# so a few threads per process and one process per core.
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))  # a synchronous AI generation can take a minute
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))  # SIGTERM: finish in-flight requests
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
max_requests_jitter = 100 if max_requests else 0
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
# No Authorization header in the access log: the default format does not log request headers.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app in each worker, after the fork: no database connection crosses a fork.
preload_app = False

# A request's line, headers and body must arrive within this many seconds of its
# first byte: a client sending a byte a second would otherwise hold a request
# thread for as long as it likes. A buffering proxy in front (docs/deploy) keeps
# slow clients away from the workers altogether; this is the worker's own bound.
request_read_seconds = float(os.environ.get("GUNICORN_READ_SECONDS", 15))


def _server_edges():
    """gunicorn's own refusals (400, 414, 431) in the app's JSON error shape, and the read deadline.

    Patched on the modules the workers use, here in the master before they fork."""
    import json
    import time

    from gunicorn import util
    from gunicorn.http import errors, message, parser, unreader

    def write_json_error(sock, status_int, reason, mesg):
        body = json.dumps({"code": status_int, "status": reason, "message": (mesg or reason)[:300]}).encode()
        head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        util.write_nonblock(sock, head + body)

    class DeadlineRequest(message.Request):
        def __init__(self, cfg, source, peer_addr, req_number=1):
            source.deadline = time.monotonic() + request_read_seconds
            super().__init__(cfg, source, peer_addr, req_number)

    receive = unreader.SocketUnreader.chunk

    def chunk_before_deadline(self, size_hint=None):
        deadline = getattr(self, "deadline", None)
        if deadline is None:
            return receive(self, size_hint)
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            return receive(self, size_hint)
        except TimeoutError:  # closed without an answer, as a client that went away
            raise errors.NoMoreData(b"") from None
        finally:
            self.sock.settimeout(None)

    util.write_error = write_json_error
    parser.RequestParser.mesg_class = DeadlineRequest
    unreader.SocketUnreader.chunk = chunk_before_deadline


_server_edges()


# Several processes share their Prometheus counters through files in one folder, so that
# a scrape (answered by any one process) adds up the whole server. It must be in the
# environment before prometheus_client is imported anywhere, hence here, first.
_made_metrics_dir = None
if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _made_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="imprint-metrics-")

from app.observability.logs import gunicorn_logconfig, log_format  # noqa: E402  (after the folder is set)

# Every line on stderr in one shape: JSON in production (LOG_FORMAT overrides), the access line's parts as fields.
logger_class = "app.observability.gunicorn_log.Logger"
logconfig_dict = gunicorn_logconfig(log_format(os.environ), access_log=accesslog is not None)


def on_starting(server):
    """A fresh start counts from zero: what an earlier run left in the metrics folder goes."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def when_ready(server):
    """Say where Imprint listens, which provider it calls and who may generate (a log line like the others)."""
    from app.config import anonymous_default, exposure, load_settings

    settings = load_settings()
    if settings["ALLOW_ANONYMOUS"] is None:
        settings["ALLOW_ANONYMOUS"] = anonymous_default(settings)
    line, warning = exposure(settings, list(server.cfg.bind))
    server.log.info("Imprint: %s", line)
    if warning:
        server.log.warning("Imprint: WARNING: %s", warning)


def child_exit(server, worker):
    """A worker's live gauges go with it; its counters stay in the sum."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _made_metrics_dir:
        shutil.rmtree(_made_metrics_dir, ignore_errors=True)
