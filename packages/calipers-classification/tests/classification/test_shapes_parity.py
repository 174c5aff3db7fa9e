"""Output shapes of every public classification object match TorchMetrics 1.9 (functional, ``compute``, ``forward``).

Values are checked elsewhere against independent references; here only the structure of the result is compared
(tensor shapes, tuples, lists, dicts). The cases come from each object's signature: its task (``Binary*``,
``Multiclass*``, ``Multilabel*``, or every ``task=`` of a facade), and a grid over the options that change the shape
of the result (``average``, ``multidim_average``, ``thresholds``, ``top_k``...). A combination TorchMetrics rejects is
skipped; one it accepts must give the same structure here. A meta-test fails when a public name has no case.
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from typing import Any

import pytest
import torch
import torchmetrics.classification as tm_modular
import torchmetrics.functional.classification as tm_functional

import calipers.classification as modular
import calipers.functional.classification as functional

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

_N, _C, _EXTRA = 16, 3, 4
_TASKS = ("binary", "multiclass", "multilabel")
# Options whose values can change the structure of the result ("weighted" is shaped as "macro", `top_k` only
# changes values); a facade (`Accuracy(task=...)`) runs the first value of each option only.
_GRID: dict[str, tuple[Any, ...]] = {
    "average": ("micro", "macro", "none"),
    "multidim_average": ("global", "samplewise"),
    "thresholds": (None, 5),
    "multiclass_mode": ("crammer-singer", "one-vs-all"),
}
_FAIRNESS_TASKS = ("demographic_parity", "equal_opportunity", "all")
_REQUIRED: dict[str, Any] = {
    "min_recall": 0.5,
    "min_precision": 0.5,
    "min_specificity": 0.5,
    "min_sensitivity": 0.5,
    "beta": 2.0,
    "num_groups": 2,
}


def _inputs(task: str, samplewise: bool) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(7)
    extra = (_EXTRA,) if samplewise else ()
    if task == "binary":
        preds = torch.rand(_N, *extra, generator=gen)
        target = torch.randint(0, 2, (_N, *extra), generator=gen)
    elif task == "multiclass":
        preds = torch.rand(_N, _C, *extra, generator=gen).softmax(1)
        target = (torch.arange(_N * (_EXTRA if samplewise else 1)) % _C).reshape(_N, *extra)
    else:
        preds = torch.rand(_N, _C, *extra, generator=gen)
        target = torch.randint(0, 2, (_N, _C, *extra), generator=gen)
    groups = torch.arange(_N) % 2
    return {"preds": preds, "target": target, "groups": groups}


def _task_of(name: str) -> str | None:
    lowered = name.lower()
    return next((task for task in _TASKS if lowered.startswith(task)), None)


def _parameters(obj: Any) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(obj).parameters)


def _tensor_names(fn: Any) -> list[str]:
    """The leading tensor parameters of ``fn`` (``preds``, ``target``, ``groups``), in order."""
    names = []
    for name in _parameters(fn):
        if name == "self":
            continue
        if name not in ("preds", "target", "groups"):
            break
        names.append(name)
    return names


def _variants(obj: Any, name: str) -> list[tuple[str, dict[str, Any]]]:
    """``(task, kwargs)`` for every task of ``obj`` and every combination of the shape-changing options."""
    params = _parameters(obj)
    own_task = _task_of(name)
    if own_task is not None:
        tasks: tuple[str | None, ...] = (own_task,)
    elif "task" in params and "fairness" not in name.lower():
        tasks = _TASKS
    else:
        tasks = ("binary",)  # the fairness facades (demographic_parity, equal_opportunity) are binary
    out = []
    for task in tasks:
        assert task is not None
        fixed: dict[str, Any] = {k: v for k, v in _REQUIRED.items() if k in params}
        if own_task is None and "task" in params and "fairness" not in name.lower():
            fixed["task"] = task
        if "num_classes" in params and task == "multiclass":
            fixed["num_classes"] = _C
        if "num_labels" in params and task == "multilabel":
            fixed["num_labels"] = _C
        grid = {k: v if own_task is not None else v[:1] for k, v in _GRID.items() if k in params}
        if task != "multiclass":
            grid.pop("multiclass_mode", None)
        if "fairness" in name.lower() and "task" in params:
            grid["task"] = _FAIRNESS_TASKS
        keys = sorted(grid)
        for values in itertools.product(*(grid[k] for k in keys)):
            out.append((task, {**fixed, **dict(zip(keys, values))}))
    return out


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


def _functional_result(fn: Any, task: str, kwargs: dict[str, Any]) -> Any:
    data = _inputs(task, kwargs.get("multidim_average") == "samplewise")
    return _structure(_quiet(fn, *(data[n] for n in _tensor_names(fn)), **kwargs))


def _class_result(cls: Any, task: str, kwargs: dict[str, Any]) -> Any:
    data = _inputs(task, kwargs.get("multidim_average") == "samplewise")
    metric = _quiet(cls, **kwargs)
    inputs = [data[n] for n in _tensor_names(type(metric).update)]
    half = _N // 2
    batch = _quiet(metric, *(x[:half] for x in inputs))
    _quiet(metric.update, *(x[half:] for x in inputs))
    return _structure(batch), _structure(_quiet(metric.compute))


def _compare(ours: Any, theirs: Any, run: Any, name: str) -> list[str]:
    """Run every variant on both sides; the variants TorchMetrics rejects are skipped."""
    mismatches, compared = [], 0
    for task, kwargs in _variants(theirs, name):
        try:
            expected = run(theirs, task, kwargs)
        except Exception:  # a combination TorchMetrics rejects: nothing to compare
            continue
        compared += 1
        try:
            actual = run(ours, task, kwargs)
        except Exception as err:  # reported below with the case
            actual = f"raised {type(err).__name__}: {err}"
        if actual != expected:
            mismatches.append(f"{name}({task}, {kwargs}): calipers {actual} != TorchMetrics {expected}")
    assert compared, f"{name}: TorchMetrics accepted no variant, the case table needs a fix"
    return mismatches


def test_every_public_name_is_compared():
    assert set(functional.__all__) <= set(dir(tm_functional))
    assert set(modular.__all__) <= set(dir(tm_modular))
    for name in [*functional.__all__, *modular.__all__]:
        obj = getattr(functional if name[0].islower() else modular, name)
        assert _variants(obj, name), name


@pytest.mark.parametrize("name", sorted(functional.__all__))
def test_functional_output_shapes_match_torchmetrics(name):
    mismatches = _compare(getattr(functional, name), getattr(tm_functional, name), _functional_result, name)
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", sorted(modular.__all__))
def test_class_output_shapes_match_torchmetrics(name):
    """``forward``'s batch value and ``compute``'s value after two batches, for every accepted variant."""
    mismatches = _compare(getattr(modular, name), getattr(tm_modular, name), _class_result, name)
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", sorted(n for n in modular.__all__ if _task_of(n) is not None))
def test_every_classification_metric_scripts_with_torchscript(name):
    """As in TorchMetrics, ``torch.jit.script`` accepts every metric (its ``forward`` is unused by TorchScript)."""
    cls = getattr(modular, name)
    _, kwargs = _variants(cls, name)[0]
    kwargs = {k: v for k, v in kwargs.items() if k not in _GRID}  # the defaults of the options
    assert isinstance(torch.jit.script(_quiet(cls, **kwargs)), torch.jit.ScriptModule)
