"""The one module of argument and tensor checks shared by every calipers domain (public to domains, private to users).

Every check raises before any state changes and uses one message shape::

    f"{name}: `{arg}` must be {expectation}, got {value!r}."

``name`` is the public function or class the user called, ``arg`` the argument's name. ``TypeError`` is raised for
a value of the wrong type, ``ValueError`` for a value of the right type that is out of range; allowed choices are
listed sorted (``None`` last).

Two forms are offered:

* plain functions (``check_flag``, ``check_choice``, ``check_int``, ``check_float``, ``check_probability``,
  ``check_tensor``, ``check_same_shape``, ``check_labels``, ``check_finite``, ``check_device``, ...);
* declarative constraints (``Flag()``, ``Choice(...)``, ``Int(low=1)``, ``Float(low=0, high=1)``, ``Optional(...)``,
  ``Callable_()``), checked together by :func:`check_args`, in the spirit of scikit-learn's ``validate_params``:

>>> from calipers._checks import Choice, Int, Optional, check_args
>>> check_args("RetrievalMAP", top_k=(None, Optional(Int(low=1))), aggregation=("mean", Choice(["mean", "max"])))
>>> check_args("RetrievalMAP", top_k=(0, Optional(Int(low=1))))
Traceback (most recent call last):
...
ValueError: RetrievalMAP: `top_k` must be None or an int >= 1, got 0.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass
from typing import Any, Literal, overload

import torch
from torch import Tensor

__all__ = [
    "Callable_",
    "Choice",
    "Constraint",
    "Flag",
    "Float",
    "Int",
    "Optional",
    "check_args",
    "check_choice",
    "check_device",
    "check_devices",
    "check_file",
    "check_finite",
    "check_flag",
    "check_float",
    "check_int",
    "check_labels",
    "check_nonnegative",
    "check_probability",
    "check_same_device",
    "check_same_length",
    "check_same_shape",
    "check_strings",
    "check_tensor",
    "check_tensor_pair",
    "describe_choices",
    "is_int",
    "value_range_ok",
]

TensorKind = Literal["any", "real", "number", "floating", "integer", "label", "bool"]

_KIND_TEXT: dict[str, str] = {
    "any": "a tensor",
    "real": "a real tensor",
    "number": "a real floating or integer tensor",
    "floating": "a floating-point tensor",
    "integer": "an integer tensor",
    "label": "a tensor of integer labels (an integer or bool tensor, or a float tensor holding whole numbers)",
    "bool": "a bool tensor",
}


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def describe_choices(allowed: Iterable[Any]) -> str:
    """``allowed`` as ``['a', 'b', None]``: sorted by text, ``None`` last."""
    items = list(allowed)
    shown = [repr(a) for a in sorted((a for a in items if a is not None), key=str)]
    if any(a is None for a in items):
        shown.append("None")
    return "[" + ", ".join(shown) + "]"


def _range_text(kind: str, low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{kind} {'<' if high_open else '<='} {high}"
    return kind


def _in_range(value: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    if math.isnan(value):
        return False
    if low is not None and (value <= low if low_open else value < low):
        return False
    return not (high is not None and (value >= high if high_open else value > high))


# ---------------------------------------------------------------------------------------------- scalar arguments
def check_flag(name: str, arg: str, value: Any) -> None:
    """Raise ``TypeError`` unless ``value`` is a bool."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: `{arg}` must be a bool, got {value!r}.")


