"""A seeded sweep of random 2-rank sync scenarios, with an oracle written independently of the sync engine.

A scenario is a random user metric (:class:`SweepMetric`, 1-8 states: ``sum``/``mean``/``max``/``min`` over float,
int, bool and half dtypes and shapes, a foldable and a non-foldable custom sum, ``dist_reduce_fx=None`` tensors and
lists, ``cat`` lists with uneven and empty ranks, uint16 rows), or a collection of two of them, or a collection of
built-in aggregators; 0-4 updates per rank, each by ``update`` or ``forward``; sometimes a user ``dist_sync_fn``.
About one scenario in six is *faulty* on one rank (a state of another shape or dtype, a list element of 9 dims or of
a dtype the sync cannot carry, list rows of another trailing shape): then both ranks must raise the same
``ValueError`` naming the state.

:func:`run_batch` runs a list of scenarios on one rank (the DDP pool calls it on both) and reports, per scenario,
the synced states or the error. :func:`expected` computes what they must be from the scenario alone: each rank's
local states by replaying its operations with plain tensor arithmetic (the forward fold of a ``"mean"`` state is the
update-count-weighted mean, integers rounded half up), then their reduction over the ranks.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import Tensor

from calipers import Metric

__all__ = [
    "Scenario",
    "StateSpec",
    "SweepMetric",
    "compare",
    "compare_merge",
    "expected",
    "make_scenarios",
    "run_batch",
]

_TENSOR_REDUCTIONS = ("sum", "mean", "max", "min", "custom", "custom_nf", "none")
_LIST_REDUCTIONS = ("cat", "none_list")
_TENSOR_DTYPES = ("float32", "float64", "float16", "int64", "int32", "bool")
_LIST_DTYPES = ("float32", "float64", "int64", "int32", "uint16")
_SHAPES: tuple[tuple[int, ...], ...] = ((), (3,), (2, 2), (1,))
_TRAILING: tuple[tuple[int, ...], ...] = ((), (2,), (2, 3))
FAULTS = ("shape", "dtype", "ndim9", "uncarried", "trailing")


def _custom_sum(stacked: Tensor) -> Tensor:
    return stacked.sum(0)


def _custom_sum_nf(stacked: Tensor) -> Tensor:
    return stacked.sum(0)


_custom_sum.__calipers_foldable__ = True  # type: ignore[attr-defined]
_REDUCTION_FX: dict[str, Any] = {
    "sum": "sum", "mean": "mean", "max": "max", "min": "min", "custom": _custom_sum, "custom_nf": _custom_sum_nf,
    "none": None, "cat": "cat", "none_list": None,
}  # fmt: skip


@dataclass(frozen=True)
class StateSpec:
    """One state: name, reduction (a key of ``_REDUCTION_FX``), dtype name, shape (tensor) or trailing shape (list)."""

    name: str
    reduction: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def is_list(self) -> bool:
        return self.reduction in _LIST_REDUCTIONS


@dataclass(frozen=True)
class Scenario:
    """One sweep case. ``metrics[r]``: per rank, the state specs of each metric (equal unless ``fault``)."""

    seed: int
    kind: str  # "metric", "collection" or "builtin"
    metrics: tuple[tuple[tuple[StateSpec, ...], ...], ...]
    ops: tuple[tuple[str, ...], ...]
    user_fn: bool
    fault: str | None = None
    fault_state: str = ""


def _dtype(name: str) -> torch.dtype:
    return getattr(torch, name)  # type: ignore[no-any-return]


def _default(spec: StateSpec) -> Tensor | list[Tensor]:
    if spec.is_list:
        return []
    dtype = _dtype(spec.dtype)
    if spec.reduction in ("max", "min"):
        if dtype == torch.bool:
            fill: Any = spec.reduction == "min"
        elif dtype.is_floating_point:
            fill = -float("inf") if spec.reduction == "max" else float("inf")
        else:
            info = torch.iinfo(dtype)
            fill = info.min if spec.reduction == "max" else info.max
        return torch.full(spec.shape, fill, dtype=dtype)
    return torch.zeros(spec.shape, dtype=dtype)


def contribution(spec: StateSpec, index: int, seed: int, rank: int, step: int) -> Tensor:
    """What update ``step`` of ``rank`` brings to state ``index`` (deterministic)."""
    gen = torch.Generator().manual_seed(((seed * 7 + rank) * 11 + step) * 64 + index)
    dtype = _dtype(spec.dtype)
    shape = spec.shape
    if spec.is_list:
        rows = int(torch.randint(0, 4, (), generator=gen))
        shape = (rows, *spec.shape)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=gen).bool()
    if dtype.is_floating_point:
        return (torch.randn(shape, generator=gen) * 4).to(dtype)
    return (torch.randint(0, 60, shape, generator=gen) - (0 if dtype == torch.uint16 else 30)).to(dtype)


class SweepMetric(Metric):
    """A user metric whose states follow ``specs``: sums add, max/min keep extremes, means take the batch value,
    lists append. ``compute`` returns the states."""

    full_state_update = False

    def __init__(self, specs: tuple[StateSpec, ...], seed: int = 0, rank: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.specs = specs
        self.seed = seed
        self.rank = rank
        for spec in specs:
            self.add_state(spec.name, _default(spec), dist_reduce_fx=_REDUCTION_FX[spec.reduction])

    def update(self, step: int) -> None:
        for i, spec in enumerate(self.specs):
            c = contribution(spec, i, self.seed, self.rank, step)
            value = getattr(self, spec.name)
            if spec.is_list:
                value.append(c)
            elif spec.reduction == "max":
                setattr(self, spec.name, torch.maximum(value, c))
            elif spec.reduction == "min":
                setattr(self, spec.name, torch.minimum(value, c))
            elif spec.reduction == "mean":
                setattr(self, spec.name, c.clone())
            else:
                setattr(self, spec.name, value + c)

    def compute(self) -> dict[str, Any]:
        return dict(self.metric_state)


# ------------------------------------------------------------------------------------------ scenario generation
def _random_spec(rng: random.Random, i: int) -> StateSpec:
    if rng.random() < 0.3:
        return StateSpec(f"s{i}", rng.choice(_LIST_REDUCTIONS), rng.choice(_LIST_DTYPES), rng.choice(_TRAILING))
    reduction = rng.choice(_TENSOR_REDUCTIONS)
    dtypes = [d for d in _TENSOR_DTYPES if not (d == "bool" and reduction in ("sum", "custom", "custom_nf", "none"))]
    if reduction in ("sum", "custom", "custom_nf", "none") and rng.random() < 0.1:
        dtypes = ["bool"]  # bool sums are logical ors
    return StateSpec(f"s{i}", reduction, rng.choice(dtypes), rng.choice(_SHAPES))


def _fault(rng: random.Random, specs: tuple[StateSpec, ...]) -> tuple[str, tuple[StateSpec, ...], str] | None:
    """A faulty copy of ``specs`` for rank 1, or ``None`` when no fault applies to these states."""
    kind = rng.choice(FAULTS)
    tensors = [i for i, s in enumerate(specs) if not s.is_list]
    lists = [i for i, s in enumerate(specs) if s.is_list]
    out = list(specs)
    if kind in ("shape", "dtype") and tensors:
        i = rng.choice(tensors)
        s = specs[i]
        if kind == "shape":
            out[i] = replace(s, shape=(5,) if s.shape != (5,) else (6,))
        else:
            other = [d for d in ("float32", "float64", "int64", "int32") if d != s.dtype]
            out[i] = replace(s, dtype=rng.choice(other) if s.reduction not in ("max", "min") else other[0])
        return kind, tuple(out), s.name
    if kind in ("ndim9", "uncarried", "trailing") and lists:
        i = rng.choice(lists)
        s = specs[i]
        if kind == "ndim9":
            out[i] = replace(s, shape=(1,) * 8)
        elif kind == "uncarried":
            out[i] = replace(s, dtype="float8_e5m2")
        else:
            out[i] = replace(s, shape=(*s.shape, 4))
        return kind, tuple(out), s.name
    return None


def make_scenarios(count: int, seed: int = 0) -> list[Scenario]:
    """``count`` scenarios drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        kind = rng.choices(["metric", "collection", "builtin"], weights=[6, 2, 1])[0]
        n_metrics = 1 if kind == "metric" else 2
        metrics = tuple(tuple(_random_spec(rng, i) for i in range(rng.randint(1, 8))) for _ in range(n_metrics))
        if kind == "builtin":
            metrics = ((), ())
        ops = tuple(tuple(rng.choice(["update", "forward"]) for _ in range(rng.randint(0, 4))) for _ in range(2))
        per_rank = (metrics, metrics)
        fault, fault_state = None, ""
        if kind != "builtin" and rng.random() < 0.17:
            found = _fault(rng, metrics[0])
            if found is not None:
                fault, bad, fault_state = found
                per_rank = (metrics, (bad, *metrics[1:]))
                # a fault on the lists needs the faulty rank to hold rows: it updates at least twice
                ops = (ops[0] or ("update",), (*ops[1], "update", "update"))
                if fault == "trailing":
                    ops = ((*ops[0], "update", "update"), ops[1])
        user_fn = kind != "builtin" and rng.random() < 0.2
        if user_fn:  # gloo's all_gather (inside the user's gather_all_tensors) cannot carry uint16
            per_rank = tuple(
                tuple(tuple(replace(s, dtype="int64") if s.dtype == "uint16" else s for s in m) for m in ms)
                for ms in per_rank
            )
        out.append(Scenario(seed * 100_000 + k, kind, tuple(per_rank), ops, user_fn, fault, fault_state))
    return out


