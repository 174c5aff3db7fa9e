r"""Perplexity of a language model: the exponential of the mean negative log-likelihood of the target tokens.

.. math:: \text{PPL} = \exp\Big(-\frac{1}{N} \sum_{t} \log \operatorname{softmax}(z_t)_{y_t}\Big)

The log-likelihoods come from ``cross_entropy`` (a log-softmax, finite even when a target's logit is far below the
others, where ``log(softmax)`` underflows to ``-inf``), computed in float32 at least (half-precision logits are
upcast) and summed in float64 with the int64 number of counted tokens; both add up across batches and processes.
Logits are processed in chunks of rows so that the extra memory stays within the size of the logits. NaN logits
give a NaN perplexity; no counted token gives NaN.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from calipers._checks import check_int, check_labels, check_same_device, check_same_shape, check_tensor

__all__ = ["perplexity"]

# cross_entropy ignores this target value when no `ignore_index` is given; validated targets never hold it.
_NO_IGNORE = -100


def _perplexity_arg_validation(name: str, ignore_index: Any) -> None:
    """``ignore_index``: ``None`` or an int."""
    check_int(name, "ignore_index", ignore_index, optional=True)


def _perplexity_tensor_validation(
    name: str, preds: Any, target: Any, ignore_index: int | None, validate_args: bool = True
) -> None:
    """Logits ``(B, S, V)`` (floating), integer targets ``(B, S)`` on the same device; values in ``[0, V)``.

    The target values (one host synchronisation) are checked only when ``validate_args`` is True.
    """
    check_tensor(name, "preds", preds, "floating", ndim=3)
    check_tensor(name, "target", target, "integer", ndim=2)
    check_same_shape(name, preds[..., 0], target, ("preds[..., 0]", "target"))
    check_same_device(name, preds, target)
    if validate_args:
        check_labels(name, "target", target, preds.shape[-1], ignore_index)


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype of the log-softmax: float32 for half-precision logits, the logits' own otherwise."""
    return dtype if dtype in (torch.float32, torch.float64) else torch.float32


def _perplexity_update(preds: Tensor, target: Tensor, ignore_index: int | None = None) -> tuple[Tensor, Tensor]:
    """Summed negative log-likelihood (float64) and number of counted tokens (int64) of validated inputs."""
    vocab = preds.shape[-1]
    logits, labels = preds.reshape(-1, vocab), target.reshape(-1).long()
    dtype = _compute_dtype(preds.dtype)
    # Extra memory of a chunk: its log-softmax, plus its upcast copy for half-precision logits.
    row_bytes = vocab * dtype.itemsize * (1 if dtype == preds.dtype else 2)
    rows = max(1, (logits.shape[0] * vocab * preds.element_size()) // max(row_bytes, 1))
    skip = _NO_IGNORE if ignore_index is None else ignore_index
    total = torch.zeros((), dtype=torch.float64, device=preds.device)
    for start in range(0, logits.shape[0], rows):
        chunk = logits[start : start + rows].to(dtype)
        nll = F.cross_entropy(chunk, labels[start : start + rows], ignore_index=skip, reduction="none")
        total = total + nll.sum(dtype=torch.float64)
    if ignore_index is None:
        count = torch.tensor(labels.numel(), dtype=torch.int64, device=preds.device)
    else:
        count = (labels != ignore_index).sum()
    return total, count


def _perplexity_compute(total: Tensor, count: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """``exp(total / count)`` in ``dtype``; NaN without a counted token."""
    return torch.exp(total.double() / count.double()).to(dtype or torch.get_default_dtype())


def perplexity(preds: Tensor, target: Tensor, ignore_index: int | None = None, *, validate_args: bool = True) -> Tensor:
    """Perplexity of the target tokens under the model's logits (lower is better).

    Args:
        preds: logits (unnormalised scores), shape ``(batch_size, seq_len, vocab_size)``, floating point.
        target: token indices, shape ``(batch_size, seq_len)``, an integer tensor with values in ``[0, vocab_size)``.
        ignore_index: a target value that is not counted (e.g. padding), or ``None``.
        validate_args: check that every target value is a token of the vocabulary (one host synchronisation).

    Returns:
        A scalar in the logits' dtype (float32 for half-precision logits); NaN without a counted token.

    Raises:
        TypeError: if ``preds`` is not a floating tensor, ``target`` not an integer tensor, or ``ignore_index`` not
            an int.
        ValueError: if the shapes are wrong or do not match, the tensors are on different devices, or (with
            ``validate_args``) a target is outside the vocabulary and not ``ignore_index``.

    Example:
        >>> import torch
        >>> from calipers.functional.text import perplexity
        >>> logits = torch.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> perplexity(logits, torch.tensor([[0, 1]]))
        tensor(1.4851)
    """
    name = "perplexity"
    _perplexity_arg_validation(name, ignore_index)
    _perplexity_tensor_validation(name, preds, target, ignore_index, validate_args)
    total, count = _perplexity_update(preds, target, ignore_index)
    return _perplexity_compute(total, count, _compute_dtype(preds.dtype))
