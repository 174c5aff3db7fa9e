"""A persistent pool of worker processes joined in a gloo process group, for DDP tests.

The pool starts once per test process (on first use) and is reused by every test: each call sends one task, a
picklable function plus per-rank arguments, to every rank and waits for all results with a time limit. A rank that
raises sends back its traceback; a rank that does not answer in time means a hang: the pool is killed (and started
again by the next call) and the caller gets a :class:`DDPTimeout`. A rank whose process dies (gloo aborts it on a
collective mismatch) kills the pool too, with a :class:`DDPWorkerError`.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing as mp
import os
import socket
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

__all__ = ["DDPPool", "DDPTimeout", "DDPWorkerError", "get_pool", "shutdown_pool"]

WORLD_SIZE = 2
DEFAULT_TIMEOUT = 90.0


class DDPTimeout(RuntimeError):
    """A rank did not answer within the time limit (a hang or deadlock)."""


class DDPWorkerError(RuntimeError):
    """A rank raised; the message carries its traceback."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker_main(rank: int, world: int, port: int, conn: Any) -> None:  # pragma: no cover - runs in a child
    import torch.distributed as dist

    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world, timeout=timedelta(seconds=60)
    )
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        except BaseException:  # a task that cannot be unpickled here (e.g. a function defined in a test module)
            conn.send(("error", traceback.format_exc()))
            continue
        if task is None:
            break
        fn, args = task
        try:
            conn.send(("ok", fn(rank, world, *args)))
        except BaseException:
            conn.send(("error", traceback.format_exc()))
    dist.destroy_process_group()


class DDPPool:
    """``world`` worker processes in one gloo group on 127.0.0.1."""

    def __init__(self, world: int = WORLD_SIZE, timeout: float = DEFAULT_TIMEOUT) -> None:
        ctx = mp.get_context("spawn")
        self.world = world
        self.timeout = timeout
        port = _free_port()
        self.conns: list[Any] = []
        self.procs: list[Any] = []
        for rank in range(world):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(rank, world, port, child), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)
        for conn in self.conns:
            if not conn.poll(timeout):
                self.kill()
                raise DDPTimeout("the DDP worker pool did not start in time")
            conn.recv()

    def run(
        self, fn: Callable[..., Any], per_rank_args: Sequence[tuple[Any, ...]], timeout: float | None = None
    ) -> list[Any]:
        """Run ``fn(rank, world, *per_rank_args[rank])`` on every rank; return the results in rank order."""
        limit = self.timeout if timeout is None else timeout
        for conn, args in zip(self.conns, per_rank_args):
            conn.send((fn, tuple(args)))
        results: list[Any] = [None] * self.world
        pending = set(range(self.world))
        errors: list[str] = []
        deadline = time.monotonic() + limit
        grace: float | None = None  # once a rank failed, the others get 5 s before they count as hung
        while pending:
            now = time.monotonic()
            if now >= deadline or (grace is not None and now >= grace):
                self.kill()
                _forget(self)
                if errors:
                    raise DDPWorkerError("\n".join(errors) + f"\n(ranks {sorted(pending)} then hung)")
                raise DDPTimeout(f"ranks {sorted(pending)} did not answer within {limit:.0f} s (hang)")
            for r in sorted(pending):
                if self.conns[r].poll(0.02):
                    try:
                        status, payload = self.conns[r].recv()
                    except (EOFError, OSError):  # the worker process died (e.g. gloo aborted it)
                        self.kill()
                        _forget(self)
                        code = self.procs[r].exitcode
                        raise DDPWorkerError(
                            "\n".join([*errors, f"rank {r} died (exit code {code}): the process aborted"])
                        ) from None
                    pending.discard(r)
                    if status == "ok":
                        results[r] = payload
                    else:
                        errors.append(f"rank {r}:\n{payload}")
                        grace = grace if grace is not None else time.monotonic() + 5.0
        if errors:
            raise DDPWorkerError("\n".join(errors))
        return results

    def close(self) -> None:
        """Stop the workers cleanly."""
        for conn in self.conns:
            with contextlib.suppress(OSError, BrokenPipeError):
                conn.send(None)
        for proc in self.procs:
            proc.join(timeout=10)
        self.kill()

    def kill(self) -> None:
        """Kill the workers at once."""
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)


_POOL: DDPPool | None = None


def _forget(pool: DDPPool) -> None:
    global _POOL
    if _POOL is pool:
        _POOL = None


def get_pool() -> DDPPool:
    """The process-wide pool, started on first use."""
    global _POOL
    if _POOL is None:
        _POOL = DDPPool()
    return _POOL


def shutdown_pool() -> None:
    """Stop the process-wide pool if it runs."""
    global _POOL
    if _POOL is not None:
        _POOL.close()
        _POOL = None


atexit.register(shutdown_pool)
