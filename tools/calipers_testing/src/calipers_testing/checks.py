"""The harness checks. :func:`run_metric_tests` runs them all for one :class:`MetricSpec`.

Each check raises :class:`HarnessFailure` naming itself, so a failing test says which promise broke:

========================  ===================================================================================
``functional``            the functional twin equals the reference, per batch and on all data, and rejects the
                          bad inputs as ``update`` does (same error type, same message up to the owner's name)
``update``                the class after every batch equals the reference on all data; ``update_count``
``forward``               ``forward`` returns the batch's value, and accumulates like ``update``
``merge_state``           two objects fed half the batches each, merged, equal one object fed everything
``state_dict``            ``persistent(True)`` + ``state_dict`` + ``torch.save``/``load`` + ``load_state_dict``
``pickle_clone_reset``    pickling, ``clone`` (independent copy), ``reset`` (as new)
``dtypes``                float32 / float64 (and float16 where asked) inputs with ``set_dtype``
``differentiable``        ``is_differentiable`` metrics give a value that carries gradients
``validate_before_mutate`` a bad batch raises the documented error and leaves every state untouched
``ddp``                   2 gloo ranks: different batch counts per rank, a rank with no data, ``forward`` (its
                          batch values too), ``dist_sync_on_step``; every rank gets the reference on all data,
                          ``compute`` issues <= 3 collectives and restores the local states afterwards
========================  ===================================================================================
"""

from __future__ import annotations

import importlib
import inspect
import io
import pickle
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers_testing._ddp_tasks import run_case
from calipers_testing.compare import HarnessFailure, assert_close
from calipers_testing.pool import DDPTimeout, DDPWorkerError, get_pool
from calipers_testing.spec import BadInput, MetricSpec
from calipers_testing.states import snapshot, snapshots_equal

__all__ = ["ALL_CHECKS", "MAX_COLLECTIVES", "run_metric_tests", "uneven_ranks"]

MAX_COLLECTIVES = 3
Batch = tuple[Any, ...]


def _fail(check: str, spec: MetricSpec, detail: str) -> HarnessFailure:
    return HarnessFailure(check, spec.name, detail)


def _close(check: str, spec: MetricSpec, actual: Any, expected: Any, what: str, scale: float = 1.0) -> None:
    try:
        assert_close(actual, expected, spec.atol * scale, spec.rtol * scale, what)
    except AssertionError as err:
        raise _fail(check, spec, str(err)) from None


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


# Phrases of messages about the states of earlier batches, which a functional call cannot see.
_STATE_PHRASES = ("earlier batch", "metric's", "the states")


def _class_only(spec: MetricSpec, bad: BadInput) -> bool:
    """Whether ``bad`` is bad only for the class.

    So when marked, when the spec builds the class with an argument that the functional does not take
    (``num_outputs``, ``num_groups``...), or when its message names such an argument or the states of earlier batches.
    """
    if not bad.functional:
        return True
    assert spec.functional is not None
    class_only = _parameters(spec.metric_class) - _parameters(spec.functional) - {"kwargs", "args"}
    if class_only & set(spec.metric_args):  # built with options the functional lacks: its inputs differ
        return True
    return any(arg in bad.match for arg in class_only) or any(p in bad.match for p in _STATE_PHRASES)


def _parameters(fn: Any) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _functional_match(spec: MetricSpec, bad: BadInput) -> str:
    """The message pattern for the functional: the class's name, where the pattern names it, stands for any owner."""
    if bad.functional_match is not None:
        return bad.functional_match
    return bad.match.replace(spec.metric_class.__name__, r"\w+")


def _expect_error(check: str, spec: MetricSpec, how: str, call: Callable[[], Any], error: type, match: str) -> None:
    try:
        _quiet(call)
    except error as err:
        if not re.search(match, str(err)):
            raise _fail(check, spec, f"{how}: message {str(err)!r} does not match {match!r}") from None
    except Exception as err:
        raise _fail(check, spec, f"{how}: raised {type(err).__name__}, expected {error.__name__}: {err}") from None
    else:
        raise _fail(check, spec, f"{how} accepted a bad batch")