# ------------------------------------------------------------------------------------------ running on a rank
_BUILTINS = ("sum", "mean", "max", "min", "cat")


def _builtin_collection() -> Any:
    from calipers import CatMetric, MaxMetric, MeanMetric, MetricCollection, MinMetric, SumMetric

    return MetricCollection(
        {"sum": SumMetric(), "mean": MeanMetric(), "max": MaxMetric(), "min": MinMetric(), "cat": CatMetric()}
    )


def _builtin_value(scenario: Scenario, rank: int, step: int) -> Tensor:
    gen = torch.Generator().manual_seed(scenario.seed * 31 + rank * 7 + step)
    return torch.randn(int(torch.randint(1, 5, (), generator=gen)), generator=gen)


def _build(scenario: Scenario, rank: int) -> Any:
    from calipers import MetricCollection
    from calipers.utilities import gather_all_tensors

    if scenario.kind == "builtin":
        return _builtin_collection()
    kwargs = {"dist_sync_fn": gather_all_tensors} if scenario.user_fn else {}
    metrics = [SweepMetric(specs, scenario.seed, rank, **kwargs) for specs in scenario.metrics[rank]]
    if scenario.kind == "metric":
        return metrics[0]
    return MetricCollection({f"m{i}": m for i, m in enumerate(metrics)})