def check_choice(name: str, arg: str, value: Any, allowed: Sequence[Any], *, expectation: str | None = None) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``.

    Strings and real numbers (not bools) are compared by value, anything else by identity. ``expectation`` replaces
    the default ``one of [...]`` text where a phrase reads better (``"0 or 1"``).
    """
    for a in allowed:
        if value is a or (isinstance(a, str) and isinstance(value, str) and value == a):
            return
        if _is_real_number(a) and _is_real_number(value) and value == a:
            return
    expectation = expectation or f"one of {describe_choices(allowed)}"
    raise ValueError(f"{name}: `{arg}` must be {expectation}, got {value!r}.")


def check_int(
    name: str,
    arg: str,
    value: Any,
    low: int | None = None,
    high: int | None = None,
    *,
    optional: bool = False,
    expectation: str | None = None,
) -> None:
    """Raise unless ``value`` is an int (not a bool) in ``[low, high]`` (or ``None`` when ``optional``).

    ``TypeError`` for another type, ``ValueError`` for an int out of range. ``expectation`` replaces the default
    text (``"an int in [1, num_classes=5]"``, where a bound is another argument).
    """
    if optional and value is None:
        return
    if expectation is None:
        expectation = ("None or " if optional else "") + _range_text("an int", low, high, False, False)
    if not is_int(value):
        raise TypeError(f"{name}: `{arg}` must be {expectation}, got {value!r}.")
    if not _in_range(value, low, high, False, False):
        raise ValueError(f"{name}: `{arg}` must be {expectation}, got {value!r}.")


@overload
def check_float(
    name: str,
    arg: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    optional: Literal[False] = False,
) -> float: ...


@overload
def check_float(
    name: str,
    arg: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    optional: bool,
) -> float | None: ...


def check_float(
    name: str,
    arg: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    optional: bool = False,
) -> float | None:
    """Raise unless ``value`` is a real number (int or float, not bool, not NaN) in the given range; return it as float.

    ``TypeError`` for another type, ``ValueError`` for NaN or a number out of range.
    """
    if optional and value is None:
        return None
    expectation = ("None or " if optional else "") + _range_text("a float", low, high, low_open, high_open)
    if not _is_real_number(value):
        raise TypeError(f"{name}: `{arg}` must be {expectation}, got {value!r}.")
    if not _in_range(float(value), low, high, low_open, high_open):
        raise ValueError(f"{name}: `{arg}` must be {expectation}, got {value!r}.")
    return float(value)


def check_probability(name: str, arg: str, value: Any) -> float:
    """Raise unless ``value`` is a float in [0, 1]; return it as a float."""
    return check_float(name, arg, value, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------- declarative form
class Constraint:
    """A declarative argument constraint: ``check(name, arg, value)`` raises in the house message shape."""

    def check(self, name: str, arg: str, value: Any) -> None:  # pragma: no cover - interface
        """Raise ``TypeError``/``ValueError`` when ``value`` breaks the constraint."""
        raise NotImplementedError


@dataclass(frozen=True)
class Flag(Constraint):
    """A bool."""

    def check(self, name: str, arg: str, value: Any) -> None:
        """See :func:`check_flag`."""
        check_flag(name, arg, value)


@dataclass(frozen=True)
class Choice(Constraint):
    """One of ``allowed``."""

    allowed: Sequence[Any]

    def check(self, name: str, arg: str, value: Any) -> None:
        """See :func:`check_choice`."""
        check_choice(name, arg, value, self.allowed)


@dataclass(frozen=True)
class Int(Constraint):
    """An int in ``[low, high]``."""

    low: int | None = None
    high: int | None = None

    def check(self, name: str, arg: str, value: Any) -> None:
        """See :func:`check_int`."""
        check_int(name, arg, value, self.low, self.high)


@dataclass(frozen=True)
class Float(Constraint):
    """A real number in the range (bounds closed unless ``low_open``/``high_open``)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def check(self, name: str, arg: str, value: Any) -> None:
        """See :func:`check_float`."""
        check_float(name, arg, value, self.low, self.high, low_open=self.low_open, high_open=self.high_open)


@dataclass(frozen=True)
class Callable_(Constraint):
    """A callable."""

    def check(self, name: str, arg: str, value: Any) -> None:
        """Raise ``TypeError`` unless ``value`` is callable."""
        if not callable(value):
            raise TypeError(f"{name}: `{arg}` must be a callable, got {value!r}.")


@dataclass(frozen=True)
class Optional(Constraint):
    """``None`` or a value meeting ``inner`` (the message says ``None or ...``)."""

    inner: Constraint

    def check(self, name: str, arg: str, value: Any) -> None:
        """Accept ``None``; otherwise check ``inner`` and prefix its expectation with ``None or``."""
        if value is None:
            return
        inner = self.inner
        if isinstance(inner, Int):
            check_int(name, arg, value, inner.low, inner.high, optional=True)
        elif isinstance(inner, Float):
            check_float(
                name, arg, value, inner.low, inner.high, low_open=inner.low_open, high_open=inner.high_open,
                optional=True,
            )  # fmt: skip
        elif isinstance(inner, Choice):
            check_choice(name, arg, value, [*inner.allowed, None])
        else:
            try:
                inner.check(name, arg, value)
            except (TypeError, ValueError) as err:
                message = str(err).replace(f"`{arg}` must be ", f"`{arg}` must be None or ", 1)
                raise type(err)(message) from None


def check_args(name: str, **constrained: tuple[Any, Constraint | Callable[[str, str, Any], None]]) -> None:
    """Check several arguments at once: ``check_args(name, arg=(value, constraint), ...)``.

    A constraint is a :class:`Constraint` or a function ``(name, arg, value) -> None`` that raises.
    """
    for arg, (value, constraint) in constrained.items():
        if isinstance(constraint, Constraint):
            constraint.check(name, arg, value)
        else:
            constraint(name, arg, value)