def check_functional(spec: MetricSpec) -> None:
    if spec.functional is None:
        return
    fn = spec.functional
    kwargs = dict(spec.metric_args if spec.functional_args is None else spec.functional_args)
    for i, batch in enumerate(spec.batches):
        _close("functional", spec, fn(*batch, **kwargs), spec.expected([batch]), f"batch {i}")
    if "validate_args" in _parameters(fn):  # some functionals validate only when asked (TorchMetrics' defaults)
        kwargs.setdefault("validate_args", True)
    for j, bad in enumerate(spec.bad_inputs):
        if _class_only(spec, bad):
            continue
        call = lambda b=bad: fn(*b.args, **kwargs, **b.kwargs)  # noqa: E731
        _expect_error("functional", spec, f"bad input {j}", call, bad.error, _functional_match(spec, bad))


def check_update(spec: MetricSpec) -> None:
    metric = spec.make()
    for batch in spec.batches:
        metric.update(*batch)
    if metric.update_count != len(spec.batches):
        raise _fail("update", spec, f"update_count is {metric.update_count}, expected {len(spec.batches)}")
    _close("update", spec, metric.compute(), spec.expected(spec.batches), "compute after all batches")
    _close("update", spec, metric.compute(), spec.expected(spec.batches), "second compute (cached)")


def check_forward(spec: MetricSpec) -> None:
    metric = spec.make()
    for i, batch in enumerate(spec.batches):
        value = _quiet(lambda b=batch: metric(*b))
        if spec.forward_is_batch_value:
            _close("forward", spec, value, spec.expected([batch]), f"forward value of batch {i}")
    _close("forward", spec, metric.compute(), spec.expected(spec.batches), "compute after forward on every batch")


def check_merge_state(spec: MetricSpec) -> None:
    if any(r is None for m in spec.make().modules() for r in getattr(m, "_reductions", {}).values()):
        return  # states without a reduction cannot be merged (documented)
    first, second = list(spec.batches[::2]), list(spec.batches[1::2])
    a, b, c = spec.make(), spec.make(), spec.make()
    for batch in first:
        a.update(*batch)
        c.update(*batch)
    for batch in second:
        b.update(*batch)
    a.merge_state(b)
    _close("merge_state", spec, a.compute(), spec.expected(first + second), "merge_state(metric)")
    c.merge_state(b.metric_state)
    _close("merge_state", spec, c.compute(), spec.expected(first + second), "merge_state(dict)")


