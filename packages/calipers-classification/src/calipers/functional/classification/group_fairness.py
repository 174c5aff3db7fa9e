r"""Group fairness of binary predictions: per-group stat rates, demographic parity and equal opportunity.

Every sample belongs to a group (``groups``: one int in ``[0, num_groups)`` per sample; extra dimensions of
``preds``/``target`` belong to their sample's group). Per group, the binary stat scores ``tp, fp, tn, fn`` are counted
(thresholding, the logits rule and ``ignore_index`` as in
[the classification argument glossary][classification-arguments]); they are the sufficient statistics, summed across
batches and processes. From them:

* group stat rates: ``[tp, fp, tn, fn] / (tp + fp + tn + fn)`` per group (NaN for a group without samples);
* demographic parity: :math:`\min_g r_g / \max_g r_g` over the positive rates :math:`r_g = (tp + fp) / n_g`,
  under the key ``"DP_{argmin}_{argmax}"``;
* equal opportunity: the same ratio over the true positive rates :math:`tp / (tp + fn)`, key ``"EO_{argmin}_{argmax}"``.

Groups whose rate is undefined (no samples, or for equal opportunity no positive target) are left out of the min and
max; the ratio is 0 when the largest rate is 0, and NaN (key ``"DP_0_0"``/``"EO_0_0"``) when no rate is defined.
Group ids in the keys are the real group ids, also when some group is absent from the data.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_same_device, check_tensor
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification._inputs import (
    binary_probability_mask,
    check_binary_tensors,
    check_choice,
    check_ignore_index,
    check_num_classes,
    check_threshold,
    count_bins,
    safe_divide,
)

__all__ = ["binary_fairness", "binary_groups_stat_rates", "demographic_parity", "equal_opportunity"]

FairnessTask = Literal["demographic_parity", "equal_opportunity", "all"]
_TASKS = ("all", "demographic_parity", "equal_opportunity")


def _fairness_arg_validation(name: str, num_groups: Any, threshold: Any, ignore_index: Any, task: Any = "all") -> None:
    """Check ``num_groups`` (an int >= 2, or ``None``: from the data), ``threshold``, ``ignore_index``, ``task``."""
    if num_groups is not None:
        check_num_classes(name, num_groups, "num_groups")
    check_threshold(name, threshold)
    check_ignore_index(name, ignore_index)
    check_choice(name, "task", task, _TASKS)


def _fairness_tensor_validation(
    name: str,
    preds: Any,
    target: Any,
    groups: Any,
    num_groups: int | None,
    ignore_index: int | None,
    needs_target: bool = True,
) -> None:
    """Binary ``preds``/``target`` and one integer group in range per sample.

    ``target`` may be ``None`` only when the task does not use it (``needs_target=False``: demographic parity).
    Types and devices are checked first (no host sync), then the values.
    """
    check_tensor(name, "preds", preds, "real")
    if target is not None or needs_target:
        check_tensor(name, "target", target, "any")
        check_same_device(name, preds, target)
    check_tensor(name, "groups", groups, "integer")
    check_same_device(name, preds, groups, ("preds", "groups"))
    if target is None:
        target = torch.zeros(preds.shape, dtype=torch.long, device=preds.device)
    check_binary_tensors(name, preds, target, ignore_index=ignore_index)
    if preds.ndim == 0:
        raise ValueError(f"{name}: `preds` must have at least one dimension (N, ...), got a scalar.")
    if groups.numel() != preds.shape[0]:
        raise ValueError(
            f"{name}: `groups` must hold one group id per sample ({preds.shape[0]}), got shape {tuple(groups.shape)}."
        )
    if groups.numel():
        high = num_groups if num_groups is not None else None
        bad = groups < 0 if high is None else (groups < 0) | (groups >= high)
        if bool(bad.any()):
            expectation = "non-negative" if high is None else f"in [0, {high - 1}]"
            raise ValueError(f"{name}: `groups` values must be {expectation}, got {groups[bad][0].item()!r}.")


def _fairness_format(
    preds: Tensor, target: Tensor | None, groups: Tensor, threshold: float, ignore_index: int | None
) -> tuple[Tensor, Tensor, Tensor]:
    """``(stat codes, group ids, valid)`` per position, each ``(N, M)``; code = ``2 * pred + target``."""
    n, m = preds.shape[0], math.prod(preds.shape[1:])  # explicit sizes: an empty batch has no -1 to infer
    pred = binary_probability_mask(preds, threshold).reshape(n, m).long()
    if target is None:
        truth = torch.zeros_like(pred)
        valid = torch.ones_like(pred, dtype=torch.bool)
    else:
        t = target.reshape(n, m)
        valid = torch.ones_like(pred, dtype=torch.bool) if ignore_index is None else t != ignore_index
        truth = (t == 1).long()
    return 2 * pred + truth, groups.reshape(n, 1).long().expand_as(pred), valid


def _fairness_update(
    codes: Tensor, groups: Tensor, valid: Tensor, num_groups: int
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(tp, fp, tn, fn)``, each ``(num_groups,)`` int64; no host synchronisation."""
    size = 4 * num_groups
    index = torch.where(valid, groups * 4 + codes, size)
    counts = count_bins(index, size).reshape(num_groups, 4)  # columns: tn, fn, fp, tp
    return counts[:, 3], counts[:, 2], counts[:, 0], counts[:, 1]


