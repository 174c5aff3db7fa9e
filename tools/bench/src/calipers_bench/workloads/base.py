"""Workloads of calipers-base: per-call overhead of MeanMetric and the cost of ``import calipers``."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable

from calipers_bench.framework import CALIPERS, Bench, workload

CALLS = 2000
FORWARD_OVER_UPDATE_TARGET = 1.5
IMPORT_TARGET_S = 0.15


def _loop(method: Callable[..., object], x: object, calls: int) -> Callable[[], object]:
    def run() -> None:
        for _ in range(calls):
            method(x)

    return run


def _mean_metric(library: str) -> object:
    if library == CALIPERS:
        from calipers.aggregation import MeanMetric

        return MeanMetric()
    if library == "torchmetrics":
        from torchmetrics.aggregation import MeanMetric as TMMeanMetric

        return TMMeanMetric()
    from torcheval.metrics import Mean

    return Mean()


@workload(
    "base.mean_overhead",
    domain="base",
    description=f"MeanMetric: {CALLS} update calls, then {CALLS} forward calls, on a 32-element float tensor "
    "(per-call time; torcheval has no forward)",
    peers=("torchmetrics", "torcheval"),
    repeat=15,
)
def mean_overhead(bench: Bench) -> None:
    import torch

    x = torch.randn(32, generator=torch.Generator().manual_seed(0))
    for library in bench.libraries:
        metric = _mean_metric(library) if bench.available(library) else None

        def prepare_update(metric: object = metric) -> Callable[[], object]:
            metric.reset()  # type: ignore[attr-defined]
            return _loop(metric.update, x, CALLS)  # type: ignore[attr-defined]

        bench.add(library, prepare_update, row="update", op="call", calls=CALLS)
    for library in (CALIPERS, "torchmetrics"):
        metric = _mean_metric(library) if bench.available(library) else None

        def prepare_forward(metric: object = metric) -> Callable[[], object]:
            metric.reset()  # type: ignore[attr-defined]
            return _loop(metric, x, CALLS)  # type: ignore[arg-type]

        bench.add(library, prepare_forward, row="forward", op="call", calls=CALLS)
    bench.record("torcheval", None, row="forward", op="call", note="torcheval metrics have no forward")
    update, forward = bench.median(CALIPERS, "update"), bench.median(CALIPERS, "forward")
    if update and forward:
        # Paired: the median of the per-repetition ratios (each repetition times update and forward back to back),
        # steadier than the ratio of two medians when the machine's speed drifts during the run.
        ups, fws = bench.row("update").samples.get(CALIPERS), bench.row("forward").samples.get(CALIPERS)
        paired = statistics.median(f / u for u, f in zip(ups, fws)) if ups and fws else forward / update
        bench.check("calipers forward/update", paired, FORWARD_OVER_UPDATE_TARGET, row="forward")
        bench.detail(f"calipers forward/update, ratio of the medians = {forward / update:.2f}", row="forward")
    tm_update, tm_forward = bench.median("torchmetrics", "update"), bench.median("torchmetrics", "forward")
    if tm_update and tm_forward:
        bench.detail(f"torchmetrics forward/update = {tm_forward / tm_update:.2f}", row="forward")


# ---------------------------------------------------------------------------------------------------- import time
_IMPORTS = {CALIPERS: "calipers", "torchmetrics": "torchmetrics", "torcheval": "torcheval.metrics"}


_PROBE = (
    "import time; t0 = time.perf_counter(); import torch; t1 = time.perf_counter(); import {module}; "
    "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)


def _probe_env() -> dict[str, str]:
    """The environment of the probes: bytecode is written and reused, as after ``pip install`` (which compiles it).

    With ``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would be compiled from source on every import while
    the peers, installed from wheels, load their bytecode: the warm-up run writes it for every library.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _import_after_torch(module: str) -> tuple[float, float]:
    """In a fresh interpreter: seconds to ``import torch``, then seconds to ``import module`` on top of it."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
        env=_probe_env(),
    )
    torch_s, module_s = proc.stdout.split()
    return float(torch_s), float(module_s)


def _importtime(module: str) -> tuple[float, list[tuple[float, str]]]:
    """Cumulative import time of ``module`` after torch (``python -X importtime``) and its heaviest modules."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import torch; import {module}"],
        check=True,
        capture_output=True,
        text=True,
        env=_probe_env(),
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        if not self_us.strip().isdigit():
            continue  # the header line
        rows.append((int(self_us), int(cumulative_us), name.rstrip()))
    top = module.split(".")[0]
    start = max((i for i, r in enumerate(rows) if r[2] == " torch"), default=-1)  # top level: one space
    after = rows[start + 1 :]
    total = next((r[1] for r in reversed(after) if r[2] == f" {top}"), sum(r[0] for r in after))
    heaviest = sorted(((r[0] / 1e6, r[2].strip()) for r in after), reverse=True)[:3]
    return total / 1e6, heaviest


def measure_imports(bench: Bench, imports: dict[str, str], target_s: float) -> None:
    """Time ``import <imports[library]>`` after ``import torch`` in fresh interpreters; check calipers' against
    ``target_s`` and list its heaviest modules (``-X importtime``)."""
    libraries = [lib for lib in bench.libraries if bench.available(lib) and lib in imports]
    torch_alone: list[float] = []
    after_torch: dict[str, list[float]] = {lib: [] for lib in libraries}
    for rep in range(bench.warmup + bench.repeat):
        for lib in libraries:
            torch_s, module_s = _import_after_torch(imports[lib])
            if rep >= bench.warmup:
                torch_alone.append(torch_s)
                after_torch[lib].append(module_s)
    for lib in bench.libraries:
        if lib in after_torch:
            bench.record(lib, after_torch[lib], op="import")
        else:
            bench.record(lib, None, op="import", note="not installed")
    if torch_alone:
        bench.detail(f"`import torch` itself: {statistics.median(torch_alone):.2f} s (median over every run)")
    bench.check(f"{imports[CALIPERS]} import beyond torch", bench.median(CALIPERS), target_s, unit=" s")
    if CALIPERS in libraries:
        total, heaviest = _importtime(imports[CALIPERS])
        listed = ", ".join(f"{name} {t * 1e3:.1f} ms" for t, name in heaviest)
        bench.detail(f"-X importtime: {imports[CALIPERS]} {total * 1e3:.1f} ms after torch; heaviest (self): {listed}")


@workload(
    "base.import",
    domain="base",
    description="`import X` right after `import torch`, timed inside a fresh interpreter with bytecode "
    "(X = calipers / torchmetrics / torcheval.metrics)",
    peers=("torchmetrics", "torcheval"),
    repeat=5,
    warmup=1,
)
def import_time(bench: Bench) -> None:
    measure_imports(bench, _IMPORTS, IMPORT_TARGET_S)
