"""Workloads of calipers-retrieval: 1M rows (20k queries x 50 documents, rows shuffled), 20 updates + compute.

* ``retrieval.ndcg``: ``RetrievalNormalizedDCG(top_k=10)`` on graded targets 0-3 (target <= 0.1x TorchMetrics).
* ``retrieval.map_mrr``: ``RetrievalMAP`` / ``RetrievalMRR`` on the same rows, relevance = grade >= 2 (rows
  ``map``, ``mrr``; target <= 0.2x TorchMetrics each).
* ``retrieval.collection``: a ``MetricCollection`` of MAP, MRR, nDCG@10, P@10 and R@10 on the binary rows (one
  stored copy, one sort) against nDCG@10 alone (target <= 1.5x), and against the same evaluation with
  ``pytrec_eval`` (evaluator built and run on dicts prepared outside the timing; target <= 0.5x).
* ``retrieval.ddp``: 2 gloo ranks, the 1M binary rows split by query with uneven update counts (12 and 8):
  ``RetrievalMAP.compute`` including the sync, timed, and its collectives counted (target <= 4). TorchMetrics is run
  the same way (its per-element list gather fails on uneven counts, TM#3336).
* ``retrieval.import``: ``import calipers.retrieval`` after ``import torch`` (target <= +25 ms).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

from calipers_bench.dist import CollectiveCounter, init_gloo, spawn
from calipers_bench.framework import CALIPERS, Bench, workload
from calipers_bench.workloads.base import measure_imports

QUERIES = 20_000
DOCS = 50
ROWS = QUERIES * DOCS
UPDATES = 20
TOP_K = 10
MAX_COLLECTIVES = 4
IMPORT_TARGET_S = 0.025
_IMPORTS = {CALIPERS: "calipers.retrieval", "torchmetrics": "torchmetrics.retrieval"}
_OP = f"{UPDATES} updates + compute"


def _rows() -> tuple[Any, Any, Any, Any]:
    """``(preds, grades, relevant, indexes)``: float32 scores, grades 0-3, grade >= 2, query ids; rows shuffled."""
    import torch

    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(ROWS, generator=g)
    indexes = torch.arange(QUERIES).repeat_interleave(DOCS)[perm]
    preds = torch.rand(ROWS, generator=g)
    grades = torch.randint(0, 4, (ROWS,), generator=g)
    return preds, grades, grades >= 2, indexes


def _metric(library: str, name: str, **kwargs: Any) -> Any:
    if library == CALIPERS:
        import calipers.retrieval as cal

        return getattr(cal, name)(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torchmetrics.retrieval as tm

    return getattr(tm, name)(**kwargs)


def _stream(
    metric: Any, preds: Any, target: Any, indexes: Any, threads: int | None = None
) -> Callable[[], Callable[[], object]]:
    """Reset, then time the updates and the compute; with ``threads``, torch's intra-op threads for the run."""
    import torch

    batches = list(zip(preds.chunk(UPDATES), target.chunk(UPDATES), indexes.chunk(UPDATES)))

    def prepare() -> Callable[[], object]:
        metric.reset()

        def run() -> object:
            saved = torch.get_num_threads()
            if threads is not None:
                torch.set_num_threads(threads)
            try:
                for p, t, i in batches:
                    metric.update(p, t, i)
                return metric.compute()
            finally:
                torch.set_num_threads(saved)

        return run

    return prepare


# On a shared, oversubscribed machine torch's parallel kernels wait for descheduled threads: the "1 thread" rows
# run both libraries with one intra-op thread, which shows how much of a ratio is that contention.
_THREADS: dict[str, int | None] = {"": None, "1 thread": 1}


def _ratio_check(bench: Bench, row: str, target: float) -> None:
    cal, tm = bench.median(CALIPERS, row), bench.median("torchmetrics", row)
    if cal and tm:
        bench.check("calipers/TorchMetrics", cal / tm, target, row=row)


