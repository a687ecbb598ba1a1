"""POST /ai/generate with the procedural provider, in process: median and p95 per request.

    python bench/ai_generate.py [count]

Includes drawing, PNG encoding with the parameters chunk, SHA-256, local storage,
the generated_images insert and the generation_logs event (synchronous tracking).
"""

import os
import statistics
import sys
import tempfile
import time


def main(count=40):
    directory = tempfile.mkdtemp(prefix="imprint-bench-")
    os.environ["IMPRINT_INSTANCE_PATH"] = directory
    from app import create_app
    from app.migrating import upgrade_database

    app = create_app({"DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.db",
                      "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    upgrade_database(app)
    client = app.test_client()
    for label, payload in (("1024x1024", {"aspect_ratio": "1:1"}), ("1344x768", {"aspect_ratio": "16:9"}),
                           ("512x512 icon", {"tool": "icon"})):
        timings = []
        for index in range(count):
            started = time.perf_counter()
            response = client.post("/ai/generate", json={"prompt": f"bench {label} {index}", **payload})
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.get_json()
        timings.sort()
        print(f"{label:14} n={count} median {statistics.median(timings):6.1f} ms  "
              f"p95 {timings[int(len(timings) * 0.95) - 1]:6.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
