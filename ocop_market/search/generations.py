"""Index generations on disk, shared by the file engines (tantivy, Whoosh).

Directory layout under SEARCH_INDEX_DIR:
    CURRENT          name of the live generation (replaced atomically by `reindex`)
    gen-<stamp>/     one engine index per generation
    write.lock       flock held by whoever writes (outbox apply, reindex); readers never take it

One writer at a time across every process of the machine (gunicorn workers, the CLI); a reindex builds a
new generation beside the live one and switches CURRENT with one rename, so readers see the old index or
the new one, never half of it.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
import uuid

CURRENT = "CURRENT"
LOCK = "write.lock"


class IndexBusy(RuntimeError):
    """Another process holds the write lock; the outbox keeps the work for later."""


class Generations:
    def __init__(self, root: str):
        self.root = root

    def _pointer(self) -> str:
        return os.path.join(self.root, CURRENT)

    def path(self, name: str) -> str:
        return os.path.join(self.root, name)

    def current(self) -> str | None:
        try:
            with open(self._pointer(), encoding="ascii") as fh:
                name = fh.read().strip()
        except FileNotFoundError:
            return None
        return name if name and os.path.isdir(self.path(name)) else None

    @contextlib.contextmanager
    def write_lock(self, wait: float = 0.0):
        """Yields True if this process now holds the write lock, False if someone else does.

        `wait=0` never blocks: a web worker that finds the lock taken leaves its work in the outbox.
        """
        os.makedirs(self.root, exist_ok=True)
        fd = os.open(os.path.join(self.root, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        got = False
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    got = True
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.05)
            yield got
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def new(self) -> str:
        """A new, empty generation directory (sortable by creation time, unique across processes)."""
        name = f"gen-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
        os.makedirs(self.path(name))
        return name

    def switch(self, name: str) -> None:
        tmp = self._pointer() + f".{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._pointer())  # atomic: readers see the old name or the new one

    def discard(self, name: str) -> None:
        shutil.rmtree(self.path(name), ignore_errors=True)

    def prune(self, keep: int = 2) -> None:
        """Delete old generations, keeping the live one and its predecessor (readers may still use it)."""
        gens = sorted(d for d in os.listdir(self.root) if d.startswith("gen-"))
        live = self.current()
        for name in gens[:-keep]:
            if name != live:
                self.discard(name)