@workload(
    "retrieval.ndcg",
    domain="retrieval",
    description=f"RetrievalNormalizedDCG(top_k={TOP_K}): {ROWS:,} rows ({QUERIES:,} queries x {DOCS}), grades 0-3, "
    f"{UPDATES} updates + compute",
    peers=("torchmetrics",),
    repeat=3,
    warmup=1,
)
def ndcg(bench: Bench) -> None:
    preds, grades, _, indexes = _rows()
    for row, threads in _THREADS.items():
        for library in bench.libraries:
            if bench.available(library):
                metric = _metric(library, "RetrievalNormalizedDCG", top_k=TOP_K)
                bench.add(library, _stream(metric, preds, grades, indexes, threads), row=row, op=_OP)
        _ratio_check(bench, row, 0.1)


@workload(
    "retrieval.map_mrr",
    domain="retrieval",
    description=f"RetrievalMAP / RetrievalMRR: {ROWS:,} rows ({QUERIES:,} queries x {DOCS}), binary targets, "
    f"{UPDATES} updates + compute",
    peers=("torchmetrics",),
    repeat=3,
    warmup=1,
)
def map_mrr(bench: Bench) -> None:
    preds, _, relevant, indexes = _rows()
    for suffix, threads in _THREADS.items():
        for row, name in ((f"map {suffix}".strip(), "RetrievalMAP"), (f"mrr {suffix}".strip(), "RetrievalMRR")):
            for library in bench.libraries:
                if bench.available(library):
                    stream = _stream(_metric(library, name), preds, relevant, indexes, threads)
                    bench.add(library, stream, row=row, op=_OP)
            _ratio_check(bench, row, 0.2)


def _collection() -> Any:
    import calipers.retrieval as cal
    from calipers import MetricCollection

    return MetricCollection(
        {
            "map": cal.RetrievalMAP(),
            "mrr": cal.RetrievalMRR(),
            "ndcg@10": cal.RetrievalNormalizedDCG(top_k=TOP_K),
            "p@10": cal.RetrievalPrecision(top_k=TOP_K),
            "r@10": cal.RetrievalRecall(top_k=TOP_K),
        }
    )


def _pytrec_case(preds: Any, relevant: Any, indexes: Any) -> Callable[[], Callable[[], object]] | None:
    try:
        import pytrec_eval
    except ImportError:
        return None
    qrel: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for row, (p, t, q) in enumerate(zip(preds.tolist(), relevant.tolist(), indexes.tolist())):
        qrel.setdefault(str(q), {})[str(row)] = int(t)
        run.setdefault(str(q), {})[str(row)] = float(p)
    measures = {"map", "recip_rank", f"ndcg_cut.{TOP_K}", f"P.{TOP_K}", f"recall.{TOP_K}"}

    def prepare() -> Callable[[], object]:
        return lambda: pytrec_eval.RelevanceEvaluator(qrel, measures).evaluate(run)

    return prepare


@workload(
    "retrieval.collection",
    domain="retrieval",
    description=f"MetricCollection of MAP, MRR, nDCG@{TOP_K}, P@{TOP_K}, R@{TOP_K} vs nDCG@{TOP_K} alone, and the "
    f"same evaluation with pytrec_eval: {ROWS:,} binary rows, {UPDATES} updates + compute",
    repeat=3,
    warmup=1,
)
def collection(bench: Bench) -> None:
    preds, _, relevant, indexes = _rows()
    for suffix, threads in _THREADS.items():
        both_row, alone_row = f"collection {suffix}".strip(), f"ndcg@10 alone {suffix}".strip()
        bench.add(CALIPERS, _stream(_collection(), preds, relevant, indexes, threads), row=both_row, op=_OP)
        ndcg_alone = _metric(CALIPERS, "RetrievalNormalizedDCG", top_k=TOP_K)
        bench.add(CALIPERS, _stream(ndcg_alone, preds, relevant, indexes, threads), row=alone_row, op=_OP)
        both, alone = bench.median(CALIPERS, both_row), bench.median(CALIPERS, alone_row)
        if both and alone:
            bench.check("collection / nDCG@10 alone", both / alone, 1.5, row=both_row)
    prepare = _pytrec_case(preds, relevant, indexes)
    if prepare is None:
        bench.detail("pytrec_eval is not installed", row="collection")
        return
    samples = []
    for rep in range(bench.warmup + bench.repeat):
        fn = prepare()
        start = time.perf_counter()
        fn()
        if rep >= bench.warmup:
            samples.append(time.perf_counter() - start)
    trec = statistics.median(samples)
    bench.detail(f"pytrec_eval (same measures, dicts built outside the timing): {trec:.2f} s", row="collection")
    for suffix in _THREADS:
        row = f"collection {suffix}".strip()
        both = bench.median(CALIPERS, row)
        if both:
            bench.check("collection / pytrec_eval", both / trec, 0.5, row=row)