# ---------------------------------------------------------------------------------------------- tensors
def _kind_ok(value: Tensor, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "real":
        return not value.is_complex()
    if kind == "number":
        return not (value.is_complex() or value.dtype == torch.bool)
    if kind == "floating":
        return value.is_floating_point()
    if kind == "integer":
        return not (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool)
    if kind == "label":
        return not value.is_complex()
    if kind == "bool":
        return value.dtype == torch.bool
    raise ValueError(f"check_tensor: `kind` must be one of {describe_choices(_KIND_TEXT)}, got {kind!r}.")


def check_tensor(
    name: str, arg: str, value: Any, kind: TensorKind = "real", *, ndim: int | Sequence[int] | None = None
) -> Tensor:
    """Return ``value`` if it is a tensor of the dtype ``kind`` (and ``ndim`` dimensions), else raise.

    ``kind``: ``"any"``, ``"real"`` (not complex), ``"number"`` (not complex, not bool), ``"floating"``,
    ``"integer"`` (not bool), ``"label"`` (integer, bool or float; whole values are checked by :func:`check_labels`) or
    ``"bool"``. ``TypeError`` for a non-tensor or a wrong dtype, ``ValueError`` for a wrong number of dimensions.
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: `{arg}` must be {_KIND_TEXT.get(kind, 'a tensor')}, got {type(value).__name__}.")
    if not _kind_ok(value, kind):
        raise TypeError(f"{name}: `{arg}` must be {_KIND_TEXT[kind]}, got a tensor of dtype {value.dtype}.")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            dims = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name}: `{arg}` must have {dims} dimension(s), got shape {tuple(value.shape)}.")
    return value


def check_same_shape(name: str, a: Tensor, b: Tensor, args: tuple[str, str] = ("preds", "target")) -> None:
    """Raise ``ValueError`` unless ``b`` has the shape of ``a``."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name}: `{args[1]}` must have the same shape as `{args[0]}` {tuple(a.shape)}, got {tuple(b.shape)}."
        )


def check_device(name: str, arg: str, value: Tensor, device: torch.device) -> None:
    """Raise ``ValueError`` unless ``value`` lives on ``device`` (the metric's states), naming both devices."""
    if value.device != device and not (device.type == value.device.type and device.index is None):
        raise ValueError(
            f"{name}: `{arg}` must be on the metric's device {device}, got a tensor on {value.device} "
            "(move the metric with `.to(device)` or the input to the metric's device)."
        )


def check_finite(name: str, arg: str, value: Tensor, *, allow_inf: bool = False) -> None:
    """Raise ``ValueError`` if a floating ``value`` holds NaN (or inf, unless ``allow_inf``): one host sync."""
    if not (value.is_floating_point() or value.is_complex()) or value.numel() == 0:
        return
    bad = torch.isnan(value) if allow_inf else ~torch.isfinite(value)
    count = int(bad.sum())
    if count:
        what = "NaN" if allow_inf else "NaN or inf"
        raise ValueError(
            f"{name}: `{arg}` must hold only {'non-NaN' if allow_inf else 'finite'} values, got {count} {what} "
            "value(s)."
        )


def check_labels(
    name: str, arg: str, value: Tensor, high: int, ignore_index: int | None = None, *, low: int = 0
) -> None:
    """Raise ``ValueError`` unless every value of ``value`` is a whole number in ``[low, high)`` or ``ignore_index``.

    Float tensors are accepted when their values are exact integers (labels stored as floats, common beside a BCE
    loss); one host synchronisation.
    """
    if value.numel() == 0:
        return
    if value.dtype == torch.bool:
        if high < 2 and bool(value.any()):
            raise ValueError(f"{name}: `{arg}` values must be in [{low}, {high - 1}], got True.")
        return
    if value_range_ok(value, low, high):  # the valid case: one reduction (NaN fails it), the search below only on error
        return
    bad = (value < low) | (value >= high)
    if ignore_index is not None:
        bad &= value != ignore_index
    if value.is_floating_point():
        bad |= value != torch.round(value)  # NaN != NaN: a NaN is bad too
    if bool(bad.any()):
        shown = value[bad][0].item()
        extra = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        kind = "whole numbers in" if value.is_floating_point() else "in"
        raise ValueError(f"{name}: `{arg}` values must be {kind} [{low}, {high - 1}]{extra}, got {shown!r}.")


def check_same_device(name: str, a: Tensor, b: Tensor, args: tuple[str, str] = ("preds", "target")) -> None:
    """Raise ``ValueError`` unless ``b`` lives on the device of ``a`` (functionals: no state device), naming both."""
    if a.device != b.device:
        raise ValueError(
            f"{name}: `{args[1]}` must be on the device of `{args[0]}` ({a.device}), got a tensor on {b.device}."
        )


