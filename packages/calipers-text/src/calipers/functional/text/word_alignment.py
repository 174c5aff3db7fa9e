r"""Match error rate, word information lost and preserved: counts of one word alignment per pair.

Each prediction is aligned to its reference by a minimal Levenshtein alignment of their words (``rapidfuzz``, the
alignment jiwer uses), which gives hits ``H``, substitutions ``S``, deletions ``D`` and insertions ``I``. With
``N_ref = H + S + D`` and ``N_hyp = H + S + I`` summed over every pair:

.. math::
    \text{MER} = \frac{S + D + I}{H + S + D + I}, \qquad
    \text{WIP} = \frac{H}{N_\text{ref}} \cdot \frac{H}{N_\text{hyp}}, \qquad \text{WIL} = 1 - \text{WIP}

The four counts are int64 states summed across batches and processes. Empty inputs follow jiwer: with no reference
word at all, MER is 0 and WIP 1 when nothing was predicted either, else MER 1 and WIP 0; with references but no
predicted word, WIP is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from calipers.functional.text._inputs import _levenshtein, _text_pairs_validation

__all__ = ["match_error_rate", "word_information_lost", "word_information_preserved"]


def _word_alignment_update(preds: list[str], target: list[str]) -> tuple[int, int, int, int]:
    """Hits, substitutions, deletions and insertions of the word alignments of the pairs (validated inputs)."""
    editops = _levenshtein().editops
    hits = substitutions = deletions = insertions = 0
    for pred, ref in zip(preds, target):
        ref_words, pred_words = ref.split(), pred.split()
        # Words are compared through their hashes (rapidfuzz): a collision between two different words of one pair
        # has a probability of about 1e-17 for a 50-word pair.
        ops = editops(ref_words, pred_words)
        subs = [op[0] for op in ops.as_list()].count("replace")
        other = len(ops) - subs  # deletions + insertions
        growth = len(pred_words) - len(ref_words)  # insertions - deletions
        dels = (other - growth) // 2
        substitutions += subs
        deletions += dels
        insertions += other - dels
        hits += len(ref_words) - subs - dels
    return hits, substitutions, deletions, insertions


def _counts(
    hits: Tensor, substitutions: Tensor, deletions: Tensor, insertions: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    return hits.double(), substitutions.double(), deletions.double(), insertions.double()


def _match_error_rate_compute(
    hits: Tensor, substitutions: Tensor, deletions: Tensor, insertions: Tensor, dtype: torch.dtype | None = None
) -> Tensor:
    """``(S + D + I) / (H + S + D + I)``; 0 when there is no word at all."""
    h, s, d, i = _counts(hits, substitutions, deletions, insertions)
    errors = s + d + i
    return (errors / (h + errors).clamp(min=1)).to(dtype or torch.get_default_dtype())


def _word_information_preserved_compute(
    hits: Tensor, substitutions: Tensor, deletions: Tensor, insertions: Tensor, dtype: torch.dtype | None = None
) -> Tensor:
    """``(H / N_ref) * (H / N_hyp)``; 1 when neither side holds a word, 0 when only one side is empty."""
    h, s, d, i = _counts(hits, substitutions, deletions, insertions)
    n_ref, n_hyp = h + s + d, h + s + i
    wip = (h / n_ref.clamp(min=1)) * (h / n_hyp.clamp(min=1))
    return torch.where(n_ref + n_hyp == 0, torch.ones_like(wip), wip).to(dtype or torch.get_default_dtype())


def _word_information_lost_compute(
    hits: Tensor, substitutions: Tensor, deletions: Tensor, insertions: Tensor, dtype: torch.dtype | None = None
) -> Tensor:
    """``1 - WIP``."""
    wip = _word_information_preserved_compute(hits, substitutions, deletions, insertions, torch.float64)
    return (1.0 - wip).to(dtype or torch.get_default_dtype())


def _alignment_counts(
    name: str, preds: str | Sequence[str], target: str | Sequence[str]
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    preds_list, target_list = _text_pairs_validation(name, preds, target)
    hits, substitutions, deletions, insertions = _word_alignment_update(preds_list, target_list)
    return torch.tensor(hits), torch.tensor(substitutions), torch.tensor(deletions), torch.tensor(insertions)


def match_error_rate(preds: str | Sequence[str], target: str | Sequence[str]) -> Tensor:
    """Match error rate: the share of aligned word positions that are not hits (lower is better).

    Args:
        preds: transcription(s) to score, a string or a sequence of strings (words split on whitespace).
        target: the reference(s), one per prediction.

    Returns:
        A scalar in the default float dtype (empty inputs: see the module notes).

    Raises:
        TypeError: if ``preds`` or ``target`` is not a string or a sequence of strings.
        ValueError: if they hold different numbers of items.

    Example:
        >>> from calipers.functional.text import match_error_rate
        >>> match_error_rate(["this is the prediction", "there is an other sample"],
        ...                  ["this is the reference", "there is another one"])
        tensor(0.4444)
    """
    return _match_error_rate_compute(*_alignment_counts("match_error_rate", preds, target))


def word_information_lost(preds: str | Sequence[str], target: str | Sequence[str]) -> Tensor:
    """Word information lost, ``1 - WIP`` (lower is better).

    Args:
        preds: transcription(s) to score, a string or a sequence of strings (words split on whitespace).
        target: the reference(s), one per prediction.

    Returns:
        A scalar in the default float dtype (empty inputs: see the module notes).

    Raises:
        TypeError: if ``preds`` or ``target`` is not a string or a sequence of strings.
        ValueError: if they hold different numbers of items.

    Example:
        >>> from calipers.functional.text import word_information_lost
        >>> word_information_lost(["this is the prediction", "there is an other sample"],
        ...                       ["this is the reference", "there is another one"])
        tensor(0.6528)
    """
    return _word_information_lost_compute(*_alignment_counts("word_information_lost", preds, target))


def word_information_preserved(preds: str | Sequence[str], target: str | Sequence[str]) -> Tensor:
    """Word information preserved: hits per reference word times hits per predicted word (higher is better).

    Args:
        preds: transcription(s) to score, a string or a sequence of strings (words split on whitespace).
        target: the reference(s), one per prediction.

    Returns:
        A scalar in the default float dtype (empty inputs: see the module notes).

    Raises:
        TypeError: if ``preds`` or ``target`` is not a string or a sequence of strings.
        ValueError: if they hold different numbers of items.

    Example:
        >>> from calipers.functional.text import word_information_preserved
        >>> word_information_preserved(["this is the prediction", "there is an other sample"],
        ...                            ["this is the reference", "there is another one"])
        tensor(0.3472)
    """
    return _word_information_preserved_compute(*_alignment_counts("word_information_preserved", preds, target))
