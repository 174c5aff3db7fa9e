"""Shared state holders of the stat-scores family, and the task facades (``Accuracy(task=...)`` and friends).

**States.** Every ``Binary*``/``Multiclass*``/``Multilabel*`` metric of the family derived from stat scores holds the
same four states, named as in TorchMetrics so checkpoints load across both: ``tp``, ``fp``, ``tn``, ``fn``, int64
counts of shape ``(1,)`` (binary), ``(C,)`` (multiclass, every ``average``) or ``(L,)`` (multilabel), summed across
batches and processes; with ``multidim_average="samplewise"`` they are lists of per-sample counts (``"cat"``). A
metric declares a *state signature* (:meth:`calipers.Metric._state_signature`): the update function and the
constructor arguments that change the states, so a :class:`~calipers.MetricCollection` of accuracy, precision,
recall, F1... over the same inputs updates once. ``average`` and ``zero_division`` only change ``compute``.

**Task facades.** ``Accuracy(task="binary", ...)`` must be an ``Accuracy`` (``isinstance`` holds) and behave exactly
as a ``BinaryAccuracy``. :class:`TaskFacade` does it by subclassing: for each facade and task there is a class that
inherits from both the facade and the task metric (e.g. ``_AccuracyBinary(Accuracy, BinaryAccuracy)``), whose
``_public_name`` is ``BinaryAccuracy``: ``repr``, collection keys and messages show that name, as TorchMetrics'
``Accuracy(task="binary")`` does. ``Accuracy.__new__`` picks the class from ``task``, and its ``__init__`` passes the
facade's arguments that the task metric takes. The object is therefore an ``Accuracy`` *and* a ``BinaryAccuracy``,
with the same states (checkpoints compatible with TorchMetrics' ``Accuracy``), signature, pickling and compute
groups.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

import torch
from torch import Tensor

from calipers._checks import check_device
from calipers.functional.classification._inputs import check_task
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat

__all__ = ["StatScoresState", "TaskFacade", "register_tasks"]

_STATS = ("tp", "fp", "tn", "fn")


class StatScoresState(Metric):
    """Holder of the ``tp``/``fp``/``tn``/``fn`` states (see the module docstring); subclasses count and compute."""

    is_differentiable = False
    full_state_update = False
    tp: Tensor | list[Tensor]
    fp: Tensor | list[Tensor]
    tn: Tensor | list[Tensor]
    fn: Tensor | list[Tensor]
    _samplewise: bool
    _size: tuple[int, ...]
    #: The counting path (debug): ``"general"``, or ``"table"`` for the multiclass metrics that may count small batches
    #: by table lookup (:func:`calipers.functional.classification._stat_scores.multiclass_path`), set at construction.
    _path: str = "general"

    def _check_devices(self, preds: Any, target: Any) -> None:
        """Raise ``ValueError`` naming both devices if an input tensor is not on the states' device.

        It runs before any check reads a value, so no host synchronisation happens first.
        """
        device = self.__dict__["_device"]
        cpu = device.type == "cpu"
        if cpu and getattr(preds, "is_cpu", True) and getattr(target, "is_cpu", True):  # the common case
            return
        for arg, value in (("preds", preds), ("target", target)):
            if isinstance(value, Tensor) and (value.is_cpu != cpu or (not cpu and value.device != device)):
                check_device(self._get_name(), arg, value, device)

    def _declare_stat_states(self, size: int, samplewise: bool) -> None:
        self._samplewise = samplewise
        self._size = (size,)
        self._stat_buffer_cache: tuple[Tensor, ...] | None = None
        for name in _STATS:
            if samplewise:
                self.add_state(name, [], dist_reduce_fx="cat")
            else:
                self.add_state(name, torch.zeros(size, dtype=torch.long), dist_reduce_fx="sum")

    def _cached_buffer(self) -> Tensor | None:
        """The ``(4, size)`` buffer whose rows are the four global states, or ``None`` if they are not its rows."""
        d = self.__dict__
        cache = d["_stat_buffer_cache"]
        if (
            cache is not None
            and cache[1] is d["tp"]
            and cache[2] is d["fp"]
            and cache[3] is d["tn"]
            and cache[4] is d["fn"]
            and cache[1].data_ptr() == cache[0].data_ptr()  # pickling copies the rows apart from the buffer
        ):
            buffer: Tensor = cache[0]
            return buffer
        return None

    def _stat_buffer(self) -> Tensor:
        """The ``(4, size)`` buffer of the four global states, made so if they are not (``update`` only).

        The four states are kept as the rows of one buffer, so a batch costs one in-place add. Whenever they are not
        the rows of the cached buffer (after ``reset``, ``load_state_dict``, a device move, a merge...), they are
        stacked into a new one and rebound to its rows; the state tensors stay ordinary tensors for everything else.
        Only ``update`` rebinds: ``compute`` reads the states as they are (:meth:`_final_counts`), so a compute-group
        follower, which holds its leader's state tensors, keeps sharing them.
        """
        buffer = self._cached_buffer()
        if buffer is not None:
            return buffer
        d = self.__dict__
        buf = torch.stack([d["tp"], d["fp"], d["tn"], d["fn"]])
        rows = buf.unbind(0)
        d["tp"], d["fp"], d["tn"], d["fn"] = rows
        d["_stat_buffer_cache"] = (buf, *rows)
        return buf

    def _fold(self, stats: Tensor) -> None:
        """Add a batch's stacked ``[tp, fp, tn, fn]`` to the states (or append them, samplewise)."""
        if self._samplewise:
            d = self.__dict__
            for name, value in zip(_STATS, stats):
                d[name].append(value)
            return
        d = self.__dict__
        cache = d["_stat_buffer_cache"]  # the common case of _stat_buffer, inlined: the rows of the cached buffer
        if cache is not None and cache[1] is d["tp"] and cache[2] is d["fp"] and cache[3] is d["tn"]:
            buf = cache[0] if cache[4] is d["fn"] and cache[1].data_ptr() == cache[0].data_ptr() else None
        else:
            buf = None
        if buf is None:
            buf = self._stat_buffer()
        buf.add_(stats if stats.shape == buf.shape else stats.reshape(buf.shape))

    # The additive-metric protocol of calipers._forward (the task bases define ``_contribution``, the batch's
    # stacked counts): forward costs one update and one compute of the batch.
    def _contribution_states(self, stats: Tensor) -> dict[str, Any]:
        if self._samplewise:
            return {name: [row] for name, row in zip(_STATS, stats)}
        stats = stats.reshape(4, *self._size)
        rows = stats.unbind(0)
        return {**dict(zip(_STATS, rows)), "_stat_buffer_cache": (stats, *rows)}

    def _add_contribution(self, stats: Tensor) -> None:
        self._fold(stats)

    def _contribution_value(self, stats: Tensor) -> Any:
        """The value of one batch's counts alone: :meth:`_compute_counts` of them, no state swapped in."""
        if not self._samplewise:
            shape = (4,) if self._size == (1,) else (4, *self._size)
            if stats.shape != shape:
                stats = stats.reshape(shape)
        return self._compute_counts(stats)

    def compute(self) -> Any:
        """The metric's value over every batch seen: :meth:`_compute_counts` of the accumulated counts."""
        return self._compute_counts(self._final_counts())

    def _compute_counts(self, counts: Tensor) -> Any:
        """The value of stacked counts ``[tp, fp, tn, fn]`` shaped as :meth:`_final_counts` returns them.

        Subclasses define it (``compute`` and the ``forward`` value both go through it), or override ``compute``.
        """
        raise NotImplementedError(f"{self._get_name()} defines neither `_compute_counts` nor `compute`.")

    def _final_counts(self) -> Tensor:
        """The stacked counts ``[tp, fp, tn, fn]``: ``(4,)`` binary, ``(4, C)``, or ``(4, N, ...)`` samplewise.

        Global counts are the state buffer itself when the states are its rows (no copy: callers must not write to
        it), else a stack of the states; the states are never rebound here.
        """
        if not self._samplewise:
            buf = self._cached_buffer()
            if buf is None:
                d = self.__dict__
                buf = torch.stack([d["tp"], d["fp"], d["tn"], d["fn"]])
            return buf.reshape(4) if self._size == (1,) else buf
        return torch.stack(self._final_state())

    def _final_state(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """The four states (0-d for binary), per-sample lists concatenated (``(0, ...)`` before any update)."""
        d = self.__dict__
        if not self._samplewise:
            tp, fp, tn, fn = d["tp"], d["fp"], d["tn"], d["fn"]
            if self._size == (1,):  # binary: 0-d counts
                return tp.reshape(()), fp.reshape(()), tn.reshape(()), fn.reshape(())
            return tp, fp, tn, fn
        out = []
        for name in _STATS:
            value = d[name]
            if isinstance(value, list) and not value:
                shape = (0,) if self._size == (1,) else (0, *self._size)
                out.append(torch.zeros(shape, dtype=torch.long, device=self.device))
            else:
                out.append(dim_zero_cat(value))
        return out[0], out[1], out[2], out[3]


class TaskFacade(Metric):
    """Base of the task facades: ``cls(task=..., ...)`` builds the task metric's facade subclass (module docstring).

    Subclasses define ``__init__`` with the public signature (it documents the arguments; the task class's
    ``__init__`` does the work) and call :func:`register_tasks`.
    """

    _task_classes: ClassVar[dict[str, type[Metric]]]
    _tasks: ClassVar[tuple[str, ...]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if "_task_classes" in cls.__dict__:  # the public facade itself: pick the task's class
            task = kwargs["task"] if "task" in kwargs else (args[0] if args else None)
            check_task(cls.__name__, task, cls._tasks)
            return super().__new__(cls._task_classes[str(task)])
        return super().__new__(cls)


def register_tasks(facade: Any, classes: dict[str, type[Metric]], namespace: dict[str, Any]) -> None:
    """Create the ``(task metric, facade)`` subclasses of ``facade`` and store them in the module ``namespace``."""
    facade_params = inspect.signature(facade.__init__)
    made: dict[str, type[Metric]] = {}
    for task, task_cls in classes.items():
        accepted = set(inspect.signature(task_cls.__init__).parameters)

        def __init__(self: Metric, *args: Any, _cls: type = task_cls, _acc: set[str] = accepted, **kwargs: Any) -> None:
            bound = facade_params.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            extra = arguments.pop("kwargs", {})
            call = {k: v for k, v in arguments.items() if k in _acc and k != "self"}
            _cls.__init__(self, **call, **extra)  # type: ignore[misc]

        qualname = f"_{facade.__name__}{task.capitalize()}"
        # Its own name, so the MRO holds one class per name; users see the task class's (repr, collection keys).
        body = {"__init__": __init__, "__module__": facade.__module__, "_public_name": task_cls._public_name}
        made[task] = type(qualname, (facade, task_cls), body)
        namespace[qualname] = made[task]
    facade._task_classes = made
    facade._tasks = tuple(classes)


def state_signature(update: Callable[..., Any], *args: Hashable) -> Hashable:
    """The state signature of a metric: its update function and the state-changing arguments."""
    return (update, *args)
