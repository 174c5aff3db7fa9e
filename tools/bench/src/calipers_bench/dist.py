"""Helpers for multi-process workloads: a loopback gloo group, spawning ranks, counting collectives.

Everything stays on 127.0.0.1: the ranks are local processes started with ``torch.multiprocessing.spawn``.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

__all__ = ["COLLECTIVES", "CollectiveCounter", "free_port", "init_gloo", "spawn"]

# Every public collective of torch.distributed (those missing from a given torch version are skipped).
COLLECTIVES: tuple[str, ...] = (
    "all_gather", "all_gather_coalesced", "all_gather_into_tensor", "all_gather_object", "all_reduce",
    "all_reduce_coalesced", "all_to_all", "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast",
    "broadcast_object_list", "gather", "gather_object", "irecv", "isend", "monitored_barrier", "recv", "reduce",
    "reduce_scatter", "reduce_scatter_tensor", "scatter", "scatter_object_list", "send", "_all_gather_base",
    "_reduce_scatter_base",
)  # fmt: skip


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _use_loopback() -> None:
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    names = {name for _, name in socket.if_nameindex()} if hasattr(socket, "if_nameindex") else set()
    if "lo" in names:
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")


def init_gloo(rank: int, world: int, port: int, timeout_s: float = 60.0) -> None:
    """Join a gloo process group of ``world`` ranks on 127.0.0.1:``port``."""
    import torch.distributed as dist

    _use_loopback()
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=timeout_s),
    )


def spawn(fn: Callable[..., None], world: int, *args: Any) -> None:
    """Run ``fn(rank, world, port, *args)`` in ``world`` fresh processes and wait for them (errors re-raised).

    ``fn`` must be a module-level function (the processes are started with the ``spawn`` method).
    """
    import torch.multiprocessing as mp

    _use_loopback()
    mp.spawn(fn, args=(world, free_port(), *args), nprocs=world, join=True)


class CollectiveCounter:
    """Count the torch.distributed collectives issued inside a ``with`` block (this process only).

    ``calls`` counts the API calls made by the code under test (a call made inside another counted call, such as
    the ``all_gather`` inside ``all_gather_object``, is not a call of its own); ``primitives`` counts the innermost
    ones, i.e. the collectives actually sent over the group. Both are ``Counter`` by function name.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.primitives: Counter[str] = Counter()
        self._local = threading.local()
        self._saved: list[tuple[ModuleType, str, Any]] = []

    def __enter__(self) -> CollectiveCounter:
        import torch.distributed as dist
        import torch.distributed.distributed_c10d as c10d

        wrappers: dict[int, Any] = {}
        for module in (dist, c10d):
            for name in COLLECTIVES:
                original = getattr(module, name, None)
                if original is None:
                    continue
                if id(original) not in wrappers:
                    wrappers[id(original)] = self._wrap(name, original)
                self._saved.append((module, name, original))
                setattr(module, name, wrappers[id(original)])
        return self

    def __exit__(self, *exc: object) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)
        self._saved.clear()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_primitives(self) -> int:
        return sum(self.primitives.values())

    def summary(self) -> dict[str, Any]:
        return {
            "calls": self.total_calls,
            "primitives": self.total_primitives,
            "by_call": dict(sorted(self.calls.items())),
            "by_primitive": dict(sorted(self.primitives.items())),
        }

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def counted(*args: Any, **kwargs: Any) -> Any:
            stack: list[list[bool]] = self._local.__dict__.setdefault("stack", [])
            if not stack:
                self.calls[name] += 1
            else:
                stack[-1][0] = True  # the enclosing call is not innermost
            frame = [False]
            stack.append(frame)
            try:
                return original(*args, **kwargs)
            finally:
                stack.pop()
                if not frame[0]:
                    self.primitives[name] += 1

        return counted
