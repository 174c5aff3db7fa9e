"""`MetricSpec`: what the harness needs to know to test one metric configuration against a reference."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from calipers import Metric

__all__ = ["BadInput", "MetricSpec", "cat_batches", "to_numpy"]


@dataclass(frozen=True)
class BadInput:
    """A batch that ``update`` must reject with ``error`` (message matching ``match``) before touching any state.

    The spec's functional twin must reject it too, with the same error type and a message matching
    ``functional_match`` (default: ``match`` with the class name, where it appears, standing for any owner name).
    ``functional=False`` marks a batch that is bad only for the class; the harness also skips, for the functional,
    the batches of a spec built with a constructor argument the functional does not take (``num_outputs``...), and
    those whose ``match`` names such an argument or the states of earlier batches ("earlier batch", "metric's").
    """

    args: tuple[Any, ...]
    error: type[Exception]
    match: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    functional: bool = True
    functional_match: str | None = None


@dataclass(frozen=True)
class MetricSpec:
    """One metric configuration, its inputs and an independent reference implementation.

    Args:
        metric_class: the class under test (must be importable by its module path: DDP workers re-import it).
        reference: ``reference(*arrays) -> value``, called with the concatenation of the batches' positional
            inputs as float64/int64 NumPy arrays; written on scikit-learn, SciPy or NumPy, never on calipers.
        batches: the batches, each a tuple of positional ``update`` arguments.
        metric_args: keyword arguments of the constructor (deep-copied for every object built).
        functional: the functional twin, called as ``functional(*batch, **functional_args)``.
        functional_args: its keyword arguments (default: ``metric_args``).
        atol, rtol: tolerances of the comparison with the reference.
        order_invariant: the value does not depend on the order of the samples.
        batch_invariant: the value does not depend on how the samples are split into batches.
        forward_is_batch_value: ``forward`` returns ``reference`` of the batch alone.
        bad_inputs: batches that ``update`` and ``forward`` must reject without changing any state.
        dtypes: floating dtypes to run in (inputs cast, ``set_dtype`` applied); float16 gets loose tolerances.
        ddp: run the 2-process checks.
        id: a readable name for test ids.
        nan_policy: what a NaN in the first floating input does (``"raise"``, ``"propagate"``, ``"finite"``,
            ``"unchecked"``); default: the family's policy from :data:`calipers_testing.registry.NAN_POLICIES`.
        max_collectives: the collective budget of one synced ``compute`` (default
            :data:`calipers_testing.checks.MAX_COLLECTIVES`); a spec that needs more says why.
    """

    metric_class: type[Metric]
    reference: Callable[..., Any]
    batches: Sequence[tuple[Any, ...]]
    metric_args: Mapping[str, Any] = field(default_factory=dict)
    functional: Callable[..., Any] | None = None
    functional_args: Mapping[str, Any] | None = None
    atol: float = 1e-6
    rtol: float = 1e-5
    order_invariant: bool = True
    batch_invariant: bool = True
    forward_is_batch_value: bool = True
    bad_inputs: Sequence[BadInput] = ()
    dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64)
    ddp: bool = True
    id: str = ""
    nan_policy: str | None = None
    max_collectives: int | None = None

    def make(self, **overrides: Any) -> Metric:
        """A fresh metric object (constructor arguments deep-copied, so objects never share state)."""
        args = copy.deepcopy(dict(self.metric_args))
        args.update(overrides)
        return self.metric_class(**args)

    @property
    def name(self) -> str:
        """The id, or the class name."""
        return self.id or self.metric_class.__name__

    def expected(self, batches: Sequence[tuple[Any, ...]]) -> Any:
        """The reference value on the concatenation of ``batches``."""
        return self.reference(*[to_numpy(x) if x is not None else None for x in cat_batches(batches)])


def _as_rows(x: Any) -> Tensor:
    t = x if isinstance(x, Tensor) else torch.as_tensor(x)
    return t.reshape(1, *t.shape[1:]) if t.ndim == 0 else t


def _is_text_item(v: Any) -> bool:
    return isinstance(v, (str, Mapping)) or (isinstance(v, (list, tuple)) and all(isinstance(w, str) for w in v))


def _is_text(x: Any) -> bool:
    """A string, or a list/tuple of strings, of lists of strings or of dicts (text metrics' inputs, e.g. SQuAD)."""
    return isinstance(x, str) or (isinstance(x, (list, tuple)) and all(_is_text_item(v) for v in x))


def cat_batches(batches: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Concatenate the positional inputs of several batches along dim 0 (scalars count as one row, dicts by key)."""
    if not batches:
        raise ValueError("cat_batches: `batches` must not be empty.")
    out: list[Any] = []
    for pos in range(len(batches[0])):
        column = [b[pos] for b in batches]
        if all(c is None for c in column):
            out.append(None)
        elif all(_is_text(c) for c in column):  # text metrics: a string or a list of strings (or of lists) per batch
            out.append([item for c in column for item in ([c] if isinstance(c, str) else c)])
        elif all(isinstance(c, Mapping) for c in column):  # e.g. MultitaskWrapper: {task: tensor}, key by key
            out.append({k: cat_batches([(c[k],) for c in column])[0] for k in column[0]})
        elif all(not isinstance(c, Tensor) and np.ndim(c) == 0 for c in column):
            out.append(torch.as_tensor(column))
        else:
            out.append(torch.cat([_as_rows(c).detach() for c in column]))
    return tuple(out)


def to_numpy(x: Any) -> Any:
    """Tensors (and nested dicts/lists of them) to NumPy, floats as float64."""
    if isinstance(x, Tensor):
        x = x.detach().cpu()
        if x.is_floating_point():
            x = x.double()
        return x.numpy()
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    return x
