"""/v1 (OpenAI-compatible) against POST /ai/generate, both over HTTP, procedural provider.

    python bench/openai_images.py [count]

The app runs behind werkzeug's threaded server in this process; the /v1 calls
are made with the official ``openai`` SDK, as a user makes them, and
``/ai/generate`` with ``requests``. Each figure is one whole call: drawing,
encoding, storage, the record, the log row and, for b64_json, reading the
stored bytes back. Rate limits are off and the key is an admin's (no quota).
"""

import io
import os
import statistics
import sys
import tempfile
import threading
import time


def _measure(label, count, call):
    call(-1)  # warm up
    timings = []
    for index in range(count):
        started = time.perf_counter()
        call(index)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"{label:34} n={count} median {statistics.median(timings):6.1f} ms  "
          f"p95 {timings[max(0, int(len(timings) * 0.95) - 1)]:6.1f} ms")


def main(count=30):
    directory = tempfile.mkdtemp(prefix="imprint-bench-")
    os.environ["IMPRINT_INSTANCE_PATH"] = directory
    import requests
    from openai import OpenAI
    from PIL import Image
    from werkzeug.serving import make_server

    from app import create_app
    from app.auth import service
    from app.migrating import upgrade_database

    app = create_app({"DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.db",
                      "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "RATE_LIMITS_ENABLED": False})
    upgrade_database(app)
    with app.app_context():
        _key, key = service.create_api_key(service.create_user("bench", is_admin=True), is_admin=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.port}"
    client = OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    source = io.BytesIO()
    Image.new("RGB", (1024, 1024), (200, 60, 90)).save(source, "PNG")
    try:
        for size in ("1024x1024", "256x256"):
            _measure(f"POST /ai/generate {size}", count, lambda i, s=size: http.post(
                f"{base}/ai/generate", json={"prompt": f"bench {s} {i}", "size": s}).raise_for_status())
            _measure(f"SDK images.generate url {size}", count, lambda i, s=size: client.images.generate(
                model="procedural", prompt=f"bench url {s} {i}", size=s))
            _measure(f"SDK images.generate b64 {size}", count, lambda i, s=size: client.images.generate(
                model="procedural", prompt=f"bench b64 {s} {i}", size=s, response_format="b64_json"))
        _measure("SDK images.edit 1024x1024 url", count, lambda i: client.images.edit(
            model="procedural", image=("a.png", source.getvalue(), "image/png"), prompt=f"bench edit {i}"))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
