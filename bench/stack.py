"""The real thing on this machine, private to a bench: PostgreSQL, Redis, gunicorn, tracking workers.

``Stack`` starts a private PostgreSQL cluster (initdb + pg_ctl in a temporary
folder, on a free port; run as the ``postgres`` user when we are root), a
private ``redis-server`` (append-only file on, ``noeviction``, as docs/operations.md
asks), gunicorn with ``gunicorn.conf.py`` and ``flask tracking worker``
processes, all on 127.0.0.1. It never touches the machine's shared servers,
and ``close()`` stops everything it started (also on Ctrl-C).
"""

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout}s")


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return os.path.dirname(found[-1])
    if shutil.which("pg_ctl"):
        return os.path.dirname(shutil.which("pg_ctl"))
    raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")


class Stack:
    def __init__(self, settings=None, tracking_workers=2, web_workers=2, threads=4, keep=False):
        self.dir = tempfile.mkdtemp(prefix="imprint-stack-")
        os.chmod(self.dir, 0o755)  # the postgres user must reach its data folder
        self.instance = os.path.join(self.dir, "instance")
        os.makedirs(self.instance)
        self.settings = dict(settings or {})
        self.tracking_workers = tracking_workers
        self.web_workers, self.threads, self.keep = web_workers, threads, keep
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.pg_data = os.path.join(self.dir, "pg")
        self.redis_dir = os.path.join(self.dir, "redis")
        self.database_url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/imprint"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.redis = None
        self.web = None
        self.other_webs = []
        self.workers = []
        self.logs = []

    # -- environment ---------------------------------------------------------
    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "TEST_"))}
        env.update({
            "IMPRINT_ENV": "production", "SECRET_KEY": "bench-" + "0" * 58,
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
            "IMPRINT_INSTANCE_PATH": self.instance, "STORAGE_ROOT": os.path.join(self.instance, "storage"),
            "AUTO_MIGRATE": "false", "LOG_LEVEL": "WARNING", "FLASK_APP": "wsgi",
            # One client address sends everything: limits stay on (in Redis) but out of the way.
            "RATE_LIMIT_OG": "1000000/minute", "RATE_LIMIT_AI": "1000000/minute",
            "RATE_LIMIT_DEFAULT": "1000000/minute",
        })
        env.update({k: str(v) for k, v in {**self.settings, **extra}.items()})
        return env

    def _log(self, name):
        handle = open(os.path.join(self.dir, f"{name}.log"), "ab")  # noqa: SIM115 (kept open by the child)
        self.logs.append(handle)
        return handle

    def flask(self, *args, check=True, timeout=120, **extra):
        result = subprocess.run([PYTHON, "-m", "flask", *args], cwd=ROOT, env=self.env(**extra),
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result

    # -- PostgreSQL ----------------------------------------------------------
    def _as_postgres(self, argv):
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def pg(self, *args, check=True):
        return subprocess.run(self._as_postgres([os.path.join(pg_bindir(), args[0]), *args[1:]]),
                              check=check, capture_output=True, text=True, timeout=120)

    def start_postgres(self, initialise=True):
        if initialise:
            os.makedirs(self.pg_data)
            if os.geteuid() == 0:
                shutil.chown(self.pg_data, "postgres", "postgres")
            self.pg("initdb", "-D", self.pg_data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        options = (f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.pg_data}"
                   " -c max_connections=200")
        self.pg("pg_ctl", "-D", self.pg_data, "-o", options, "-l", os.path.join(self.pg_data, "server.log"),
                "-w", "-t", "60", "start")
        if initialise:
            self.pg("createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "imprint")

    def stop_postgres(self, mode="fast"):
        self.pg("pg_ctl", "-D", self.pg_data, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def psql(self, sql):
        result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                                 "-d", "imprint", "-At", "-c", sql], capture_output=True, text=True,
                                check=True, timeout=120)
        return result.stdout

    # -- Redis ---------------------------------------------------------------
    def start_redis(self):
        os.makedirs(self.redis_dir, exist_ok=True)
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", self.redis_dir,
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
             "--maxmemory-policy", "noeviction", "--daemonize", "no"],
            stdout=self._log("redis"), stderr=subprocess.STDOUT)
        wait_for(lambda: self.redis_ping(), 20, "redis-server")

    def redis_ping(self):
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop_redis(self):
        if self.redis and self.redis.poll() is None:
            self.redis.send_signal(signal.SIGTERM)  # SHUTDOWN: the append-only file is synced first
            self.redis.wait(30)

    # -- the app -------------------------------------------------------------
    def migrate(self):
        self.flask("db", "upgrade")

    def admin_key(self):
        self.flask("users", "create", "bench-admin", "--admin")
        out = self.flask("keys", "create", "--user", "bench-admin", "--admin").stdout
        return re.search(r"imp_\S+", out).group(0)

    def start_web(self, port=None, **extra):
        """Start gunicorn: the stack's web (on ``web_port``), or another one on ``port``, beside it."""
        env = self.env(GUNICORN_BIND=f"127.0.0.1:{port or self.web_port}", GUNICORN_WORKERS=self.web_workers,
                       GUNICORN_THREADS=self.threads, GUNICORN_ACCESSLOG="", **extra)
        process = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                   env=env, stdout=self._log("web"), stderr=subprocess.STDOUT)
        if port is None:
            self.web = process
        else:
            self.other_webs.append(process)
        wait_for(lambda: self.get("/healthz", port) == 200, 60, "gunicorn")
        return process

    def get(self, path, port=None):
        with urllib.request.urlopen(f"http://127.0.0.1:{port or self.web_port}{path}", timeout=5) as response:
            return response.status

    def stop_web(self, timeout=60):
        for process in [self.web, *self.other_webs]:
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)  # graceful: in-flight requests finish
                process.wait(timeout)
        self.web, self.other_webs = None, []

    def web_worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def start_worker(self, index=None):
        name = f"bench-tracking-{index if index is not None else len(self.workers)}-{time.monotonic_ns()}"
        worker = subprocess.Popen([PYTHON, "-m", "flask", "tracking", "worker", "--name", name], cwd=ROOT,
                                  env=self.env(), stdout=self._log("worker"), stderr=subprocess.STDOUT)
        if index is None:
            self.workers.append(worker)
        else:
            self.workers[index] = worker
        return worker

    def stop_workers(self):
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # RQ's warm shutdown: the current batch finishes
        for worker in self.workers:
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    # -- CPU accounting --------------------------------------------------------
    @classmethod
    def tree_cpu_seconds(cls, pid):
        """CPU seconds of a process and its descendants (reaped children included)."""
        total = 0.0
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            return 0.0
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return total + sum(cls.tree_cpu_seconds(int(child)) for child in children.split())

    def cpu_seconds(self):
        """CPU seconds used so far by each kind of process (children included while they live)."""
        tree = self.tree_cpu_seconds
        postmaster = None
        try:
            with open(os.path.join(self.pg_data, "postmaster.pid")) as fh:
                postmaster = int(fh.readline())
        except (OSError, ValueError):
            pass
        times = os.times()
        return {
            "web": tree(self.web.pid) if self.web else 0.0,
            "tracking workers": sum(tree(w.pid) for w in self.workers if w.poll() is None),
            "postgres": tree(postmaster) if postmaster else 0.0,
            "redis": tree(self.redis.pid) if self.redis else 0.0,
            "load generator": times.user + times.system,
        }

    # -- the whole ---------------------------------------------------------------
    def start(self, web=True, **web_settings):
        self.start_postgres()
        self.start_redis()
        self.migrate()
        key = self.admin_key()
        for _ in range(self.tracking_workers):
            self.start_worker()
        if web:
            self.start_web(**web_settings)
        return key

    def close(self):
        for stop in (self.stop_web, self.stop_workers, self.stop_redis, self.stop_postgres):
            try:
                stop()
            except Exception as error:  # keep stopping the rest
                print(f"stack: {stop.__name__}: {error}", file=sys.stderr)
        for process in [self.web, *self.other_webs, self.redis, *self.workers]:
            if process is not None and process.poll() is None:
                process.kill()
        for handle in self.logs:
            handle.close()
        if self.keep:
            print(f"stack: logs and data kept in {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        # SIGTERM (e.g. `timeout`) → SystemExit, so that close() still stops everything.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return self

    def __exit__(self, *exc):
        self.close()