def _group_stat_rates_compute(
    tp: Tensor, fp: Tensor, tn: Tensor, fn: Tensor, dtype: torch.dtype | None = None
) -> dict[str, Tensor]:
    """``{"group_g": [tp, fp, tn, fn] / n_g}`` for every group (NaN for a group without samples)."""
    stats = torch.stack((tp, fp, tn, fn), dim=1)
    dtype = dtype or torch.get_default_dtype()
    rates = stats.to(dtype) / stats.sum(1, keepdim=True).to(dtype)
    return {f"group_{g}": rates[g] for g in range(stats.shape[0])}


def _ratio(prefix: str, num: Tensor, denom: Tensor, dtype: torch.dtype | None) -> dict[str, Tensor]:
    rates = safe_divide(num, denom, dtype=dtype)
    defined = denom > 0
    low = int(torch.where(defined, rates, torch.inf).argmin())
    high = int(torch.where(defined, rates, -torch.inf).argmax())
    if not bool(defined.any()):
        return {f"{prefix}_0_0": torch.tensor(float("nan"), dtype=rates.dtype, device=rates.device)}
    return {f"{prefix}_{low}_{high}": safe_divide(rates[low], rates[high], dtype=dtype)}


def _fairness_compute(
    tp: Tensor, fp: Tensor, tn: Tensor, fn: Tensor, task: str, dtype: torch.dtype | None = None
) -> dict[str, Tensor]:
    """Demographic parity and/or equal opportunity from the per-group stat scores."""
    out: dict[str, Tensor] = {}
    if task in ("demographic_parity", "all"):
        out.update(_ratio("DP", tp + fp, tp + fp + tn + fn, dtype))
    if task in ("equal_opportunity", "all"):
        out.update(_ratio("EO", tp, tp + fn, dtype))
    return out


def _data_num_groups(groups: Tensor) -> int:
    return int(groups.max()) + 1 if groups.numel() else 1


