"""MAP, MRR, nDCG and AUROC: harness specs against pytrec_eval (trec_eval), scikit-learn and NumPy references.

Every batch holds rows of the same queries, so the DDP checks (batches dealt to 2 ranks) split each query across
ranks; one query has no relevant document and one has only relevant ones.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import pytrec_eval
import torch
from sklearn.metrics import ndcg_score, roc_auc_score

from calipers.functional.retrieval import (
    retrieval_auroc,
    retrieval_average_precision,
    retrieval_normalized_dcg,
    retrieval_reciprocal_rank,
)
from calipers.retrieval import RetrievalAUROC, RetrievalMAP, RetrievalMRR, RetrievalNormalizedDCG
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_QUERIES = (3, 7, 10, 11, 20, 42)
_SIZES = (9, 5, 1, 12, 7)


def _rows(ties: bool = False, graded: bool = False, seed: int = 0, shift: float = 0.01):
    """Batches of (preds, target, indexes): query 10 has no relevant document, query 42 only relevant ones."""
    g = torch.Generator().manual_seed(seed)
    total = sum(_SIZES)
    scores = torch.randint(0, 4, (total,), generator=g) / 4.0 if ties else torch.randperm(total, generator=g) / total
    scores = scores + shift
    out, start = [], 0
    for n in _SIZES:
        q = torch.tensor(_QUERIES)[torch.randint(0, len(_QUERIES), (n,), generator=g)]
        first = min(n, len(_QUERIES))
        q[:first] = torch.tensor(_QUERIES[:first])
        high = 4 if graded else 2
        t = torch.randint(0, high, (n,), generator=g)
        t[q == 10] = 0
        t[q == 42] = 1
        out.append((scores[start : start + n].clone(), t if graded else t.bool(), q))
        start += n
    return out


def _queries(preds, target, indexes):
    for q in np.unique(indexes):
        m = indexes == q
        yield preds[m], target[m]


def _ranked(p, t):
    """Targets in rank order by the documented tie rule: score descending, non-relevant first among ties."""
    return t[np.lexsort(((t > 0).astype(int), -p))]


def _aggregate(values, empties, action="neg"):
    if action in ("neg", "pos"):
        values = [(1.0 if action == "pos" else 0.0) if e else v for v, e in zip(values, empties)]
    else:
        values = [v for v, e in zip(values, empties) if not e]
    return float(np.mean(values)) if values else 0.0


# ---------------------------------------------------------------------------------- references written by others
def _trec(measure):
    """pytrec_eval (trec_eval) over every query, averaged (queries without relevant documents score 0 there)."""

    def reference(preds, target, indexes):
        qrel, run = {}, {}
        for i, (p, t, q) in enumerate(zip(preds, target, indexes)):
            qrel.setdefault(str(q), {})[f"d{i}"] = int(t)
            run.setdefault(str(q), {})[f"d{i}"] = float(p)
        key = measure.replace(".", "_")
        scores = pytrec_eval.RelevanceEvaluator(qrel, {measure}).evaluate(run)
        return float(np.mean([scores.get(q, {}).get(key, 0.0) for q in qrel]))

    return reference


def _sklearn_ndcg(top_k=None, action="neg"):
    """scikit-learn's ndcg_score (ties averaged), one query at a time (padding would change its ranking of ties)."""

    def reference(preds, target, indexes):
        values, empties = [], []
        for p, t in _queries(preds, target, indexes):
            empties.append(t.sum() == 0)
            t = t.astype(np.float64)
            values.append(ndcg_score(t[None], p[None], k=top_k) if len(t) > 1 else float(t.sum() > 0))
        return _aggregate(values, empties, action)

    return reference


def _sklearn_auroc(top_k=None, max_fpr=None, action="neg"):
    """scikit-learn's roc_auc_score on each query's top_k rows (the tie rule picks them); 0 with a single class."""

    def reference(preds, target, indexes):
        values, empties = [], []
        for p, t in _queries(preds, target, indexes):
            empties.append(t.sum() == 0)
            order = np.lexsort((t, -p))[: top_k or len(t)]
            pk, tk = p[order], t[order]
            values.append(roc_auc_score(tk, pk, max_fpr=max_fpr) if 0 < tk.sum() < len(tk) else 0.0)
        return _aggregate(values, empties, action)

    return reference


# ---------------------------------------------------------------------------------- references from the definitions
def _numpy_ap(top_k=None, action="neg"):
    def reference(preds, target, indexes):
        values, empties = [], []
        for p, t in _queries(preds, target, indexes):
            r = _ranked(p, t)[: top_k or len(t)]
            hits = np.flatnonzero(r)
            values.append(float(np.mean((np.arange(len(hits)) + 1) / (hits + 1))) if len(hits) else 0.0)
            empties.append(t.sum() == 0)
        return _aggregate(values, empties, action)

    return reference


def _numpy_rr(top_k=None, action="neg"):
    def reference(preds, target, indexes):
        values, empties = [], []
        for p, t in _queries(preds, target, indexes):
            hits = np.flatnonzero(_ranked(p, t)[: top_k or len(t)])
            values.append(1.0 / (hits[0] + 1) if len(hits) else 0.0)
            empties.append(t.sum() == 0)
        return _aggregate(values, empties, action)

    return reference


