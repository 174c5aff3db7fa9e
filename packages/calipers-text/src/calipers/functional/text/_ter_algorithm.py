"""The TER edit count of one hypothesis against one reference: Tercom's greedy block shifts plus a beam edit distance.

This follows Snover et al. (2006) as Tercom implements it, with SacreBLEU's choices where they differ (so that
results equal ``sacrebleu.metrics.TER``):

* **Edit distance** over words with unit costs, restricted to a band ("beam") of half-width
  :data:`BEAM_WIDTH` around the pseudo-diagonal ``floor(i * len(ref) / len(hyp))`` of each hypothesis row (wider
  when the reference is much longer); the last row is always complete. Ties between operations go to
  substitution/match, then deletion, then insertion, which fixes the alignment read back from the table.
* **Shifts**: repeatedly, among the word blocks (at most :data:`MAX_SHIFT_SIZE` words, starting at most
  :data:`MAX_SHIFT_DIST` positions apart) that appear in both sequences, misaligned on both sides and not already
  aligned together, each moved to just after the hypothesis word aligned to a reference position inside or before
  the block, take the move that lowers the edit distance most (then the longest block, the earliest start, the
  earliest target). Stop when no move helps, or when :data:`MAX_SHIFT_CANDIDATES` moves have been tried in total
  (the move found in that last round is then not applied).

The edit count is the number of shifts plus the edit distance of the shifted hypothesis.

Fast path: when the reference has at most :data:`FULL_BAND_MAX_REF` words the band covers the whole table, so the
distance of every candidate move is the plain Levenshtein distance, computed by ``rapidfuzz`` (compiled); the
alignment (needed once per round) still comes from the table, for the tie-breaking above.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias

from rapidfuzz.distance import Levenshtein

__all__ = ["BEAM_WIDTH", "FULL_BAND_MAX_REF", "MAX_SHIFT_CANDIDATES", "ter_edits"]

MAX_SHIFT_SIZE = 10
MAX_SHIFT_DIST = 50
BEAM_WIDTH = 25
MAX_SHIFT_CANDIDATES = 1000
#: The band spans columns ``[diag - 25, diag + 25)`` with ``0 <= diag <= len(ref)``: it covers every column of
#: every row exactly when ``len(ref) + 1 <= BEAM_WIDTH`` (workload ``text.ter``: its 5-25 word sentences).
FULL_BAND_MAX_REF = BEAM_WIDTH - 1
_MAX_CACHED_ROWS = 10_000
_INF = 10**16

Row = list[int]
_Trie: TypeAlias = "dict[str, tuple[_Trie, Row]]"  # the cached table rows of every hypothesis prefix seen


class _BandedDistance:
    """Banded edit distance of hypotheses (all of one length) against one reference, rows cached by prefix."""

    def __init__(self, ref: Sequence[str], n_hyp: int, exact: bool) -> None:
        self.ref = ref
        self.exact = exact
        n_ref = len(ref)
        self.ratio = n_ref / n_hyp if n_hyp else 1.0
        self.width = math.ceil(self.ratio / 2 + BEAM_WIDTH) if self.ratio / 2 > BEAM_WIDTH else BEAM_WIDTH
        self.first_row: Row = list(range(n_ref + 1))
        self.trie: _Trie = {}
        self.cached = 0

    def rows(self, words: Sequence[str]) -> list[Row]:
        """Every row of the banded table (row ``i`` after ``i`` hypothesis words); cells outside the band ~inf."""
        ref, n_ref, n_hyp = self.ref, len(self.ref), len(words)
        rows = [self.first_row]
        node = self.trie
        for w in words:
            entry = node.get(w)
            if entry is None:
                break
            node, row = entry
            rows.append(row)
        prev = rows[-1]
        ratio, width = self.ratio, self.width
        for i in range(len(rows), n_hyp + 1):
            diag = math.floor(i * ratio)
            lo = max(0, diag - width)
            hi = n_ref + 1 if i == n_hyp else min(n_ref + 1, diag + width)
            row = [_INF] * (n_ref + 1)
            w = words[i - 1]
            if lo == 0:
                row[0] = left = prev[0] + 1
                lo = 1
            else:
                left = _INF
            for j in range(lo, hi):
                best = prev[j - 1] if w == ref[j - 1] else prev[j - 1] + 1
                down = prev[j] + 1
                if down < best:
                    best = down
                left += 1
                if left < best:
                    best = left
                row[j] = left = best
            rows.append(row)
            prev = row
            if self.cached < _MAX_CACHED_ROWS:
                child: _Trie = {}
                node[w] = (child, row)
                node = child
                self.cached += 1
        return rows

    def distance(self, words: Sequence[str]) -> int:
        """The banded edit distance (exactly Levenshtein's when the band is full)."""
        if self.exact:
            return int(Levenshtein.distance(words, self.ref))
        return self.rows(words)[-1][-1]

    def alignment(self, words: Sequence[str]) -> tuple[int, list[int], list[int], list[int]]:
        """``(distance, align, ref_err, hyp_err)`` of the table's alignment.

        ``align`` holds the hypothesis position aligned to each reference position (the one before it for an
        unmatched reference word, -1 at the start); ``ref_err``/``hyp_err`` are 0/1 error flags per word.
        """
        rows, ref = self.rows(words), self.ref
        i, j = len(words), len(ref)
        ops: list[int] = []  # 0 match, 1 substitution, 2 hypothesis word unmatched, 3 reference word unmatched
        while i > 0 or j > 0:
            if i == 0:
                ops.append(3)
                j -= 1
            elif j == 0:
                ops.append(2)
                i -= 1
            else:
                cur, diag = rows[i][j], rows[i - 1][j - 1]
                same = words[i - 1] == ref[j - 1]
                if (diag if same else diag + 1) == cur:
                    ops.append(0 if same else 1)
                    i -= 1
                    j -= 1
                elif rows[i - 1][j] + 1 == cur:
                    ops.append(2)
                    i -= 1
                else:
                    ops.append(3)
                    j -= 1
        align = [0] * len(ref)
        ref_err: list[int] = []
        hyp_err: list[int] = []
        pos_hyp = pos_ref = -1
        for op in reversed(ops):
            if op <= 1:
                pos_hyp += 1
                pos_ref += 1
                align[pos_ref] = pos_hyp
                hyp_err.append(op)
                ref_err.append(op)
            elif op == 2:
                pos_hyp += 1
                hyp_err.append(1)
            else:
                pos_ref += 1
                align[pos_ref] = pos_hyp
                ref_err.append(1)
        return rows[-1][-1], align, ref_err, hyp_err


def _shifted(words: list[str], start: int, length: int, target: int) -> list[str]:
    """``words`` with the block ``[start, start + length)`` moved to position ``target`` (Tercom's convention)."""
    if target < start:
        return words[:target] + words[start : start + length] + words[target:start] + words[start + length :]
    if target > start + length:
        return words[:start] + words[start + length : target] + words[start : start + length] + words[target:]
    return (
        words[:start] + words[start + length : length + target] + words[start : start + length]
        + words[length + target :]
    )  # fmt: skip


def _prefix_sums(flags: list[int]) -> list[int]:
    sums = [0]
    for f in flags:
        sums.append(sums[-1] + f)
    return sums


def _best_shift(
    words: list[str], ref: Sequence[str], positions: dict[str, list[int]], ed: _BandedDistance, checked: int
) -> tuple[int, list[str], int, int]:
    """One round: ``(gain, shifted words, candidates checked so far, distance before the shift)``."""
    distance, align, ref_err, hyp_err = ed.alignment(words)
    hyp_sums, ref_sums = _prefix_sums(hyp_err), _prefix_sums(ref_err)
    n_hyp, n_ref = len(words), len(ref)
    best: tuple[int, int, int, int] | None = None
    best_words = words
    for start_h in range(n_hyp):
        for start_r in positions.get(words[start_h], ()):
            if abs(start_r - start_h) > MAX_SHIFT_DIST:
                continue
            length = 0
            while length < MAX_SHIFT_SIZE and words[start_h + length] == ref[start_r + length]:
                length += 1
                # the block [start_h, start_h + length) equals ref[start_r, start_r + length)
                if (
                    hyp_sums[start_h + length] != hyp_sums[start_h]
                    and ref_sums[start_r + length] != ref_sums[start_r]
                    and not start_h <= align[start_r] < start_h + length
                ):
                    prev_idx = -1
                    for offset in range(-1, length):
                        idx = 0 if start_r + offset == -1 else align[start_r + offset] + 1
                        if idx == prev_idx:
                            continue
                        prev_idx = idx
                        moved = _shifted(words, start_h, length, idx)
                        key = (distance - ed.distance(moved), length, -start_h, -idx)
                        checked += 1
                        if best is None or key > best:
                            best, best_words = key, moved
                    if checked >= MAX_SHIFT_CANDIDATES:
                        return (best[0] if best else 0), best_words, checked, distance
                if start_h + length == n_hyp or start_r + length == n_ref:
                    break
    return (best[0] if best else 0), best_words, checked, distance


def ter_edits(hyp: list[str], ref: list[str]) -> int:
    """The number of TER edits (shifts, insertions, deletions, substitutions) turning ``hyp`` into ``ref``."""
    if not ref:
        return len(hyp)
    ed = _BandedDistance(ref, len(hyp), exact=len(ref) <= FULL_BAND_MAX_REF)
    positions: dict[str, list[int]] = {}
    for r, word in enumerate(ref):
        positions.setdefault(word, []).append(r)
    shifts = checked = 0
    words = hyp
    while True:
        gain, moved, checked, distance = _best_shift(words, ref, positions, ed, checked)
        if checked >= MAX_SHIFT_CANDIDATES or gain <= 0:
            return shifts + distance
        shifts += 1
        words = moved
