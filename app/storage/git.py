"""Images committed to a Git repository and pushed (GitHub or any Git host as image storage).

A clone lives in ``GIT_STORAGE_DIR``; each put writes
``<prefix><bucket>/<key>``, commits and pushes to ``GIT_STORAGE_REMOTE``. URLs
come from ``GIT_STORAGE_RAW_URL`` (e.g.
``https://raw.githubusercontent.com/org/repo/{branch}/{path}``) or, without
one, from the app's ``/storage/`` route, which reads the clone.
"""

import fcntl
import os
import subprocess
import threading
from contextlib import contextmanager

from .base import Storage, StoredObject, safe_key

_LOCK = threading.Lock()


class GitError(OSError):
    pass


class GitStorage(Storage):
    name = "git"

    def __init__(self, remote, work_dir, *, branch="main", prefix="file-library/", raw_url=None,
                 base_url="", author="Imprint <imprint@localhost>", timeout=60.0):
        self.remote = remote
        self.work_dir = os.path.abspath(work_dir)
        self.branch = branch
        self.prefix = prefix
        self.raw_url = raw_url
        self.base_url = base_url.rstrip("/")
        name, _, email = author.partition("<")
        self.author = (name.strip() or "Imprint", email.rstrip(">").strip() or "imprint@localhost")
        self.timeout = timeout

    def _git(self, *args, check=True):
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        command = ["git", "-c", f"user.name={self.author[0]}", "-c", f"user.email={self.author[1]}", *args]
        result = subprocess.run(command, cwd=self.work_dir, capture_output=True, text=True,
                                timeout=self.timeout, env=env)
        if check and result.returncode != 0:
            raise GitError(f"git {args[0]} failed: {result.stderr.strip()[:500]}")
        return result

    @contextmanager
    def _locked(self):
        """One writer at a time: threads by a lock, processes by flock on the clone."""
        os.makedirs(self.work_dir, exist_ok=True)
        with _LOCK, open(os.path.join(os.path.dirname(self.work_dir), ".imprint-git.lock"), "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _ensure_clone(self):
        if os.path.isdir(os.path.join(self.work_dir, ".git")):
            return
        os.makedirs(self.work_dir, exist_ok=True)
        self._git("init", "-q", "-b", self.branch)
        self._git("remote", "add", "origin", self.remote)
        fetched = self._git("fetch", "-q", "origin", self.branch, check=False)
        if fetched.returncode == 0:
            self._git("reset", "-q", "--hard", "FETCH_HEAD")

    def path_in_repo(self, bucket, key):
        return f"{self.prefix}{bucket}/{safe_key(bucket, key)}"

    def local_path(self, bucket, key):
        return os.path.join(self.work_dir, self.path_in_repo(bucket, key))

    def put(self, bucket, key, data, content_type):
        relative = self.path_in_repo(bucket, key)
        with self._locked():
            self._ensure_clone()
            path = os.path.join(self.work_dir, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
            self._git("add", "--", relative)
            if self._git("diff", "--cached", "--quiet", check=False).returncode != 0:
                self._git("commit", "-q", "-m", f"Add {relative}")
            self._push()
        return StoredObject(self.name, bucket, key, self.url(bucket, key), self.url(bucket, key))

    def _push(self):
        """Push; on a rejected (non-fast-forward) push, rebase onto the remote once and retry."""
        if self._git("push", "-q", "origin", f"HEAD:{self.branch}", check=False).returncode == 0:
            return
        fetched = self._git("fetch", "-q", "origin", self.branch, check=False)
        if fetched.returncode == 0 and self._git("rebase", "-q", "FETCH_HEAD", check=False).returncode == 0:
            if self._git("push", "-q", "origin", f"HEAD:{self.branch}", check=False).returncode == 0:
                return
        self._git("rebase", "--abort", check=False)
        raise GitError(f"git push to {self.remote} failed")

    def get(self, bucket, key):
        with open(self.local_path(bucket, key), "rb") as fh:
            return fh.read()

    def delete(self, bucket, key):
        relative = self.path_in_repo(bucket, key)
        with self._locked():
            self._ensure_clone()
            if os.path.exists(os.path.join(self.work_dir, relative)):
                self._git("rm", "-q", "--", relative)
                self._git("commit", "-q", "-m", f"Remove {relative}")
                self._push()

    def exists(self, bucket, key):
        return os.path.isfile(self.local_path(bucket, key))

    def url(self, bucket, key):
        relative = self.path_in_repo(bucket, key)
        if self.raw_url:
            return self.raw_url.format(branch=self.branch, path=relative, bucket=bucket, key=key)
        return f"{self.base_url}/storage/{bucket}/{safe_key(bucket, key)}"

