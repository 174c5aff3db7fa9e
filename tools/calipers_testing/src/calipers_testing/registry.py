"""The registry of metric specs: every test module of every package may declare ``SPECS = [MetricSpec(...), ...]``.

:func:`collect_specs` loads those modules and returns their specs; the property tests (batch-split and order
invariance, empty update, NaN policy) and the meta-test (every public metric of an installed distribution has a
spec) run over it.

The NaN policy of each family (:data:`NAN_POLICIES`, written down in the domain's docs page) says what a NaN in the
first floating input (the scores, ``preds`` or ``p``) does with the metric's default arguments:

* ``"raise"``: ``update`` (and the functional, with ``validate_args=True``) raises a ``ValueError`` naming that input,
  and no state changes;
* ``"propagate"``: accepted unchecked, the value is NaN;
* ``"finite"``: accepted, the NaN compares false against thresholds, the value stays finite;
* ``"unchecked"``: no documented policy (not checked).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from calipers_testing.checks import _close, _fail
from calipers_testing.spec import MetricSpec, cat_batches
from calipers_testing.states import snapshot

__all__ = [
    "NAN_POLICIES",
    "check_batch_split_invariance",
    "check_empty_update",
    "check_nan_policy",
    "check_order_invariance",
    "collect_specs",
    "empty_batch",
    "nan_policy",
    "repo_root",
]

# Module prefix -> policy; the longest prefix wins. Mirrored in docs/api/classification.md and regression.md.
NAN_POLICIES: dict[str, str] = {
    "calipers.classification": "raise",
    "calipers.regression": "propagate",  # the error metrics pass NaN through
    "calipers.regression.concordance": "raise",  # correlations and divergences check their inputs
    "calipers.regression.cosine_similarity": "raise",
    "calipers.regression.kendall": "raise",
    "calipers.regression.pearson": "raise",
    "calipers.regression.spearman": "raise",
    "calipers.regression.kl_divergence": "raise",
    "calipers.regression.js_divergence": "raise",
    "calipers.regression.csi": "raise",  # issue 17: NaN scores or targets are rejected
}
_POLICY_KINDS = ("finite", "propagate", "raise", "unchecked")


def repo_root() -> Path:
    """The repository root (the folder holding ``packages/``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "packages").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    raise RuntimeError("calipers_testing: cannot find the repository root above " + str(here))


def _spec_modules() -> Iterator[Path]:
    root = repo_root()
    yield from sorted(root.glob("packages/*/tests/**/test_*.py"))


def collect_specs() -> list[MetricSpec]:
    """Every ``SPECS`` entry of every package test module (the modules are loaded under private names)."""
    specs: list[MetricSpec] = []
    for path in _spec_modules():
        text = path.read_text(encoding="utf-8")
        if "SPECS" not in text:
            continue
        name = "_calipers_specs_" + "_".join(path.relative_to(repo_root()).with_suffix("").parts).replace("-", "_")
        module = sys.modules.get(name)
        if module is None:
            loader_spec = importlib.util.spec_from_file_location(name, path)
            assert loader_spec is not None and loader_spec.loader is not None
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
        specs.extend(getattr(module, "SPECS", []))
    return specs


def _rows(batches: list[tuple[object, ...]]) -> tuple[object, ...]:
    return cat_batches(batches)


def _samples(data: tuple[object, ...]) -> int:
    """The number of samples: the rows of the first tensor, else the items of the first list (text inputs)."""
    for x in data:
        if isinstance(x, Tensor):
            return int(x.shape[0])
    for x in data:
        if isinstance(x, (list, tuple)):
            return len(x)
    raise ValueError("registry: a spec's batches must hold a tensor or a list of samples.")


def _split(data: tuple[object, ...], sizes: list[int]) -> list[tuple[object, ...]]:
    out = []
    start = 0
    for size in sizes:
        out.append(tuple(x[start : start + size] if isinstance(x, (Tensor, list, tuple)) else x for x in data))
        start += size
    return out


def _permute(x: object, perm: Tensor) -> object:
    if isinstance(x, Tensor):
        return x[perm]
    if isinstance(x, (list, tuple)):
        return [x[i] for i in perm.tolist()]
    return x


def _compute(spec: MetricSpec, batches: list[tuple[object, ...]]) -> object:
    metric = spec.make()
    for batch in batches:
        metric.update(*batch)
    return metric.compute()


def check_batch_split_invariance(spec: MetricSpec) -> None:
    """The same samples split into 1 batch, or batches of 1 and of uneven sizes, give the same value."""
    if not spec.batch_invariant:
        return
    data = _rows(list(spec.batches))
    n = _samples(data)
    reference = _compute(spec, list(spec.batches))
    gen = torch.Generator().manual_seed(0)
    cuts = sorted(torch.randperm(max(n - 1, 1), generator=gen)[: min(3, max(n - 1, 0))].add(1).tolist())
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    for layout in ([n], [1] * n, sizes):
        _close("batch_split_invariance", spec, _compute(spec, _split(data, layout)), reference, f"split {layout}")


def check_order_invariance(spec: MetricSpec) -> None:
    """Shuffling the samples (the same permutation for every input) does not change the value."""
    if not spec.order_invariant:
        return
    data = _rows(list(spec.batches))
    n = _samples(data)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(1))
    shuffled = tuple(_permute(x, perm) for x in data)
    reference = _compute(spec, list(spec.batches))
    _close("order_invariance", spec, _compute(spec, [shuffled]), reference, "shuffled samples")