def run_one(scenario: Scenario, rank: int) -> dict[str, Any]:
    """Feed this rank's operations, ``compute`` (synced), and report the value or the error."""
    metric = _build(scenario, rank)
    try:
        for step, op in enumerate(scenario.ops[rank]):
            args = (_builtin_value(scenario, rank, step),) if scenario.kind == "builtin" else (step,)
            if op == "update":
                metric.update(*args)
            else:
                metric(*args)
    except Exception as err:  # a local failure (it must not happen before the sync)
        return {"error": ("local " + type(err).__name__, str(err))}
    try:
        value = metric.compute()
    except Exception as err:  # the sweep reports any failure as a result
        return {"error": (type(err).__name__, str(err))}
    return {"value": _plain(value)}


def _plain(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.detach().cpu().clone()
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def run_batch(rank: int, world: int, scenarios: list[Scenario]) -> list[dict[str, Any]]:
    """Run ``scenarios`` one after the other on this rank (a DDP pool task)."""
    warnings.simplefilter("ignore")
    return [run_one(s, rank) for s in scenarios]


# ------------------------------------------------------------------------------------------ the oracle
def _round_half_up(num: int, den: int) -> int:
    q = num // den
    return q + (1 if 2 * (num - q * den) >= den else 0)


def _weighted(values: list[Tensor], weights: list[int], dtype: torch.dtype) -> Tensor:
    """The update-count-weighted mean, written element by element with Python numbers (the engine's semantics)."""
    if sum(weights) == 0:
        weights = [1] * len(values)
    total = sum(weights)
    flat = [v.reshape(-1).tolist() for v in values]
    out = []
    for j in range(len(flat[0])):
        if dtype.is_floating_point:
            out.append(sum(w * float(f[j]) for w, f in zip(weights, flat)) / total)
        else:
            out.append(_round_half_up(sum(w * int(f[j]) for w, f in zip(weights, flat)), total))
    wide = torch.float64 if dtype.is_floating_point else torch.int64
    return torch.tensor(out, dtype=wide).reshape(values[0].shape).to(dtype)


def _local_states(scenario: Scenario, rank: int, specs: tuple[StateSpec, ...]) -> dict[str, Any]:
    foldable = all(s.reduction not in ("none", "none_list", "custom_nf") for s in specs)
    states: dict[str, Any] = {s.name: _default(s) for s in specs}
    for step, op in enumerate(scenario.ops[rank]):
        for i, s in enumerate(specs):
            c = contribution(s, i, scenario.seed, rank, step)
            v = states[s.name]
            if s.is_list:
                v.append(c)
            elif s.reduction == "max":
                states[s.name] = torch.maximum(v, c)
            elif s.reduction == "min":
                states[s.name] = torch.minimum(v, c)
            elif s.reduction == "mean":
                states[s.name] = _weighted([v, c], [step, 1], v.dtype) if op == "forward" and foldable else c
            else:
                states[s.name] = v + c
    return states


def _over_ranks(spec: StateSpec, values: list[Any], counts: list[int]) -> Any:
    dtype = _dtype(spec.dtype)
    if spec.is_list:
        rows = [torch.cat(v) if v else None for v in values]
        if spec.reduction == "cat":
            present = [r for r in rows if r is not None]
            return torch.cat(present) if present else []
        have = [r for r in rows if r is not None]
        trailing = tuple(have[0].shape[1:]) if have else ()
        like = have[0].dtype if have else torch.get_default_dtype()
        return [r if r is not None else torch.empty((0, *trailing), dtype=like) for r in rows]
    if spec.reduction in ("sum", "custom", "custom_nf"):
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total
    if spec.reduction == "max":
        return torch.maximum(values[0], values[1])
    if spec.reduction == "min":
        return torch.minimum(values[0], values[1])
    if spec.reduction == "mean":
        return _weighted(values, counts, dtype)
    return torch.stack(values)


def expected(scenario: Scenario) -> dict[str, Any]:
    """``{"value": ...}`` every rank must compute, or ``{"error": state name}`` for a faulty scenario."""
    if scenario.fault is not None:
        return {"error": scenario.fault_state}
    counts = [len(scenario.ops[r]) for r in range(2)]
    if scenario.kind == "builtin":
        values = [_builtin_value(scenario, r, s) for r in range(2) for s in range(counts[r])]
        allv = torch.cat(values) if values else torch.zeros(0)
        return {
            "value": {
                "sum": allv.sum(),
                "mean": allv.mean() if allv.numel() else torch.tensor(float("nan")),
                "max": allv.max() if allv.numel() else torch.tensor(-float("inf")),
                "min": allv.min() if allv.numel() else torch.tensor(float("inf")),
                "cat": allv,
            }
        }
    out: dict[str, Any] = {}
    for m, specs in enumerate(scenario.metrics[0]):
        local = [_local_states(scenario, r, specs) for r in range(2)]
        states = {s.name: _over_ranks(s, [local[r][s.name] for r in range(2)], counts) for s in specs}
        if scenario.kind == "metric":
            return {"value": states}
        out.update({f"m{m}_{k}": v for k, v in states.items()})
    return {"value": out}


def _close(a: Any, e: Any, path: str) -> str | None:
    if isinstance(e, dict):
        if not isinstance(a, dict) or set(a) != set(e):
            return f"{path}: keys {sorted(a) if isinstance(a, dict) else type(a).__name__} != {sorted(e)}"
        for k in e:
            bad = _close(a[k], e[k], f"{path}.{k}")
            if bad:
                return bad
        return None
    if isinstance(e, list):
        if not isinstance(a, list) or len(a) != len(e):
            return f"{path}: expected a list of {len(e)}, got {type(a).__name__} {a!r}"
        for i, (x, y) in enumerate(zip(a, e)):
            bad = _close(x, y, f"{path}[{i}]")
            if bad:
                return bad
        return None
    if not isinstance(a, Tensor):
        return f"{path}: expected a tensor, got {a!r}"
    if a.dtype != e.dtype or a.shape != e.shape:
        return f"{path}: got {a.dtype} {tuple(a.shape)}, expected {e.dtype} {tuple(e.shape)}"
    if e.dtype.is_floating_point:
        tol = 1e-2 if e.dtype in (torch.float16, torch.bfloat16) else 1e-5
        ok = torch.allclose(a.double(), e.double(), rtol=tol, atol=tol, equal_nan=True)
    else:
        ok = torch.equal(a, e)
    return None if ok else f"{path}: got {a.tolist()}, expected {e.tolist()}"


def _squeezed(x: Any) -> Any:
    """``compute``'s rule for what it returns: one-element tensors lose their dims (dicts and lists too)."""
    if isinstance(x, Tensor):
        return x.squeeze() if x.numel() == 1 and x.ndim else x
    if isinstance(x, dict):
        return {k: _squeezed(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_squeezed(v) for v in x]
    return x


def compare(scenario: Scenario, results: list[dict[str, Any]]) -> str | None:
    """``None`` when both ranks' results are what :func:`expected` says, else a description of the failure."""
    want = expected(scenario)
    if "value" in want:
        want = {"value": _squeezed(want["value"])}
    if "error" in want:
        for r, res in enumerate(results):
            if "error" not in res:
                return f"rank {r}: no error for fault {scenario.fault!r} on state {want['error']!r}"
            kind, message = res["error"]
            if kind != "ValueError" or f"`{want['error']}`" not in message or "SweepMetric" not in message:
                return (
                    f"rank {r}: expected a ValueError naming SweepMetric and `{want['error']}`, got {kind}: {message}"
                )
        if results[0]["error"] != results[1]["error"]:
            return f"the ranks raised different errors: {results[0]['error']} vs {results[1]['error']}"
        return None
    for r, res in enumerate(results):
        if "error" in res:
            return f"rank {r} raised {res['error'][0]}: {res['error'][1]}"
        bad = _close(res["value"], want["value"], f"rank {r}")
        if bad:
            return bad
    return None


def compare_merge(scenario: Scenario) -> str | None:
    """``merge_state`` of the two ranks' metrics, in this process, must give the synced states (``None``: it does).

    Only for single-metric scenarios without faults and without ``dist_reduce_fx=None`` states (which cannot merge).
    """
    specs = scenario.metrics[0][0]
    local = []
    for rank in range(2):
        metric = SweepMetric(specs, scenario.seed, rank)
        for step, op in enumerate(scenario.ops[rank]):
            (metric.update if op == "update" else metric)(step)
        local.append(metric)
    local[0].merge_state(local[1])
    got = {k: (torch.cat(v) if v else []) if isinstance(v, list) else v for k, v in local[0].metric_state.items()}
    return _close(got, expected(scenario)["value"], "merged")