_BAD = [
    BadInput((torch.rand(3), torch.ones(3).bool(), torch.zeros(3)), TypeError, "`indexes` must be an integer tensor"),
    BadInput((torch.rand(3), torch.ones(3).bool(), None), TypeError, "`indexes` must be an integer tensor"),
    BadInput((torch.rand(3), torch.ones(4).bool(), torch.zeros(3).long()), ValueError, "`target` must have the same"),
    BadInput((torch.rand(3), torch.ones(3).bool(), torch.zeros(2).long()), ValueError, "`indexes` must have the same"),
    BadInput((torch.tensor([0.1, float("nan")]), torch.ones(2).bool(), torch.zeros(2).long()), ValueError, "NaN"),
    BadInput(
        (torch.ones(3).long(), torch.ones(3).bool(), torch.zeros(3).long()),
        TypeError,
        "`preds` must be a floating-point tensor",
    ),
]
_BAD_BINARY = [*_BAD, BadInput((torch.rand(2), torch.tensor([0, 2]), torch.zeros(2).long()), ValueError, r"\[0, 1\]")]
_BAD_GRADED = [*_BAD, BadInput((torch.rand(2), torch.tensor([0, -1]), torch.zeros(2).long()), ValueError, ">= 0")]

SPECS = [
    MetricSpec(RetrievalMAP, _trec("map"), _rows(), bad_inputs=_BAD_BINARY, id="map-trec"),
    MetricSpec(RetrievalMAP, _numpy_ap(top_k=3), _rows(ties=True), metric_args={"top_k": 3}, id="map@3-ties-numpy"),
    MetricSpec(RetrievalMAP, _numpy_ap(action="skip"), _rows(seed=1, shift=-0.5),
               metric_args={"empty_target_action": "skip"}, id="map-skip-negative-scores"),
    MetricSpec(RetrievalMRR, _trec("recip_rank"), _rows(seed=2),
               bad_inputs=_BAD_BINARY, id="mrr-trec"),
    MetricSpec(RetrievalMRR, _numpy_rr(top_k=2, action="pos"), _rows(ties=True, seed=3),
               metric_args={"top_k": 2, "empty_target_action": "pos"}, id="mrr@2-pos-ties-numpy"),
    MetricSpec(RetrievalNormalizedDCG, _trec("ndcg"), _rows(graded=True, seed=4), bad_inputs=_BAD_GRADED,
               id="ndcg-trec"),
    MetricSpec(RetrievalNormalizedDCG, _trec("ndcg_cut.3"), _rows(graded=True, seed=5),
               metric_args={"top_k": 3}, id="ndcg@3-trec"),
    MetricSpec(RetrievalNormalizedDCG, _sklearn_ndcg(top_k=4), _rows(ties=True, graded=True, seed=6),
               metric_args={"top_k": 4}, id="ndcg@4-ties-sklearn"),
    MetricSpec(RetrievalNormalizedDCG, _sklearn_ndcg(action="skip"), _rows(ties=True, seed=7),
               metric_args={"empty_target_action": "skip"}, id="ndcg-binary-skip-sklearn"),
    MetricSpec(RetrievalAUROC, _sklearn_auroc(), _rows(ties=True, seed=8),
               bad_inputs=_BAD_BINARY, id="auroc-ties-sklearn"),
    MetricSpec(RetrievalAUROC, _sklearn_auroc(top_k=4, max_fpr=0.5), _rows(ties=True, seed=9),
               metric_args={"top_k": 4, "max_fpr": 0.5}, id="auroc@4-fpr0.5-sklearn"),
]  # fmt: skip
SPECS = [replace(spec, nan_policy="raise") for spec in SPECS]  # NaN scores are refused (docs/api/retrieval.md)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_retrieval_ranks_harness(spec):
    run_metric_tests(spec)


def test_tied_documents_do_not_depend_on_row_order():
    """Four tied documents, the relevant one last or first: one value (the pessimistic rank 4), in any order."""
    preds, idx = torch.full((4,), 0.5), torch.zeros(4, dtype=torch.long)
    for target in (torch.tensor([0, 0, 0, 1]), torch.tensor([1, 0, 0, 0])):
        assert RetrievalMRR()(preds, target, idx) == pytest.approx(0.25)
        assert RetrievalMAP()(preds, target, idx) == pytest.approx(0.25)
        assert RetrievalNormalizedDCG()(preds, target, idx) == pytest.approx(
            ndcg_score(target[None].numpy(), preds[None].numpy())
        )
        assert RetrievalAUROC()(preds, target, idx) == pytest.approx(0.5)