def check_state_dict(spec: MetricSpec) -> None:
    metric = spec.make()
    for batch in spec.batches:
        metric.update(*batch)
    metric.persistent(True)
    buffer = io.BytesIO()
    torch.save(metric.state_dict(), buffer)
    buffer.seek(0)
    loaded_sd = torch.load(buffer, weights_only=False)
    fresh = spec.make()
    fresh.persistent(True)
    fresh.load_state_dict(loaded_sd)
    diff = snapshots_equal(
        [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")],
        [(k, v) for k, v in snapshot(fresh) if not k.endswith("_update_count")],
    )
    if diff is not None:
        raise _fail("state_dict", spec, f"state {diff!r} did not survive state_dict/load_state_dict")
    _close("state_dict", spec, fresh.compute(), spec.expected(spec.batches), "compute after load_state_dict")
    hidden = spec.make()
    for batch in spec.batches[:1]:
        hidden.update(*batch)
    if any(k for k in hidden.state_dict() if k.split(".")[-1] in getattr(hidden, "_defaults", {})):
        raise _fail("state_dict", spec, "states are in state_dict although persistent() was not called")


def check_pickle_clone_reset(spec: MetricSpec) -> None:
    metric = spec.make()
    for batch in spec.batches[:-1]:
        metric.update(*batch)
    restored = pickle.loads(pickle.dumps(metric))
    restored.update(*spec.batches[-1])
    _close("pickle_clone_reset", spec, restored.compute(), spec.expected(spec.batches), "after pickling")
    before = snapshot(metric)
    clone = metric.clone()
    clone.update(*spec.batches[-1])
    if snapshots_equal(before, snapshot(metric)) is not None:
        raise _fail("pickle_clone_reset", spec, "updating a clone changed the original")
    _close("pickle_clone_reset", spec, clone.compute(), spec.expected(spec.batches), "clone")
    metric.compute()
    metric.reset()
    if snapshots_equal(snapshot(metric), snapshot(spec.make())) is not None:
        raise _fail("pickle_clone_reset", spec, "reset() did not restore the default states")
    for batch in spec.batches:
        metric.update(*batch)
    _close("pickle_clone_reset", spec, metric.compute(), spec.expected(spec.batches), "after reset")


def _cast(batch: Batch, dtype: torch.dtype) -> Batch:
    return tuple(x.to(dtype) if isinstance(x, Tensor) and x.is_floating_point() else x for x in batch)


def check_dtypes(spec: MetricSpec) -> None:
    for dtype in spec.dtypes:
        metric = spec.make().set_dtype(dtype)
        batches = [_cast(b, dtype) for b in spec.batches]
        for batch in batches:
            metric.update(*batch)
        value = metric.compute()
        scale = 1e4 if dtype in (torch.float16, torch.bfloat16) else (100.0 if dtype == torch.float32 else 1.0)
        _close("dtypes", spec, value, spec.expected(batches), f"{dtype}", scale)
        for t in [value] if isinstance(value, Tensor) else []:
            if t.is_floating_point() and dtype == torch.float64 and t.dtype != torch.float64:
                raise _fail("dtypes", spec, f"set_dtype(float64) gave a {t.dtype} value")


def check_differentiable(spec: MetricSpec) -> None:
    metric = spec.make()
    if not metric.is_differentiable:
        return
    if not any(isinstance(x, Tensor) and x.is_floating_point() for x in spec.batches[0]):
        return  # integer inputs cannot carry gradients
    batch = tuple(
        x.detach().double().requires_grad_(True) if isinstance(x, Tensor) and x.is_floating_point() else x
        for x in spec.batches[0]
    )
    metric.set_dtype(torch.float64)
    value = metric(*batch)
    if not isinstance(value, Tensor) or not value.requires_grad:
        raise _fail("differentiable", spec, "is_differentiable is True but forward's value carries no gradient")


def check_validate_before_mutate(spec: MetricSpec) -> None:
    for bad in spec.bad_inputs:
        for how in ("update", "forward"):
            metric = spec.make()
            for batch in spec.batches[:2]:
                metric.update(*batch)
            before = snapshot(metric)
            call = metric.update if how == "update" else metric
            _expect_error(
                "validate_before_mutate",
                spec,
                how,
                lambda c=call, b=bad: c(*b.args, **b.kwargs),  # type: ignore[misc]
                bad.error,
                bad.match,
            )
            diff = snapshots_equal(before, snapshot(metric))
            if diff is not None:
                raise _fail("validate_before_mutate", spec, f"{how} changed state {diff!r} before raising")


def _importable(cls: type) -> bool:
    try:
        module = importlib.import_module(cls.__module__)
    except ImportError:
        return False
    return getattr(module, cls.__qualname__, None) is cls


def _run_ddp(spec: MetricSpec, per_rank: Sequence[Sequence[Batch]], mode: str) -> list[dict[str, Any]]:
    try:
        return get_pool().run(run_case, [(spec.metric_class, dict(spec.metric_args), list(b), mode) for b in per_rank])
    except DDPTimeout as err:
        raise _fail("ddp", spec, f"{mode}: {err}") from None
    except DDPWorkerError as err:
        raise _fail("ddp", spec, f"{mode}: a rank raised:\n{err}") from None


def _halves(batch: Batch) -> list[Batch] | None:
    """``batch`` split into two batches of rows, or None when it cannot be (fewer than 2 rows, unsliceable inputs)."""
    sizes = {len(x) for x in batch if isinstance(x, (Tensor, list)) and not (isinstance(x, Tensor) and x.ndim == 0)}
    if len(sizes) != 1 or not all(isinstance(x, (Tensor, list)) or x is None for x in batch):
        return None
    n = sizes.pop()
    if n < 2:
        return None
    return [tuple(x if x is None else x[a:b] for x in batch) for a, b in ((0, n // 2), (n // 2, n))]


def uneven_ranks(spec: MetricSpec) -> list[list[Batch]]:
    """The batches dealt to 2 ranks so that the ranks hold different numbers of batches (both non-empty).

    Alternate batches, then the last one of rank 1 moves to rank 0 when the counts are equal; with 2 batches, rank 1's
    batch is split in two (for a batch-invariant metric). Only a 2-batch spec that cannot be split stays even.
    """
    batches = list(spec.batches)
    first, second = batches[0::2], batches[1::2]
    if len(first) == len(second):
        if len(second) > 1:
            first, second = [*first, second[-1]], second[:-1]
        elif spec.batch_invariant and (halves := _halves(second[0])) is not None:
            second = halves
    return [first, second]


def check_ddp(spec: MetricSpec) -> None:
    if not spec.ddp:
        return
    if not _importable(spec.metric_class):
        raise _fail("ddp", spec, "the metric class must be importable by its module path to run on DDP workers")
    batches = list(spec.batches)
    budget = MAX_COLLECTIVES if spec.max_collectives is None else spec.max_collectives
    scenarios = {
        "uneven": uneven_ranks(spec),
        "empty rank": [batches, []],
    }
    for label, per_rank in scenarios.items():
        expected = spec.expected(per_rank[0] + per_rank[1])
        for mode in ("update", "forward"):
            results = _run_ddp(spec, per_rank, mode)
            for rank, res in enumerate(results):
                _close("ddp", spec, res["value"], expected, f"{label}/{mode}: rank {rank} compute")
                if mode == "forward" and spec.forward_is_batch_value:
                    for i, value in enumerate(res["batch_values"]):
                        what = f"{label}/forward: rank {rank} batch {i} value"
                        _close("ddp", spec, value, spec.expected([per_rank[rank][i]]), what)
                if res["collectives"] > budget:
                    raise _fail(
                        "ddp",
                        spec,
                        f"{label}/{mode}: compute issued {res['collectives']} collectives "
                        f"({res['collective_names']}), at most {budget} allowed",
                    )
                if not res["local_restored"]:
                    raise _fail("ddp", spec, f"{label}/{mode}: rank {rank} did not get its local states back")
    steps = len(batches) // 2
    params = inspect.signature(spec.metric_class.__init__).parameters
    takes_options = "dist_sync_on_step" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    if steps and spec.forward_is_batch_value and takes_options:
        per_rank = [batches[:steps], batches[steps : 2 * steps]]
        results = _run_ddp(spec, per_rank, "sync_on_step")
        for rank, res in enumerate(results):
            for i, value in enumerate(res["batch_values"]):
                expected = spec.expected([per_rank[0][i], per_rank[1][i]])
                _close("ddp", spec, value, expected, f"dist_sync_on_step: rank {rank} batch {i}")
            _close("ddp", spec, res["value"], spec.expected(per_rank[0] + per_rank[1]), "dist_sync_on_step compute")


ALL_CHECKS: dict[str, Callable[[MetricSpec], None]] = {
    "functional": check_functional,
    "update": check_update,
    "forward": check_forward,
    "merge_state": check_merge_state,
    "state_dict": check_state_dict,
    "pickle_clone_reset": check_pickle_clone_reset,
    "dtypes": check_dtypes,
    "differentiable": check_differentiable,
    "validate_before_mutate": check_validate_before_mutate,
    "ddp": check_ddp,
}


def run_metric_tests(spec: MetricSpec, checks: Sequence[str] | None = None) -> None:
    """Run every harness check (or the named ones) for ``spec``; raise :class:`HarnessFailure` on the first failure."""
    names = list(ALL_CHECKS) if checks is None else list(checks)
    unknown = sorted(set(names) - set(ALL_CHECKS))
    if unknown:
        raise ValueError(f"run_metric_tests: `checks` must be among {sorted(ALL_CHECKS)}, got {unknown}.")
    if len(spec.batches) < 2:
        raise ValueError(f"run_metric_tests: a spec needs at least 2 batches, got {len(spec.batches)}.")
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # compute-before-update warnings of empty ranks etc. are expected here
            ALL_CHECKS[name](spec)
