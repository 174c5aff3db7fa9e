"""Precision, recall, R-precision, hit rate and fall-out: harness specs against pytrec_eval and NumPy references.

Every batch holds rows of the same queries (so DDP splits each query across ranks); query 10 has no relevant
document and query 42 no non-relevant one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import pytrec_eval
import torch

from calipers.functional.retrieval import (
    retrieval_fall_out,
    retrieval_hit_rate,
    retrieval_precision,
    retrieval_r_precision,
    retrieval_recall,
)
from calipers.retrieval import (
    RetrievalFallOut,
    RetrievalHitRate,
    RetrievalPrecision,
    RetrievalRecall,
    RetrievalRPrecision,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_QUERIES = (3, 7, 10, 11, 20, 42)
_SIZES = (9, 5, 1, 12, 7)


def _rows(ties: bool = False, seed: int = 0, shift: float = 0.01):
    g = torch.Generator().manual_seed(seed)
    total = sum(_SIZES)
    scores = torch.randint(0, 4, (total,), generator=g) / 4.0 if ties else torch.randperm(total, generator=g) / total
    scores = scores + shift
    out, start = [], 0
    for n in _SIZES:
        q = torch.tensor(_QUERIES)[torch.randint(0, len(_QUERIES), (n,), generator=g)]
        first = min(n, len(_QUERIES))
        q[:first] = torch.tensor(_QUERIES[:first])
        t = torch.randint(0, 2, (n,), generator=g)
        t[q == 10] = 0
        t[q == 42] = 1
        out.append((scores[start : start + n].clone(), t, q))
        start += n
    return out


def _trec(measure):
    """pytrec_eval (trec_eval) over every query, averaged."""

    def reference(preds, target, indexes):
        qrel, run = {}, {}
        for i, (p, t, q) in enumerate(zip(preds, target, indexes)):
            qrel.setdefault(str(q), {})[f"d{i}"] = int(t)
            run.setdefault(str(q), {})[f"d{i}"] = float(p)
        scores = pytrec_eval.RelevanceEvaluator(qrel, {measure}).evaluate(run)
        return float(np.mean([scores.get(q, {}).get(measure.replace(".", "_"), 0.0) for q in qrel]))

    return reference


def _numpy(value, empty=lambda t: t.sum() == 0, action="neg", aggregation=np.mean):
    """``value(ranked_targets)`` per query, targets ranked by the tie rule (non-relevant first among ties)."""

    def reference(preds, target, indexes):
        values = []
        for q in np.unique(indexes):
            m = indexes == q
            p, t = preds[m], target[m].astype(np.int64)
            r = t[np.lexsort((t, -p))]
            if empty(t):
                if action == "skip":
                    continue
                values.append(1.0 if action == "pos" else 0.0)
            else:
                values.append(value(r))
        return float(aggregation(values)) if values else 0.0

    return reference


def _lower_median(values):
    """The lower of the two middle values for an even count (``torch.median``'s convention, kept by TorchMetrics)."""
    return np.sort(values)[(len(values) - 1) // 2]


def _precision(k=None, adaptive=False):
    return lambda r: r[: k or len(r)].sum() / (len(r) if k is None else min(k, len(r)) if adaptive else k)


def _recall(k=None):
    return lambda r: r[: k or len(r)].sum() / r.sum()


def _r_precision(r):
    return r[: r.sum()].sum() / r.sum()


def _hit_rate(k=None):
    return lambda r: float(r[: k or len(r)].sum() > 0)


def _fall_out(k=None):
    return lambda r: (1 - r[: k or len(r)]).sum() / (1 - r).sum()


def _no_negative(t):
    return (1 - t).sum() == 0


_BAD = [
    BadInput((torch.rand(3), torch.ones(3), torch.zeros(3)), TypeError, "`indexes` must be an integer tensor"),
    BadInput((torch.rand(3), torch.ones(3), torch.zeros(2).long()), ValueError, "`indexes` must have the same"),
    BadInput((torch.rand(2), torch.tensor([0.0, 0.5]), torch.zeros(2).long()), ValueError, "whole numbers"),
    BadInput((torch.tensor([float("nan"), 1.0]), torch.ones(2), torch.zeros(2).long()), ValueError, "NaN"),
]

SPECS = [
    MetricSpec(RetrievalPrecision, _trec("P.3"), _rows(), metric_args={"top_k": 3}, bad_inputs=_BAD, id="p@3-trec"),
    MetricSpec(RetrievalPrecision, _numpy(_precision(4, adaptive=True)), _rows(ties=True, seed=1),
               metric_args={"top_k": 4, "adaptive_k": True}, id="p@4-adaptive-ties-numpy"),
    MetricSpec(RetrievalPrecision, _numpy(_precision(), action="skip", aggregation=_lower_median), _rows(seed=2),
               metric_args={"empty_target_action": "skip", "aggregation": "median"}, id="p-skip-median"),
    MetricSpec(RetrievalRecall, _trec("recall.3"), _rows(seed=3), metric_args={"top_k": 3}, id="r@3-trec"),
    MetricSpec(RetrievalRecall, _numpy(_recall(2), action="pos", aggregation=np.min), _rows(ties=True, seed=4),
               metric_args={"top_k": 2, "empty_target_action": "pos", "aggregation": "min"}, id="r@2-pos-min-ties"),
    MetricSpec(RetrievalRPrecision, _numpy(_r_precision), _rows(ties=True, seed=5, shift=-0.5), bad_inputs=_BAD,
               id="rprec-ties-negative"),
    MetricSpec(RetrievalHitRate, _numpy(_hit_rate(2), aggregation=np.max), _rows(seed=6),
               metric_args={"top_k": 2, "aggregation": "max"}, id="hit@2-max"),
    MetricSpec(RetrievalHitRate, _numpy(_hit_rate(1), action="skip"), _rows(ties=True, seed=7),
               metric_args={"top_k": 1, "empty_target_action": "skip"}, id="hit@1-skip-ties"),
    MetricSpec(RetrievalFallOut, _numpy(_fall_out(3), empty=_no_negative, action="pos"), _rows(seed=8),
               metric_args={"top_k": 3}, bad_inputs=_BAD, id="fallout@3"),
    MetricSpec(RetrievalFallOut, _numpy(_fall_out(), empty=_no_negative, action="neg"), _rows(ties=True, seed=9),
               metric_args={"empty_target_action": "neg"}, id="fallout-neg-ties"),
]  # fmt: skip
SPECS = [replace(spec, nan_policy="raise") for spec in SPECS]  # NaN scores are refused (docs/api/retrieval.md)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_retrieval_cutoffs_harness(spec):
    run_metric_tests(spec)


_FUNCTIONAL_CASES = [
    (retrieval_precision, {"top_k": 3}, _trec("P.3"), {}),
    (retrieval_precision, {"top_k": 8, "adaptive_k": True}, _numpy(_precision(8, adaptive=True)), {"ties": True}),
    (retrieval_recall, {"top_k": 2}, _numpy(_recall(2)), {"ties": True, "shift": -0.7}),
    (retrieval_r_precision, {}, _numpy(_r_precision), {"ties": True}),
    (retrieval_hit_rate, {"top_k": 2}, _numpy(_hit_rate(2)), {"ties": True}),
    (retrieval_fall_out, {"top_k": 2}, _numpy(_fall_out(2), empty=_no_negative), {"ties": True}),
]


@pytest.mark.parametrize(("functional", "kwargs", "reference", "data"), _FUNCTIONAL_CASES)
def test_retrieval_cutoffs_functional_per_query(functional, kwargs, reference, data):
    p, t, i = (torch.cat(x) for x in zip(*_rows(**data)))
    for q in _QUERIES:
        m = i == q
        expected = reference(p[m].double().numpy(), t[m].numpy(), np.zeros(int(m.sum()), dtype=np.int64))
        assert float(functional(p[m], t[m], **kwargs)) == pytest.approx(expected, abs=1e-6), q


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("RetrievalPrecision", {"top_k": 3}),
        ("RetrievalPrecision", {"top_k": 20, "adaptive_k": True, "empty_target_action": "pos"}),
        ("RetrievalPrecision", {"top_k": 20}),
        ("RetrievalRecall", {"top_k": 2, "empty_target_action": "skip"}),
        ("RetrievalRPrecision", {"aggregation": "median"}),
        ("RetrievalHitRate", {"top_k": 1}),
        ("RetrievalFallOut", {"top_k": 2}),
        ("RetrievalFallOut", {"empty_target_action": "skip", "ignore_index": 1}),
    ],
)
def test_retrieval_cutoffs_match_torchmetrics(name, kwargs):
    import torchmetrics.retrieval as tm

    import calipers.retrieval as cal

    ours, theirs = getattr(cal, name)(**kwargs), getattr(tm, name)(**kwargs)
    for p, t, i in _rows(seed=31):
        ours.update(p, t, i)
        theirs.update(p, t, i)
    torch.testing.assert_close(ours.compute(), theirs.compute(), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("functional", "kwargs"),
    [
        ("retrieval_precision", {"top_k": 2}),
        ("retrieval_precision", {"top_k": 30, "adaptive_k": True}),
        ("retrieval_recall", {"top_k": 3}),
        ("retrieval_r_precision", {}),
        ("retrieval_hit_rate", {"top_k": 2}),
        ("retrieval_fall_out", {"top_k": 3}),
    ],
)
def test_retrieval_cutoffs_functionals_match_torchmetrics(functional, kwargs):
    import torchmetrics.functional.retrieval as tmf

    import calipers.functional.retrieval as calf

    p, t, i = (torch.cat(x) for x in zip(*_rows(seed=32)))
    for q in _QUERIES:
        m = i == q
        ours = getattr(calf, functional)(p[m], t[m], **kwargs)
        torch.testing.assert_close(ours, getattr(tmf, functional)(p[m], t[m], **kwargs), atol=1e-6, rtol=1e-5)


def test_precision_counts_relevant_documents_with_negative_scores():
    """TorchMetrics drops relevant documents scored <= 0 from precision and recall; here the score only ranks."""
    preds, target, idx = torch.tensor([-0.5, -1.0, -2.0]), torch.tensor([1, 0, 1]), torch.zeros(3, dtype=torch.long)
    assert float(RetrievalPrecision(top_k=1)(preds, target, idx)) == 1.0
    assert float(RetrievalRecall(top_k=1)(preds, target, idx)) == 0.5
    import torchmetrics.retrieval as tm

    assert float(tm.RetrievalPrecision(top_k=1)(preds, target, idx)) == 0.0  # the difference is real