# ---------------------------------------------------------------------------------------------------- 2 gloo ranks
def _rank_rows(rank: int) -> list[tuple[Any, Any, Any]]:
    """This rank's batches: the queries of its parity, 12 batches on rank 0 and 8 on rank 1."""
    preds, _, relevant, indexes = _rows()
    mine = indexes % 2 == rank
    count = 12 if rank == 0 else 8
    return list(zip(preds[mine].chunk(count), relevant[mine].chunk(count), indexes[mine].chunk(count)))


def _worker(rank: int, world: int, port: int, out_path: str, repeat: int, libraries: list[str]) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    init_gloo(rank, world, port)
    report: dict[str, Any] = {"times": {}, "counts": {}, "errors": {}, "values": {}}
    try:
        batches = _rank_rows(rank)
        for lib in libraries:
            try:
                metric = _metric(lib, "RetrievalMAP")
                for batch in batches:
                    metric.update(*batch)
                dist.barrier()
                with CollectiveCounter() as counter:
                    value = metric.compute()
                report["counts"][lib] = counter.summary()
                report["values"][lib] = float(value)
                times = []
                for _ in range(repeat):
                    metric.update(*(x[:1] for x in batches[0]))  # one row: clears a cached value
                    dist.barrier()
                    start = time.perf_counter()
                    metric.compute()
                    times.append(time.perf_counter() - start)
                report["times"][lib] = times
            except Exception as err:  # the same failure on every rank: report it, go on
                report["errors"][lib] = f"{type(err).__name__}: {err}"[:200]
        if rank == 0:
            with open(out_path, "w", encoding="utf-8") as f:
                json.dump(report, f)
    finally:
        dist.destroy_process_group()


@workload(
    "retrieval.ddp",
    domain="retrieval",
    description=f"RetrievalMAP.compute incl. sync on 2 gloo ranks: {ROWS:,} rows split by query, 12 and 8 updates; "
    "collectives per compute",
    peers=("torchmetrics",),
    repeat=3,
    warmup=0,
)
def ddp(bench: Bench) -> None:
    libraries = [lib for lib in bench.libraries if bench.available(lib)]
    report: dict[str, Any] = {"times": {}, "counts": {}, "errors": {}, "values": {}}
    for lib in libraries:  # one group per library: a library that aborts its ranks must not take the other along
        with tempfile.TemporaryDirectory() as tmp:
            out_path = os.path.join(tmp, "ddp.json")
            try:
                spawn(_worker, 2, out_path, bench.repeat, [lib])
                with open(out_path, encoding="utf-8") as f:
                    part = json.load(f)
            except Exception as err:
                part = {"errors": {lib: f"the ranks died: {type(err).__name__}: {err}"[:200]}}
        for key, value in part.items():
            report[key].update(value)
    for lib in bench.libraries:
        if lib in report["errors"]:
            bench.record(lib, None, op="compute", note=f"error: {report['errors'][lib]}")
        elif lib in report["times"]:
            bench.record(lib, report["times"][lib], op="compute")
        else:
            bench.record(lib, None, op="compute", note="not installed")
    if CALIPERS in report["counts"]:
        count = report["counts"][CALIPERS]["primitives"]
        bench.detail(f"calipers: {count} collectives per compute, MAP {report['values'][CALIPERS]:.6f}")
        bench.check("calipers collectives per compute", count, MAX_COLLECTIVES)


@workload(
    "retrieval.import",
    domain="retrieval",
    description="`import X` right after `import torch`, timed inside a fresh interpreter with bytecode "
    "(X = calipers.retrieval / torchmetrics.retrieval)",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def retrieval_import(bench: Bench) -> None:
    measure_imports(bench, _IMPORTS, IMPORT_TARGET_S)
