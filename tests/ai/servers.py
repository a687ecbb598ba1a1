"""A local HTTP server per test (http.server in a thread), answering with a function of the request.

The protocol stand-ins built from each provider's published reference, which
refuse what the real service refuses, are such functions:
``openai_standin.openai_images``, ``gemini_standin.gemini``,
``comfyui_standin.comfyui``, ``a1111_standin.automatic1111``.
"""

import base64
import io
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from PIL import Image

from tests.support import serve_in_thread


def png_bytes(colour=(200, 60, 90), size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def png_b64(colour=(200, 60, 90), size=(64, 48)):
    return base64.b64encode(png_bytes(colour, size)).decode()


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    requests: list = field(default_factory=list)


@contextmanager
def serve(answer):
    """Run ``answer(seen) -> (status, headers, body)`` for every request; body may be a dict (JSON)."""
    server_info = Server(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            parsed = urlparse(self.path)
            seen = Seen(self.command, parsed.path, parse_qs(parsed.query),
                        {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            server_info.requests.append(seen)
            status, headers, body = answer(seen)
            if isinstance(body, dict | list):
                body, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _handle

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_info.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    serve_in_thread(httpd)
    try:
        yield server_info
    finally:
        httpd.shutdown()
        httpd.server_close()


def flush_tracking(app):
    """Wait until the app's tracking events are written."""
    from app.tracking import flush

    assert flush(app=app)


FAST_RETRIES = {"PROVIDER_RETRIES": 2, "PROVIDER_BACKOFF": 0.01, "PROVIDER_MAX_BACKOFF": 0.05,
                "PROVIDER_TIMEOUT": 10.0}