def _group_stats(
    name: str,
    preds: Tensor,
    target: Tensor | None,
    groups: Tensor,
    num_groups: int | None,
    threshold: float,
    ignore_index: int | None,
    validate_args: bool,
    needs_target: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    _fairness_arg_validation(name, num_groups, threshold, ignore_index)  # whatever validate_args says
    if validate_args:
        _fairness_tensor_validation(name, preds, target, groups, num_groups, ignore_index, needs_target)
    size = num_groups if num_groups is not None else _data_num_groups(groups)
    return _fairness_update(*_fairness_format(preds, target, groups, threshold, ignore_index), size)


def binary_groups_stat_rates(
    preds: Tensor,
    target: Tensor,
    groups: Tensor,
    num_groups: int,
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> dict[str, Tensor]:
    """The rates of true/false positives/negatives within each group.

    Args:
        preds: ``(N, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels.
        groups: ``(N,)`` group ids in ``[0, num_groups)``.
        num_groups: the number of groups (an int >= 2).
        threshold: see [the argument glossary][classification-threshold].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        ``{"group_0": tensor([tp, fp, tn, fn]) / n_0, ...}`` for every group (NaN for a group without samples).

    Raises:
        ValueError: for bad argument values, shapes, target values or group ids.
        TypeError: for arguments of the wrong type.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_groups_stat_rates
        >>> preds, target = torch.tensor([0.9, 0.2, 0.7, 0.4]), torch.tensor([1, 0, 0, 1])
        >>> binary_groups_stat_rates(preds, target, torch.tensor([0, 0, 1, 1]), num_groups=2)
        {'group_0': tensor([0.5000, 0.0000, 0.5000, 0.0000]), 'group_1': tensor([0.0000, 0.5000, 0.0000, 0.5000])}
    """
    name = "binary_groups_stat_rates"
    stats = _group_stats(name, preds, target, groups, num_groups, threshold, ignore_index, validate_args)
    return _group_stat_rates_compute(*stats)


def demographic_parity(
    preds: Tensor,
    groups: Tensor,
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> dict[str, Tensor]:
    """Demographic parity: the smallest over the largest positive prediction rate of the groups.

    Groups are read from the data (ids ``0 .. groups.max()``). Without a target, ``ignore_index`` has no effect.

    Example:
        >>> import torch
        >>> from calipers.functional.classification import demographic_parity
        >>> demographic_parity(torch.tensor([0.9, 0.2, 0.7, 0.8]), torch.tensor([0, 0, 1, 1]))
        {'DP_0_1': tensor(0.5000)}
    """
    stats = _group_stats(
        "demographic_parity", preds, None, groups, None, threshold, ignore_index, validate_args, needs_target=False
    )
    return _fairness_compute(*stats, "demographic_parity")


def equal_opportunity(
    preds: Tensor,
    target: Tensor,
    groups: Tensor,
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> dict[str, Tensor]:
    """Equal opportunity: the smallest over the largest true positive rate of the groups.

    Groups are read from the data (ids ``0 .. groups.max()``).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import equal_opportunity
        >>> preds, target = torch.tensor([0.9, 0.2, 0.7, 0.8]), torch.tensor([1, 1, 1, 1])
        >>> equal_opportunity(preds, target, torch.tensor([0, 0, 1, 1]))
        {'EO_0_1': tensor(0.5000)}
    """
    stats = _group_stats("equal_opportunity", preds, target, groups, None, threshold, ignore_index, validate_args)
    return _fairness_compute(*stats, "equal_opportunity")


def binary_fairness(
    preds: Tensor,
    target: Tensor | None,
    groups: Tensor,
    task: FairnessTask = "all",
    threshold: float = 0.5,
    ignore_index: int | None = None,
    validate_args: bool = True,
) -> dict[str, Tensor]:
    """Demographic parity and/or equal opportunity (``task``) of binary predictions across groups.

    Args:
        preds: ``(N, ...)`` probabilities, logits or 0/1 labels.
        target: ``(N, ...)`` 0/1 labels; not used (pass ``None``) with ``task="demographic_parity"``.
        groups: ``(N,)`` group ids (``0 .. groups.max()``).
        task: ``"demographic_parity"``, ``"equal_opportunity"`` or ``"all"`` (both).
        threshold: see [the argument glossary][classification-threshold].
        ignore_index: see [the argument glossary][classification-ignore_index].
        validate_args: see [the argument glossary][classification-validate_args].

    Returns:
        ``{"DP_{min}_{max}": ratio}``, ``{"EO_{min}_{max}": ratio}`` or both (see the module docstring).

    Raises:
        ValueError: for bad argument values, shapes, target values or group ids.
        TypeError: for arguments of the wrong type.

    Warns:
        CalipersUserWarning: with ``task="demographic_parity"`` and a ``target`` (it is not used).

    Example:
        >>> import torch
        >>> from calipers.functional.classification import binary_fairness
        >>> preds, target = torch.tensor([0.9, 0.2, 0.7, 0.8]), torch.tensor([1, 1, 0, 1])
        >>> binary_fairness(preds, target, torch.tensor([0, 0, 1, 1]))
        {'DP_0_1': tensor(0.5000), 'EO_0_1': tensor(0.5000)}
    """
    name = "binary_fairness"
    check_choice(name, "task", task, _TASKS)
    if task == "demographic_parity":
        if target is not None:
            warnings.warn(f"{name}: the task demographic_parity does not use `target`.", CalipersUserWarning, 2)
        target = None
    needs_target = task != "demographic_parity"
    stats = _group_stats(name, preds, target, groups, None, threshold, ignore_index, validate_args, needs_target)
    return _fairness_compute(*stats, task)