def test_relevant_documents_with_non_positive_scores_still_count():
    """Logits/cosine similarities: shifting every score by a constant changes nothing (TorchMetrics drops them)."""
    batches = _rows(seed=11)
    for cls in (RetrievalMAP, RetrievalMRR):
        values = []
        for shift in (0.0, -2.0):
            metric = cls()
            for p, t, i in batches:
                metric.update(p + shift, t, i)
            values.append(float(metric.compute()))
        assert values[0] == pytest.approx(values[1])
    p, t, i = (torch.cat(x) for x in zip(*batches))
    assert float(RetrievalMAP()(p - 2.0, t, i)) == pytest.approx(
        _trec("map")(p.double().numpy() - 2, t.numpy(), i.numpy())
    )


# ---------------------------------------------------------------------------------- functionals: one query at a time
_FUNCTIONAL_CASES = [
    (retrieval_average_precision, {}, _trec("map"), {}),
    (retrieval_average_precision, {"top_k": 3}, _numpy_ap(top_k=3), {"ties": True}),
    (retrieval_reciprocal_rank, {}, _trec("recip_rank"), {}),
    (retrieval_reciprocal_rank, {"top_k": 2}, _numpy_rr(top_k=2), {"ties": True, "shift": -0.6}),
    (retrieval_normalized_dcg, {}, _trec("ndcg"), {"graded": True}),
    (retrieval_normalized_dcg, {"top_k": 4}, _sklearn_ndcg(top_k=4), {"graded": True, "ties": True}),
    (retrieval_auroc, {}, _sklearn_auroc(), {"ties": True}),
    (retrieval_auroc, {"top_k": 5, "max_fpr": 0.3}, _sklearn_auroc(top_k=5, max_fpr=0.3), {}),
]


@pytest.mark.parametrize(("functional", "kwargs", "reference", "data"), _FUNCTIONAL_CASES)
def test_retrieval_ranks_functional_per_query(functional, kwargs, reference, data):
    p, t, i = (torch.cat(x) for x in zip(*_rows(**data)))
    for q in _QUERIES:
        m = i == q
        expected = reference(p[m].double().numpy(), t[m].numpy(), np.zeros(int(m.sum()), dtype=np.int64))
        assert float(functional(p[m], t[m], **kwargs)) == pytest.approx(expected, abs=1e-6), q


# ---------------------------------------------------------------------------------- TorchMetrics parity (tie-free,
# positive scores, where TorchMetrics is well defined)
@pytest.mark.parametrize(
    ("name", "kwargs", "graded"),
    [
        ("RetrievalMAP", {}, False),
        ("RetrievalMAP", {"top_k": 3, "empty_target_action": "pos"}, False),
        ("RetrievalMAP", {"aggregation": "median", "empty_target_action": "skip"}, False),
        ("RetrievalMRR", {"top_k": 2, "aggregation": "max"}, False),
        ("RetrievalMRR", {"empty_target_action": "skip", "aggregation": "min"}, False),
        ("RetrievalNormalizedDCG", {"top_k": 3}, True),
        ("RetrievalNormalizedDCG", {"empty_target_action": "pos", "ignore_index": 2}, True),
        ("RetrievalAUROC", {"top_k": 5}, False),
        ("RetrievalAUROC", {"max_fpr": 0.4, "aggregation": lambda x, dim=None: x.sum()}, False),
    ],
)
def test_retrieval_ranks_match_torchmetrics(name, kwargs, graded):
    import torchmetrics.retrieval as tm

    import calipers.retrieval as cal

    ours, theirs = getattr(cal, name)(**kwargs), getattr(tm, name)(**kwargs)
    for p, t, i in _rows(graded=graded, seed=21):
        ours.update(p, t, i)
        theirs.update(p, t, i)
    torch.testing.assert_close(ours.compute(), theirs.compute(), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("functional", "kwargs", "graded"),
    [
        ("retrieval_average_precision", {"top_k": 4}, False),
        ("retrieval_reciprocal_rank", {}, False),
        ("retrieval_normalized_dcg", {"top_k": 5}, True),
        ("retrieval_auroc", {"max_fpr": 0.5}, False),
    ],
)
def test_retrieval_ranks_functionals_match_torchmetrics(functional, kwargs, graded):
    import torchmetrics.functional.retrieval as tmf

    import calipers.functional.retrieval as calf

    p, t, i = (torch.cat(x) for x in zip(*_rows(graded=graded, seed=22)))
    for q in _QUERIES:
        m = i == q
        ours = getattr(calf, functional)(p[m], t[m], **kwargs)
        theirs = getattr(tmf, functional)(p[m], t[m], **kwargs)
        torch.testing.assert_close(ours, theirs.to(ours.dtype), atol=1e-6, rtol=1e-5)


def test_float64_scores_keep_their_resolution():
    """1.0 and 1.0 + 1e-9 are two scores in float64 (TorchMetrics casts to float32, making them a tie)."""
    preds = torch.tensor([1.0, 1.0 + 1e-9], dtype=torch.float64)
    target, idx = torch.tensor([False, True]), torch.zeros(2, dtype=torch.long)
    metric = RetrievalMRR()
    metric.update(preds, target, idx)
    assert metric.preds[0].dtype == torch.float64
    assert float(metric.compute()) == 1.0
    assert metric.compute().dtype == torch.float64
