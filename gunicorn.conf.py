"""gunicorn settings for Imprint's web processes: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden by the environment variable named beside it.
"""

import os
import sys

from app.config import load_env_file

load_env_file()  # .env, under the environment: the workers inherit both

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


def when_ready(server):
    """Say where Imprint listens, which provider it calls and who may generate."""
    from app.config import anonymous_default, exposure, load_settings

    settings = load_settings()
    if settings["ALLOW_ANONYMOUS"] is None:
        settings["ALLOW_ANONYMOUS"] = anonymous_default(settings)
    line, warning = exposure(settings, list(server.cfg.bind))
    print(f"Imprint: {line}", file=sys.stderr, flush=True)
    if warning:
        print(f"Imprint: WARNING: {warning}", file=sys.stderr, flush=True)
