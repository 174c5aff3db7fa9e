"""Workloads of calipers-text: error rates, EED and perplexity (the translation metrics follow below).

* ``text.wer`` / ``text.cer``: one functional call on 20,000 sentence pairs (5-25 words from a 2,000-word vocabulary,
  about 20% of the words substituted, some dropped or added), against TorchMetrics and jiwer.
* ``text.eed``: ``extended_edit_distance`` on 500 such pairs, against TorchMetrics.
* ``text.perplexity``: ``Perplexity(ignore_index=-100)`` update + compute on float32 logits (4, 256, 32000), a tenth
  of the targets ignored, against TorchMetrics; a detail line times ``exp(cross_entropy)`` itself.
* ``text.import``: ``import calipers.text`` after ``import torch`` in a fresh interpreter.

The workloads run single-threaded (``torch.set_num_threads(1)``), as the figures of issue 15 were measured.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from calipers_bench.framework import CALIPERS, Bench, workload
from calipers_bench.workloads.base import measure_imports

PAIRS = 20_000
EED_PAIRS = 500
PPL_SHAPE = (4, 256, 32000)
# Issue 15 targets: calipers / peer.
_TARGETS = {
    "wer": {"torchmetrics": 0.1, "jiwer": 0.2},
    "cer": {"torchmetrics": 0.01, "jiwer": 0.1},
    "eed": {"torchmetrics": 0.2},
    "perplexity": {"torchmetrics": 1.1},
}
IMPORT_TARGET_S = 0.04


def _single_thread() -> None:
    import torch

    torch.set_num_threads(1)


def sentence_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` (prediction, reference) sentence pairs, as lists."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(2000)]
    refs, preds = [], []
    for _ in range(n):
        words = [rng.choice(vocab) for _ in range(rng.randint(5, 25))]
        refs.append(" ".join(words))
        noisy = [w if rng.random() > 0.2 else rng.choice(vocab) for w in words]
        if rng.random() < 0.5:
            noisy = noisy[1:]
        if rng.random() < 0.5:
            noisy.append(rng.choice(vocab))
        preds.append(" ".join(noisy))
    return preds, refs


def _error_rate(library: str, which: str, preds: list[str], refs: list[str]) -> Callable[[], Callable[[], object]]:
    def prepare() -> Callable[[], object]:
        if library == CALIPERS:
            import calipers.functional.text as module

            fn = getattr(module, "word_error_rate" if which == "word" else "char_error_rate")
            return lambda: fn(preds, refs)
        if library == "torchmetrics":
            import torchmetrics.functional.text as tm_module

            tm_fn = getattr(tm_module, "word_error_rate" if which == "word" else "char_error_rate")
            return lambda: tm_fn(preds, refs)
        import jiwer

        jiwer_fn = jiwer.wer if which == "word" else jiwer.cer
        return lambda: jiwer_fn(refs, preds)

    return prepare


def _run_error_rate(bench: Bench, key: str, which: str) -> None:
    _single_thread()
    preds, refs = sentence_pairs(PAIRS)
    for library in bench.libraries:
        bench.add(library, _error_rate(library, which, preds, refs), op=f"{PAIRS:,} pairs")
    bench.run()
    values = []
    for library in bench.libraries:
        if bench.available(library):
            values.append(f"{library} {float(_error_rate(library, which, preds, refs)()()):.6f}")
    bench.detail("values: " + ", ".join(values))
    mine = bench.median(CALIPERS)
    for peer, limit in _TARGETS[key].items():
        theirs = bench.median(peer)
        if mine is not None and theirs:
            bench.check(f"calipers/{peer}", mine / theirs, limit)


@workload(
    "text.wer",
    domain="text",
    description=f"word_error_rate on {PAIRS:,} sentence pairs (jiwer.wer: the same pairs)",
    peers=("torchmetrics", "jiwer"),
    repeat=5,
    warmup=1,
)
def wer(bench: Bench) -> None:
    _run_error_rate(bench, "wer", "word")


@workload(
    "text.cer",
    domain="text",
    description=f"char_error_rate on {PAIRS:,} sentence pairs (jiwer.cer: the same pairs); TorchMetrics takes tens of "
    "seconds a call, so one repetition",
    peers=("torchmetrics", "jiwer"),
    repeat=1,
    warmup=0,
)
def cer(bench: Bench) -> None:
    _run_error_rate(bench, "cer", "char")


@workload(
    "text.eed",
    domain="text",
    description=f"extended_edit_distance on {EED_PAIRS} sentence pairs (one reference each)",
    peers=("torchmetrics",),
    repeat=3,
    warmup=1,
)
def eed(bench: Bench) -> None:
    _single_thread()
    preds, refs = sentence_pairs(EED_PAIRS, seed=1)
    target = [[r] for r in refs]

    def case(library: str) -> Callable[[], Callable[[], object]]:
        def prepare() -> Callable[[], object]:
            if library == CALIPERS:
                from calipers.functional.text import extended_edit_distance
            else:
                from torchmetrics.functional.text import extended_edit_distance  # type: ignore[no-redef]
            return lambda: extended_edit_distance(preds, target)

        return prepare

    for library in bench.libraries:
        bench.add(library, case(library), op=f"{EED_PAIRS} pairs")
    bench.run()
    mine, theirs = bench.median(CALIPERS), bench.median("torchmetrics")
    if mine is not None and theirs:
        bench.check("calipers/torchmetrics", mine / theirs, _TARGETS["eed"]["torchmetrics"])
        values = [f"{lib} {float(case(lib)()()):.6f}" for lib in bench.libraries]
        bench.detail("values (TorchMetrics breaks ties of equal costs by rounding): " + ", ".join(values))


def _perplexity_data() -> tuple[Any, Any]:
    import torch

    g = torch.Generator().manual_seed(0)
    logits = torch.randn(*PPL_SHAPE, generator=g)
    target = torch.randint(0, PPL_SHAPE[-1], PPL_SHAPE[:2], generator=g)
    target[torch.rand(PPL_SHAPE[:2], generator=g) < 0.1] = -100
    return logits, target


@workload(
    "text.perplexity",
    domain="text",
    description=f"Perplexity(ignore_index=-100): update + compute on float32 logits {PPL_SHAPE}",
    peers=("torchmetrics",),
    repeat=11,
    warmup=2,
)
def perplexity(bench: Bench) -> None:
    _single_thread()
    logits, target = _perplexity_data()

    def case(library: str) -> Callable[[], Callable[[], object]]:
        def prepare() -> Callable[[], object]:
            if library == CALIPERS:
                from calipers.text import Perplexity
            else:
                from torchmetrics.text import Perplexity  # type: ignore[no-redef]
            metric = Perplexity(ignore_index=-100)

            def run() -> object:
                metric.reset()
                metric.update(logits, target)
                return metric.compute()

            return run

        return prepare

    for library in bench.libraries:
        bench.add(library, case(library), op="update+compute")
    bench.run()
    import torch
    import torch.nn.functional as F

    times = []
    for _ in range(5):
        start = time.perf_counter()
        torch.exp(F.cross_entropy(logits.reshape(-1, PPL_SHAPE[-1]), target.reshape(-1), ignore_index=-100))
        times.append(time.perf_counter() - start)
    exact = torch.exp(
        F.cross_entropy(logits.double().reshape(-1, PPL_SHAPE[-1]), target.reshape(-1), ignore_index=-100)
    ).item()
    values = [f"{lib} {float(case(lib)()()):.6f}" for lib in bench.libraries if bench.available(lib)]
    bench.detail(
        f"exp(cross_entropy) itself: {statistics.median(times) * 1e3:.1f} ms; values: {', '.join(values)} "
        f"(float64 cross_entropy {exact:.6f})"
    )
    mine, theirs = bench.median(CALIPERS), bench.median("torchmetrics")
    if mine is not None and theirs:
        bench.check("calipers/torchmetrics", mine / theirs, _TARGETS["perplexity"]["torchmetrics"])


@workload(
    "text.import",
    domain="text",
    description="`import calipers.text` (TorchMetrics: torchmetrics.text) right after `import torch`, in a fresh "
    "interpreter",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def text_import(bench: Bench) -> None:
    measure_imports(bench, {CALIPERS: "calipers.text", "torchmetrics": "torchmetrics.text"}, IMPORT_TARGET_S)


# ------------------------------------------------------------------------------------- translation metrics, ROUGE
# ``text.bleu`` (bleu_score; sacrebleu with tokenize="none" computes the same), ``text.sacrebleu`` (13a on
# punctuated sentences), ``text.chrf`` (chrF++ on 5k pairs against sacrebleu, and on 1k pairs against TorchMetrics
# too: it takes about 10 ms a pair), ``text.ter`` (1k pairs) and ``text.rouge`` (rouge1/2/L on 5k pairs; rouge-score
# scores pair by pair, as its API does). One reference per hypothesis, the pairs of ``sentence_pairs``.
MT_PAIRS = 5_000
MT_SMALL_PAIRS = 1_000
_MT_TARGETS = {
    "bleu": {"torchmetrics": 0.25, "sacrebleu": 1.2},
    "sacrebleu": {"torchmetrics": 0.25, "sacrebleu": 1.2},
    "chrf-5k": {"sacrebleu": 1.2},
    "chrf-1k": {"torchmetrics": 0.05, "sacrebleu": 1.2},
    "ter": {"sacrebleu": 1.0},
    "rouge": {"rouge-score": 1.0},
}
_ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")


def punctuated(sentences: list[str], seed: int = 2) -> list[str]:
    """``sentences`` with commas, periods, quotes and hyphens attached to some words (work for the 13a tokenizer)."""
    rng = random.Random(seed)
    out = []
    for sentence in sentences:
        words = [w + rng.choice([",", ";", "'s", "-x", '"']) if rng.random() < 0.15 else w for w in sentence.split()]
        out.append(" ".join(words) + ".")
    return out


def _mt_case(library: str, which: str, preds: list[str], refs: list[str]) -> Callable[[], Callable[[], object]]:
    """The callable for one library: ``which`` is bleu, sacrebleu, chrf, ter or rouge."""
    target = [[r] for r in refs]

    def prepare() -> Callable[[], object]:
        if library in (CALIPERS, "torchmetrics"):
            if library == CALIPERS:
                import calipers.functional.text as f
            else:
                import torchmetrics.functional.text as f  # type: ignore[no-redef]
            if which == "rouge":
                from torchmetrics.functional.text.rouge import rouge_score as tm_rouge

                rouge = f.rouge_score if library == CALIPERS else tm_rouge  # type: ignore[attr-defined]
                return lambda: rouge(preds, refs, rouge_keys=_ROUGE_KEYS)["rougeL_fmeasure"]
            calls: dict[str, Callable[[], object]] = {
                "bleu": lambda: f.bleu_score(preds, target),
                "sacrebleu": lambda: f.sacre_bleu_score(preds, target, tokenize="13a"),
                "chrf": lambda: f.chrf_score(preds, target),
                "ter": lambda: f.translation_edit_rate(preds, target),
            }
            return calls[which]
        if library == "rouge-score":
            from rouge_score.rouge_scorer import RougeScorer

            scorer = RougeScorer(list(_ROUGE_KEYS))
            return lambda: sum(scorer.score(r, p)["rougeL"].fmeasure for p, r in zip(preds, refs)) / len(preds)
        import sacrebleu
        from sacrebleu.metrics import CHRF, TER

        peer_calls: dict[str, Callable[[], float]] = {
            "bleu": lambda: sacrebleu.corpus_bleu(preds, [refs], tokenize="none", smooth_method="none").score / 100,
            "sacrebleu": lambda: sacrebleu.corpus_bleu(preds, [refs], tokenize="13a", smooth_method="none").score / 100,
            "chrf": lambda: CHRF(word_order=2).corpus_score(preds, [refs]).score / 100,
            "ter": lambda: TER().corpus_score(preds, [refs]).score / 100,
        }
        return peer_calls[which]

    return prepare


def _run_mt(bench: Bench, which: str, pairs: int, target_key: str, row: str = "", skip: tuple[str, ...] = ()) -> None:
    _single_thread()
    preds, refs = sentence_pairs(pairs, seed=3)
    if which == "sacrebleu":
        preds, refs = punctuated(preds, 4), punctuated(refs, 5)
    op = f"{pairs:,} pairs"
    for library in bench.libraries:
        if library in skip:
            bench.record(library, None, row=row, op=op, note=f"measured on {MT_SMALL_PAIRS:,} pairs (row 1k)")
        else:
            bench.add(library, _mt_case(library, which, preds, refs), row=row, op=op)
    bench.run()
    values = [
        f"{lib} {float(_mt_case(lib, which, preds, refs)()()):.6f}"  # type: ignore[arg-type]
        for lib in bench.libraries
        if lib not in skip and bench.available(lib)
    ]
    bench.detail("values: " + ", ".join(values), row=row)
    mine = bench.median(CALIPERS, row)
    for peer, limit in _MT_TARGETS[target_key].items():
        theirs = bench.median(peer, row)
        if mine is not None and theirs:
            bench.check(f"calipers/{peer}", mine / theirs, limit, row=row)


@workload(
    "text.bleu",
    domain="text",
    description=f"bleu_score on {MT_PAIRS:,} pairs (sacrebleu.corpus_bleu with tokenize='none', smooth 'none')",
    peers=("torchmetrics", "sacrebleu"),
    repeat=5,
    warmup=1,
)
def bleu(bench: Bench) -> None:
    _run_mt(bench, "bleu", MT_PAIRS, "bleu")


@workload(
    "text.sacrebleu",
    domain="text",
    description=f"sacre_bleu_score(tokenize='13a') on {MT_PAIRS:,} punctuated pairs (sacrebleu.corpus_bleu, 13a)",
    peers=("torchmetrics", "sacrebleu"),
    repeat=5,
    warmup=1,
)
def sacre_bleu(bench: Bench) -> None:
    _run_mt(bench, "sacrebleu", MT_PAIRS, "sacrebleu")


@workload(
    "text.chrf",
    domain="text",
    description=f"chrf_score (chrF++) on {MT_PAIRS:,} pairs (sacrebleu CHRF(word_order=2)), and on "
    f"{MT_SMALL_PAIRS:,} pairs with TorchMetrics",
    peers=("torchmetrics", "sacrebleu"),
    repeat=3,
    warmup=1,
)
def chrf(bench: Bench) -> None:
    _run_mt(bench, "chrf", MT_PAIRS, "chrf-5k", row="5k", skip=("torchmetrics",))
    _run_mt(bench, "chrf", MT_SMALL_PAIRS, "chrf-1k", row="1k")


@workload(
    "text.ter",
    domain="text",
    description=f"translation_edit_rate on {MT_SMALL_PAIRS:,} pairs (sacrebleu TER)",
    peers=("torchmetrics", "sacrebleu"),
    repeat=5,
    warmup=1,
)
def ter(bench: Bench) -> None:
    _run_mt(bench, "ter", MT_SMALL_PAIRS, "ter")


@workload(
    "text.rouge",
    domain="text",
    description=f"rouge_score(rouge1/2/L) on {MT_PAIRS:,} pairs (rouge-score RougeScorer.score pair by pair); "
    "the value compared is rougeL F",
    peers=("torchmetrics", "rouge-score"),
    repeat=5,
    warmup=1,
)
def rouge(bench: Bench) -> None:
    _run_mt(bench, "rouge", MT_PAIRS, "rouge")
