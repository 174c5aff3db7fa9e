"""Output shapes of every public regression object match TorchMetrics 1.9 (functional, ``compute`` and ``forward``).

Values are checked elsewhere against independent references; here only the structure of the result is compared
(tensor shapes, tuples, lists), over the input layouts each metric accepts: 1-d ``(N,)``, single-column ``(N, 1)`` and
multi-output ``(N, d)``. A meta-test fails when a public name of the package has no case here.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
import torchmetrics.functional.regression as tm_functional
import torchmetrics.regression as tm_modular

import calipers.functional.regression as functional
import calipers.regression as modular

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

_N = 12


def _x(*shape: int, positive: bool = False, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(*shape, generator=gen) + 0.5 if positive else torch.randn(*shape, generator=gen)
    return x


def _pair(*shape: int, positive: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    return _x(*shape, positive=positive, seed=1), _x(*shape, positive=positive, seed=2)


def _distributions(n: int, c: int) -> tuple[torch.Tensor, torch.Tensor]:
    return _x(n, c, positive=True, seed=3).softmax(-1), _x(n, c, positive=True, seed=4).softmax(-1)


# name -> (functional name, class name, [(label, functional kwargs, class kwargs, inputs)])
_Case = tuple[str, dict[str, Any], dict[str, Any], tuple[torch.Tensor, ...]]
_OUTPUTS = [("1d", (_N,), 1), ("col", (_N, 1), 1), ("2out", (_N, 2), 2)]


def _layouts(outputs_arg: str | None = None, skip: tuple[str, ...] = ()) -> list[_Case]:
    """The 1-d, ``(N, 1)`` and (with ``outputs_arg``, a class argument) ``(N, 2)`` layouts."""
    cases = []
    for label, shape, d in _OUTPUTS:
        if label in skip or (outputs_arg is None and d > 1):
            continue
        class_kwargs = {outputs_arg: d} if outputs_arg is not None and d > 1 else {}
        cases.append((label, {}, class_kwargs, _pair(*shape)))
    return cases


def _cases() -> dict[tuple[str, str], list[_Case]]:
    crps_inputs = (_x(_N, 5, seed=5), _x(_N, seed=6))
    csi = {"threshold": 0.5}
    return {
        ("concordance_corrcoef", "ConcordanceCorrCoef"): _layouts(outputs_arg="num_outputs"),
        ("continuous_ranked_probability_score", "ContinuousRankedProbabilityScore"): [("ens", {}, {}, crps_inputs)],
        ("cosine_similarity", "CosineSimilarity"): [
            (f"{r}", {"reduction": r}, {"reduction": r}, _pair(_N, 3)) for r in ("sum", "mean", "none")
        ],
        ("critical_success_index", "CriticalSuccessIndex"): [
            ("2d", csi, csi, _pair(4, 6)),
            ("seq", {**csi, "keep_sequence_dim": 0}, {**csi, "keep_sequence_dim": 0}, _pair(4, 6)),
        ],
        ("explained_variance", "ExplainedVariance"): [
            *_layouts(),
            *[
                (f"2out-{m}", {"multioutput": m}, {"multioutput": m}, _pair(_N, 2))
                for m in ("raw_values", "uniform_average", "variance_weighted")
            ],
            ("1d-raw", {"multioutput": "raw_values"}, {"multioutput": "raw_values"}, _pair(_N)),
        ],
        ("jensen_shannon_divergence", "JensenShannonDivergence"): [
            (r, {"reduction": r}, {"reduction": r}, _distributions(_N, 4)) for r in ("mean", "sum", "none")
        ],
        ("kendall_rank_corrcoef", "KendallRankCorrCoef"): [
            *_layouts(outputs_arg="num_outputs", skip=("col",)),  # TorchMetrics raises IndexError on (N, 1)
            ("1d-test", {"t_test": True}, {"t_test": True}, _pair(_N)),
            ("2out-test", {"t_test": True}, {"t_test": True, "num_outputs": 2}, _pair(_N, 2)),
        ],
        ("kl_divergence", "KLDivergence"): [
            (r, {"reduction": r}, {"reduction": r}, _distributions(_N, 4)) for r in ("mean", "sum", "none")
        ],
        ("log_cosh_error", "LogCoshError"): _layouts(outputs_arg="num_outputs"),
        ("mean_absolute_error", "MeanAbsoluteError"): _layouts(outputs_arg="num_outputs"),
        ("mean_absolute_percentage_error", "MeanAbsolutePercentageError"): [
            ("1d", {}, {}, _pair(_N, positive=True)),
            ("2d", {}, {}, _pair(_N, 2, positive=True)),
        ],
        ("mean_squared_error", "MeanSquaredError"): [
            *_layouts(outputs_arg="num_outputs"),
            ("1d-rmse", {"squared": False}, {"squared": False}, _pair(_N)),
        ],
        ("mean_squared_log_error", "MeanSquaredLogError"): [
            ("1d", {}, {}, _pair(_N, positive=True)),
            ("2d", {}, {}, _pair(_N, 2, positive=True)),
        ],
        ("minkowski_distance", "MinkowskiDistance"): [
            ("1d", {"p": 3.0}, {"p": 3.0}, _pair(_N)),
            ("2d", {"p": 3.0}, {"p": 3.0}, _pair(_N, 2)),
        ],
        ("normalized_root_mean_squared_error", "NormalizedRootMeanSquaredError"): [
            *_layouts(outputs_arg="num_outputs"),
            *[(f"1d-{k}", {"normalization": k}, {"normalization": k}, _pair(_N)) for k in ("range", "std", "l2")],
        ],
        ("pearson_corrcoef", "PearsonCorrCoef"): _layouts(outputs_arg="num_outputs"),
        ("r2_score", "R2Score"): [
            *_layouts(),
            *[
                (f"2out-{m}", {"multioutput": m}, {"multioutput": m}, _pair(_N, 2))
                for m in ("raw_values", "uniform_average", "variance_weighted")
            ],
            ("1d-adjusted", {"adjusted": 2}, {"adjusted": 2}, _pair(_N)),
        ],
        ("relative_squared_error", "RelativeSquaredError"): [
            *_layouts(outputs_arg=None),
            ("2out", {}, {"num_outputs": 2}, _pair(_N, 2)),
            ("1d-root", {"squared": False}, {"squared": False}, _pair(_N)),
        ],
        ("spearman_corrcoef", "SpearmanCorrCoef"): _layouts(outputs_arg="num_outputs"),
        ("symmetric_mean_absolute_percentage_error", "SymmetricMeanAbsolutePercentageError"): [
            ("1d", {}, {}, _pair(_N, positive=True)),
            ("2d", {}, {}, _pair(_N, 2, positive=True)),
        ],
        ("tweedie_deviance_score", "TweedieDevianceScore"): [
            (f"power{p}", {"power": p}, {"power": p}, _pair(_N, positive=True)) for p in (0.0, 1.0, 1.5, 2.0)
        ],
        ("weighted_mean_absolute_percentage_error", "WeightedMeanAbsolutePercentageError"): [
            ("1d", {}, {}, _pair(_N, positive=True)),
            ("2d", {}, {}, _pair(_N, 2, positive=True)),
        ],
    }


_CASES = _cases()
_PARAMS = [
    pytest.param(fn, cls, fkw, ckw, inputs, id=f"{cls}-{label}")
    for (fn, cls), cases in _CASES.items()
    for label, fkw, ckw, inputs in cases
]


def _structure(x: Any) -> Any:
    """The shape of a result: tensor shapes, nested in the tuples/lists/dicts that hold them."""
    if isinstance(x, torch.Tensor):
        return ("tensor", tuple(x.shape))
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, [_structure(v) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: _structure(v) for k, v in sorted(x.items())})
    return type(x).__name__


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _class_results(cls: Any, kwargs: dict[str, Any], inputs: tuple[torch.Tensor, ...]) -> tuple[Any, Any]:
    metric = _quiet(cls, **kwargs)
    half = len(inputs[0]) // 2
    first = tuple(x[:half] for x in inputs)
    second = tuple(x[half:] for x in inputs)
    batch = _quiet(metric, *first)
    metric.update(*second)
    return _structure(batch), _structure(_quiet(metric.compute))


def test_every_public_name_has_a_shape_case():
    covered_fn = {fn for fn, _ in _CASES}
    covered_cls = {cls for _, cls in _CASES}
    assert set(functional.__all__) == covered_fn
    assert set(modular.__all__) == covered_cls


@pytest.mark.parametrize(("fn", "cls", "fkw", "ckw", "inputs"), _PARAMS)
def test_functional_output_shape_matches_torchmetrics(fn, cls, fkw, ckw, inputs):
    ours = _structure(getattr(functional, fn)(*inputs, **fkw))
    theirs = _structure(_quiet(getattr(tm_functional, fn), *inputs, **fkw))
    assert ours == theirs


@pytest.mark.parametrize(("fn", "cls", "fkw", "ckw", "inputs"), _PARAMS)
def test_class_output_shapes_match_torchmetrics(fn, cls, fkw, ckw, inputs):
    """``forward``'s batch value and ``compute``'s value, after two batches."""
    ours = _class_results(getattr(modular, cls), ckw, inputs)
    theirs = _class_results(getattr(tm_modular, cls), ckw, inputs)
    assert ours == theirs


@pytest.mark.parametrize("cls", sorted(modular.__all__))
def test_every_regression_metric_scripts_with_torchscript(cls):
    """As in TorchMetrics, ``torch.jit.script`` accepts every metric (its ``forward`` is unused by TorchScript)."""
    _, _, kwargs, _ = next(cases[0] for (_, c), cases in _CASES.items() if c == cls)
    assert isinstance(torch.jit.script(getattr(modular, cls)(**kwargs)), torch.jit.ScriptModule)


def test_kendall_on_one_column_works_where_torchmetrics_raises():
    """TorchMetrics 1.9 raises IndexError for (N, 1) inputs; calipers gives SciPy's tau-b (a listed difference)."""
    from scipy.stats import kendalltau

    preds, target = _pair(_N, 1)
    expected = kendalltau(preds[:, 0].numpy(), target[:, 0].numpy()).statistic
    with pytest.raises(IndexError):
        _quiet(tm_functional.kendall_rank_corrcoef, preds, target)
    torch.testing.assert_close(functional.kendall_rank_corrcoef(preds, target).item(), expected)
    metric = modular.KendallRankCorrCoef()
    metric.update(preds, target)
    torch.testing.assert_close(metric.compute().item(), expected)