def check_nonnegative(name: str, arg: str, value: Tensor, ignore_index: int | None = None) -> None:
    """Raise ``ValueError`` if a value of ``value`` (other than ``ignore_index``) is negative or NaN: one host sync."""
    if value.numel() == 0 or value.dtype == torch.bool:
        return
    bad = ~(value >= 0) if value.is_floating_point() else value < 0  # a NaN fails `>= 0`
    if ignore_index is not None:
        bad &= value != ignore_index
    if bool(bad.any()):
        extra = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise ValueError(f"{name}: `{arg}` values must be >= 0{extra}, got {value[bad][0].item()!r}.")


def value_range_ok(value: Tensor, low: float, high: float) -> bool:
    """Whether every value of a real ``value`` is in ``[low, high)`` and, for floats, a whole number (NaN is not).

    One ``aminmax`` reduction and one host synchronisation (two for floats: the fractional parts too); ``False``
    tells the caller to look for the offending value. An empty tensor is in range.
    """
    if value.numel() == 0:
        return True
    lo, hi = value.aminmax()
    if not (lo.item() >= low and hi.item() < high):  # NaN compares False
        return False
    return not (value.is_floating_point() and bool(value.frac().any()))


# ---------------------------------------------------------------------------------------------- text
def check_strings(name: str, arg: str, value: Any) -> list[str]:
    """Return ``value`` as a list of strings (a single string is one item), else raise ``TypeError``.

    A sequence (list, tuple, ...) of strings is accepted; the message names the first item that is not a string.
    """
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name}: `{arg}` must be a string or a sequence of strings, got {type(value).__name__}.")
    if not all(isinstance(item, str) for item in value):
        pos, item = next((i, v) for i, v in enumerate(value) if not isinstance(v, str))
        raise TypeError(
            f"{name}: `{arg}` must be a string or a sequence of strings, got {type(item).__name__} at position {pos}."
        )
    return list(value)


def check_same_length(name: str, a: Sized, b: Sized, args: tuple[str, str] = ("preds", "target")) -> None:
    """Raise ``ValueError`` unless ``b`` has as many items as ``a`` (no silent truncation), naming both lengths."""
    if len(a) != len(b):
        raise ValueError(f"{name}: `{args[1]}` must have as many items as `{args[0]}` ({len(a)}), got {len(b)}.")


_CPU = torch.device("cpu")


def check_devices(name: str, device: torch.device, **inputs: Any) -> None:
    """:func:`check_device` for each tensor of ``inputs`` (``arg=value``); non-tensors are left to the type checks.

    An update calls it first, before any check that reads a value (a host sync, which fails on another device).
    """
    cpu = device == _CPU  # (`device.type` costs about a microsecond, a comparison a few tens of nanoseconds)
    for arg, value in inputs.items():
        if isinstance(value, Tensor) and not (cpu and value.is_cpu):
            check_device(name, arg, value, device)


def check_tensor_pair(
    name: str,
    a: Any,
    b: Any,
    args: tuple[str, str] = ("preds", "target"),
    kind: TensorKind = "real",
    *,
    ndim: int | Sequence[int] | None = None,
) -> tuple[Tensor, Tensor]:
    """Return ``(a, b)`` if both are tensors of the dtype ``kind`` and of one shape (and ``ndim`` dimensions).

    :func:`check_tensor` on each (a non-tensor reads ``must be a tensor, got list``, a wrong dtype names ``kind``),
    then :func:`check_same_shape`: the common check of a metric's two inputs.
    """
    x = check_tensor(name, args[0], check_tensor(name, args[0], a, "any"), kind)
    y = check_tensor(name, args[1], check_tensor(name, args[1], b, "any"), kind)
    check_same_shape(name, x, y, args)
    if ndim is not None:
        check_tensor(name, args[0], x, kind, ndim=ndim)
    return x, y


# ---------------------------------------------------------------------------------------------- files
def check_file(name: str, arg: str, value: Any) -> str:
    """Return ``value`` as a path string if it names an existing regular file (``~`` expanded).

    ``TypeError`` unless it is a ``str`` or an ``os.PathLike``; ``ValueError`` if no such file exists.
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: `{arg}` must be a path (a str or an os.PathLike), got {type(value).__name__}.")
    path = os.path.expanduser(os.fspath(value))
    if not isinstance(path, str) or not os.path.isfile(path):
        raise ValueError(f"{name}: `{arg}` must be the path of an existing file, got {os.fspath(value)!r}.")
    return path