def _empty(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.reshape(1)[:0] if x.ndim == 0 else x[:0]
    if isinstance(x, str):
        return []
    if isinstance(x, (list, tuple)):
        return type(x)()
    if isinstance(x, dict):
        return {k: _empty(v) for k, v in x.items()}
    return x


def empty_batch(batch: tuple[Any, ...]) -> tuple[Any, ...]:
    """``batch`` with no samples: every tensor sliced to 0 rows (a 0-d one to shape ``(0,)``), lists emptied."""
    return tuple(_empty(x) for x in batch)


def _content(metric: Any) -> list[tuple[str, Any]]:
    """The states of ``metric`` (and its sub-metrics) by content: list states concatenated, update counts left out."""
    out = []
    for key, value in snapshot(metric):
        if key.endswith("_update_count"):
            continue
        if isinstance(value, list) and all(isinstance(v, Tensor) for v in value):
            value = torch.cat([v.reshape(-1) for v in value]) if value else None
        out.append((key, value))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a.nan_to_num(7.5), b.nan_to_num(7.5)))
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (a is None and b.numel() == 0) or (b is None and a.numel() == 0)  # type: ignore[union-attr]
    return bool(a == b)


def check_empty_update(spec: MetricSpec) -> None:
    """An update with an empty batch is a no-op: it does not raise and leaves every state as it was.

    Checked on a fresh metric and after one batch; list states are compared by their content (an appended empty
    chunk is no change), update counts are not compared (an empty update still counts, as in TorchMetrics).
    """
    for primed in (False, True):
        metric = spec.make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if primed:
                metric.update(*spec.batches[0])
            before = _content(metric)
            try:
                metric.update(*empty_batch(spec.batches[0]))
            except Exception as err:
                where = "after one batch" if primed else "on a fresh metric"
                raise _fail("empty_update", spec, f"{where}: raised {type(err).__name__}: {err}") from None
        after = _content(metric)
        for (key, x), (_, y) in zip(before, after):
            if not _same(x, y):
                raise _fail("empty_update", spec, f"state {key!r} changed ({'primed' if primed else 'fresh'})")


def nan_policy(spec: MetricSpec) -> str:
    """The NaN policy of ``spec``: its own ``nan_policy``, else its family's, else ``"unchecked"``.

    A spec built with ``validate_args=False`` is unchecked (the policy is then documented, not enforced).
    """
    if spec.nan_policy is not None:
        if spec.nan_policy not in _POLICY_KINDS:
            raise ValueError(f"nan_policy: must be one of {list(_POLICY_KINDS)}, got {spec.nan_policy!r}.")
        return spec.nan_policy
    if spec.metric_args.get("validate_args") is False:
        return "unchecked"
    module = spec.metric_class.__module__
    matches = [p for p in NAN_POLICIES if module == p or module.startswith(p + ".")]
    return NAN_POLICIES[max(matches, key=len)] if matches else "unchecked"


def _with_nan(spec: MetricSpec) -> tuple[tuple[Any, ...], int] | None:
    """The first batch with its first floating input's first element set to NaN, and that input's position."""
    batch = list(spec.batches[0])
    for pos, x in enumerate(batch):
        if isinstance(x, Tensor) and x.is_floating_point() and x.numel():
            x = x.detach().clone()
            x.reshape(-1)[0] = float("nan")
            batch[pos] = x
            return tuple(batch), pos
    return None


def _holds_nan(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.is_floating_point() and bool(torch.isnan(x).any())
    if isinstance(x, dict):
        return any(_holds_nan(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_holds_nan(v) for v in x)
    return isinstance(x, float) and x != x


def _input_name(fn: Any, pos: int) -> str:
    params = [n for n in inspect.signature(fn).parameters if n != "self"]
    return params[pos] if pos < len(params) else f"argument {pos}"


def _expect_nan_error(spec: MetricSpec, how: str, call: Any, name: str) -> None:
    try:
        call()
    except ValueError as err:
        if not re.search(f"`{name}`", str(err)):
            raise _fail("nan_policy", spec, f"{how}: the error does not name `{name}`: {err}") from None
    except Exception as err:
        raise _fail("nan_policy", spec, f"{how}: raised {type(err).__name__}, not ValueError: {err}") from None
    else:
        raise _fail("nan_policy", spec, f"{how} accepted a NaN in `{name}` (policy: raise)")


def check_nan_policy(spec: MetricSpec) -> None:
    """A NaN in the first floating input does what the family's policy (:data:`NAN_POLICIES`) says.

    Checked in ``update`` (with ``"raise"``: before any state changes) and in the functional twin (called with
    ``validate_args=True`` where it takes it).
    """
    policy = nan_policy(spec)
    found = _with_nan(spec)
    if policy == "unchecked" or found is None:
        return
    batch, pos = found
    metric = spec.make()
    name = _input_name(type(metric).update, pos)
    fn = spec.functional
    fn_kwargs = dict(spec.metric_args if spec.functional_args is None else spec.functional_args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if policy == "raise":
            before = _content(metric)
            _expect_nan_error(spec, "update", lambda: metric.update(*batch), name)
            if any(not _same(x, y) for (_, x), (_, y) in zip(before, _content(metric))):
                raise _fail("nan_policy", spec, "update changed a state before raising on NaN")
            if fn is not None:
                if "validate_args" in inspect.signature(fn).parameters:
                    fn_kwargs["validate_args"] = True
                _expect_nan_error(spec, "functional", lambda: fn(*batch, **fn_kwargs), name)
            return
        try:
            metric.update(*batch)
            values = [("compute", metric.compute())]
            if fn is not None:
                values.append(("functional", fn(*batch, **fn_kwargs)))
        except Exception as err:
            raise _fail("nan_policy", spec, f"raised {type(err).__name__} on NaN (policy: {policy}): {err}") from None
    for how, value in values:
        if _holds_nan(value) != (policy == "propagate"):
            raise _fail("nan_policy", spec, f"{how} gave {value!r} on a NaN in `{name}` (policy: {policy})")
