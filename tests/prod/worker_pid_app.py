"""``wsgi:app`` with each response naming the worker process that made it (for multi-process tests)."""

import os

from wsgi import app


@app.after_request
def _name_the_worker(response):
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
