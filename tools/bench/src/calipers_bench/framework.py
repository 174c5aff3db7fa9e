"""The benchmark framework: a registry of workloads, interleaved timing, results, the table and the JSON report.

A workload is a function decorated with :func:`workload`. It receives a :class:`Bench` and either queues cases
(``bench.add(library, prepare)``: ``prepare()`` runs untimed before every repetition and returns the callable that
is timed) or records samples it measured itself (``bench.record``: subprocesses, multi-process runs). Queued cases
of every library run interleaved: after the warm-up, repetition after repetition, calipers then each peer in turn,
so that a slow spell of the machine hits every library alike. The reported time is the median over repetitions.

Peers (``torchmetrics``, ``torcheval``, ``sklearn``; for text also ``jiwer``, ``sacrebleu``, ``rouge-score``) are
imported only inside ``prepare``; a peer that is not installed is reported as ``n/a``.
"""

from __future__ import annotations

import fnmatch
import gc
import importlib.util
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CALIPERS",
    "PEERS",
    "Bench",
    "Check",
    "Result",
    "Workload",
    "available",
    "format_table",
    "registry",
    "run_workload",
    "select",
    "workload",
]

CALIPERS = "calipers"
PEERS: tuple[str, ...] = ("torchmetrics", "torcheval", "sklearn", "jiwer", "sacrebleu", "rouge-score")
_SHORT = {
    "torchmetrics": "TM",
    "torcheval": "TE",
    "sklearn": "SK",
    "jiwer": "JW",
    "sacrebleu": "SB",
    "rouge-score": "RS",
}
_MODULES = {
    CALIPERS: "calipers",
    "torchmetrics": "torchmetrics",
    "torcheval": "torcheval",
    "sklearn": "sklearn",
    "jiwer": "jiwer",
    "sacrebleu": "sacrebleu",
    "rouge-score": "rouge_score",
}

Prepare = Callable[[], Callable[[], object]]


def available(library: str) -> bool:
    """Whether ``library`` (one of ``calipers`` and :data:`PEERS`) is importable, without importing it."""
    try:
        return importlib.util.find_spec(_MODULES.get(library, library)) is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True)
class Workload:
    """A registered benchmark: its name, domain, the peers it compares with and its default repetitions."""

    name: str
    domain: str
    description: str
    peers: tuple[str, ...]
    repeat: int
    warmup: int
    fn: Callable[[Bench], None]


_REGISTRY: dict[str, Workload] = {}


def workload(
    name: str,
    *,
    domain: str,
    description: str,
    peers: Iterable[str] = (),
    repeat: int = 11,
    warmup: int = 2,
) -> Callable[[Callable[[Bench], None]], Callable[[Bench], None]]:
    """Register the decorated function as the workload ``name`` (``"<domain>.<what>"`` by convention)."""
    peers = tuple(peers)
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        raise ValueError(f"workload {name!r}: unknown peers {unknown}; known peers are {list(PEERS)}.")

    def register(fn: Callable[[Bench], None]) -> Callable[[Bench], None]:
        if name in _REGISTRY:
            raise ValueError(f"workload {name!r} is registered twice.")
        _REGISTRY[name] = Workload(name, domain, description, peers, repeat, warmup, fn)
        return fn

    return register


def registry() -> dict[str, Workload]:
    """Every registered workload, by name (importing :mod:`calipers_bench.workloads` registers them)."""
    return dict(sorted(_REGISTRY.items()))


def select(patterns: Iterable[str] | None) -> list[Workload]:
    """Workloads whose name or domain matches one of ``patterns`` (a glob, or a substring without wildcards)."""
    patterns = [p for p in (patterns or []) if p]
    chosen = []
    for w in registry().values():
        if not patterns or any(_matches(p, w) for p in patterns):
            chosen.append(w)
    return chosen


def _matches(pattern: str, w: Workload) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(w.name, pattern) or fnmatch.fnmatchcase(w.domain, pattern)
    return pattern in w.name or pattern == w.domain


