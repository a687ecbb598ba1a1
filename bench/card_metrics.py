"""What the OG card series cost a card: prints microseconds per observe_card call.

    python bench/card_metrics.py [--calls 50000]

Prometheus alone, then with DogStatsD on (datagrams to a loopback socket that
another process drains, as an agent would).
"""

import argparse
import subprocess
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.tracking.card_metrics import observe_card  # noqa: E402

AGENT = """
import socket
agent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
agent.bind(("127.0.0.1", 0))
print(agent.getsockname()[1], flush=True)
while True:
    agent.recv(65535)
"""


def per_call(app, calls):
    with app.app_context():
        seconds = timeit.timeit(lambda: observe_card("png", "default", "rendered", 0.004, 70_000), number=calls)
    return seconds / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    calls = parser.parse_args().calls
    base = {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "bench"}
    print(f"prometheus only: {per_call(create_app(base), calls):.1f} µs per card")
    agent = subprocess.Popen([sys.executable, "-c", AGENT], stdout=subprocess.PIPE, text=True)
    try:
        port = int(agent.stdout.readline())
        statsd = create_app({**base, "DOGSTATSD_ADDRESS": f"127.0.0.1:{port}"})
        print(f"with dogstatsd:  {per_call(statsd, calls):.1f} µs per card")
    finally:
        agent.kill()
        agent.wait()


if __name__ == "__main__":
    main()