@dataclass
class Check:
    """A target: ``value <= limit``."""

    label: str
    value: float
    limit: float
    unit: str = ""

    @property
    def ok(self) -> bool:
        return self.value <= self.limit


@dataclass
class Result:
    """One row of the table: per-library samples (seconds per operation), details and checks."""

    name: str
    domain: str
    op: str
    libraries: tuple[str, ...]
    repeat: int = 0
    warmup: int = 0
    samples: dict[str, list[float] | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def median(self, library: str) -> float | None:
        values = self.samples.get(library)
        return statistics.median(values) if values else None

    def ratio(self, peer: str) -> float | None:
        mine, theirs = self.median(CALIPERS), self.median(peer)
        if mine is None or theirs is None or theirs == 0:
            return None
        return mine / theirs

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "domain": self.domain,
            "op": self.op,
            "repeat": self.repeat,
            "warmup": self.warmup,
            "median_s": {lib: self.median(lib) for lib in self.libraries},
            "ratio_calipers_over": {p: self.ratio(p) for p in self.libraries if p != CALIPERS},
            "samples_s": {lib: self.samples.get(lib) for lib in self.libraries},
            "notes": self.notes,
            "details": self.details,
            "checks": [
                {"label": c.label, "value": c.value, "limit": c.limit, "unit": c.unit, "ok": c.ok} for c in self.checks
            ],
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        """The row :meth:`to_json` wrote (the workloads run in their own process come back this way)."""
        checks = [Check(c["label"], c["value"], c["limit"], c.get("unit", "")) for c in data["checks"]]
        return cls(
            data["name"],
            data["domain"],
            data["op"],
            tuple(data["samples_s"]),
            data["repeat"],
            data["warmup"],
            dict(data["samples_s"]),
            dict(data["notes"]),
            list(data["details"]),
            checks,
            dict(data["extra"]),
        )


@dataclass
class _Case:
    row: str
    library: str
    prepare: Prepare
    calls: int


class Bench:
    """What a workload function receives: queue cases, record samples, add details and checks."""

    def __init__(self, w: Workload, repeat: int | None = None, warmup: int | None = None) -> None:
        self.workload = w
        self.repeat = max(1, repeat if repeat is not None else w.repeat)
        self.warmup = max(0, warmup if warmup is not None else w.warmup)
        self.libraries = (CALIPERS, *w.peers)
        self._rows: dict[str, Result] = {}
        self._queue: list[_Case] = []

    def available(self, library: str) -> bool:
        """Whether ``library`` is installed (workloads that measure by themselves ask this first)."""
        return available(library)

    def row(self, row: str = "", op: str = "run") -> Result:
        """The result row ``row`` (created on first use; ``op`` names what one sample measures)."""
        if row not in self._rows:
            name = f"{self.workload.name}/{row}" if row else self.workload.name
            self._rows[row] = Result(name, self.workload.domain, op, self.libraries, self.repeat, self.warmup)
        return self._rows[row]

    def add(self, library: str, prepare: Prepare, *, row: str = "", op: str = "run", calls: int = 1) -> None:
        """Queue a timed case: ``prepare()`` (untimed) returns the callable timed once per repetition.

        ``calls`` is how many operations one timed call performs; samples are divided by it.
        """
        self._check_library(library)
        self.row(row, op)
        self._queue.append(_Case(row, library, prepare, calls))

    def record(
        self, library: str, samples: list[float] | None, *, row: str = "", op: str = "run", note: str = ""
    ) -> None:
        """Store samples (seconds per operation) measured by the workload itself; ``None`` means n/a."""
        self._check_library(library)
        result = self.row(row, op)
        result.samples[library] = list(samples) if samples is not None else None
        if note:
            result.notes[library] = note

    def median(self, library: str, row: str = "") -> float | None:
        """Median of the samples recorded so far (runs the queued cases first)."""
        self.run()
        return self.row(row).median(library)

    def detail(self, text: str, row: str = "") -> None:
        """A line printed under the table."""
        self.row(row).details.append(text)

    def check(self, label: str, value: float | None, limit: float, unit: str = "", row: str = "") -> None:
        """A target ``value <= limit`` shown as ok/MISS under the table (skipped when ``value`` is None)."""
        if value is not None:
            self.row(row).checks.append(Check(label, value, limit, unit))

    def run(self) -> None:
        """Time every queued case, interleaved (calipers, peer, peer, calipers, ...); median after the warm-up."""
        cases, self._queue = self._queue, []
        if not cases:
            return
        live: list[_Case] = []
        for case in cases:
            if not available(case.library):
                self.record(case.library, None, row=case.row, note="not installed")
            else:
                live.append(case)
        timings: dict[int, list[float]] = {i: [] for i in range(len(live))}
        failed: set[int] = set()
        for rep in range(self.warmup + self.repeat):
            for i, case in enumerate(live):
                if i in failed:
                    continue
                try:
                    elapsed = _time_once(case.prepare)
                except Exception as err:  # a peer that breaks must not stop the run
                    failed.add(i)
                    self.record(case.library, None, row=case.row, note=f"error: {type(err).__name__}: {err}")
                    continue
                if rep >= self.warmup:
                    timings[i].append(elapsed / case.calls)
        for i, case in enumerate(live):
            if i not in failed:
                self.record(case.library, timings[i], row=case.row)

    def results(self) -> list[Result]:
        self.run()
        return list(self._rows.values())

    def _check_library(self, library: str) -> None:
        if library not in self.libraries:
            raise ValueError(f"{self.workload.name}: library {library!r} is not among {list(self.libraries)}.")


def _time_once(prepare: Prepare) -> float:
    fn = prepare()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        if gc_was_enabled:
            gc.enable()


def run_workload(w: Workload, repeat: int | None = None, warmup: int | None = None) -> list[Result]:
    """Run one workload and return its rows; an error in the workload itself becomes a row note."""
    bench = Bench(w, repeat, warmup)
    try:
        w.fn(bench)
        return bench.results()
    except Exception as err:
        row = bench.row("", "run")
        row.details.append(f"workload failed: {type(err).__name__}: {err}")
        return bench.results()


# ---------------------------------------------------------------------------------------------------- output
def format_time(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    magnitude = abs(seconds)
    if magnitude >= 1:
        return f"{seconds:.2f} s"
    if magnitude >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def format_table(results: list[Result]) -> str:
    """The results as a text table, then the checks and details."""
    peers = [p for p in PEERS if any(p in r.libraries for r in results)]
    header = ["workload", "op", CALIPERS, *peers, *(f"cal/{_SHORT[p]}" for p in peers)]
    rows = [header]
    for r in results:
        cells = [r.name, r.op, format_time(r.median(CALIPERS))]
        for p in peers:
            cells.append(format_time(r.median(p)) if p in r.libraries else "-")
        for p in peers:
            ratio = r.ratio(p) if p in r.libraries else None
            cells.append(f"{ratio:.2f}" if ratio is not None else ("-" if p not in r.libraries else "n/a"))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        left = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        right = [cell.rjust(widths[i]) for i, cell in enumerate(row) if i > 1]
        lines.append("  ".join(left + right).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    checks = [(r, c) for r in results for c in r.checks]
    if checks:
        lines += ["", "targets:"]
        for r, c in checks:
            mark = "ok  " if c.ok else "MISS"
            lines.append(f"  [{mark}] {r.name}: {c.label} = {c.value:.3g}{c.unit} (target <= {c.limit:g}{c.unit})")
    notes = [(r, lib, text) for r in results for lib, text in r.notes.items()]
    details = [(r, d) for r in results for d in r.details]
    if notes or details:
        lines += ["", "details:"]
        lines += [f"  {r.name}: {d}" for r, d in details]
        lines += [f"  {r.name}: {lib} n/a ({text})" for r, lib, text in notes]
    return "\n".join(lines)
