"""Workloads of calipers-audio (ratios in one run; the machine may be loaded, compare ratios, not times).

* ``audio.sdr``: ``signal_distortion_ratio`` on (8, 16000) float32 signals, filter 512 (target <= 0.25x
  TorchMetrics; fast-bss-eval's float64 torch ``sdr`` timed in the same loop, target <= 0.5x).
* ``audio.si_sdr``: ``scale_invariant_signal_distortion_ratio`` on (8, 16000) (target <= 0.8x TorchMetrics).
* ``audio.pit``: ``permutation_invariant_training`` with SI-SDR, 4 speakers, batch 8, 16000 samples,
  ``mode="permutation-wise"`` (target <= 0.1x TorchMetrics).
* ``audio.pesq``: ``PerceptualEvaluationSpeechQuality(16000, "wb")`` on 64 one-second signals, ``n_processes=2``
  against ``n_processes=1`` (rows ``n1``, ``n2``; target: n2 / n1 <= 1 / 1.7). Needs 2 free cores to pass.
* ``audio.srmr``: ``speech_reverberation_modulation_energy_ratio`` at 16 kHz on (8, 16000) float32, rows
  ``filterbank`` (``fast=False``) and ``gtgram`` (``fast=True``); the fast/filterbank ratio is printed (no target).
  TorchMetrics is timed only where torchaudio imports (its SRMR needs it).
* ``audio.import``: ``import calipers.audio`` after ``import torch`` (target <= +25 ms).
"""

from __future__ import annotations

import importlib.util
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from calipers_bench.framework import CALIPERS, Bench, workload
from calipers_bench.workloads.base import measure_imports

BATCH = 8
SAMPLES = 16_000
FILTER = 512
SPEAKERS = 4
IMPORT_TARGET_S = 0.025
_IMPORTS = {CALIPERS: "calipers.audio", "torchmetrics": "torchmetrics.audio"}


def _signals(*shape: int) -> tuple[Any, Any]:
    """Speech-like references (modulated harmonics plus noise) and noisy, filtered estimates, float32."""
    import torch

    g = torch.Generator().manual_seed(0)
    t = torch.arange(SAMPLES) / 16_000
    f0 = 100 + 150 * torch.rand(*shape, 1, generator=g)
    voiced = sum(torch.sin(2 * torch.pi * f0 * h * t) / h for h in range(1, 9))
    target = voiced * (0.6 + 0.4 * torch.sin(2 * torch.pi * 4 * t)) + 0.05 * torch.randn(*shape, SAMPLES, generator=g)
    preds = 0.9 * target + 0.3 * torch.roll(target, 3, -1) + 0.3 * torch.randn(*shape, SAMPLES, generator=g)
    return preds.float(), target.float()


def _functional(library: str, name: str) -> Callable[..., Any]:
    if library == CALIPERS:
        import calipers.functional.audio as cal

        return getattr(cal, name)  # type: ignore[no-any-return]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torchmetrics.functional.audio as tm

    return getattr(tm, name)  # type: ignore[no-any-return]


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Callable[[], object]]:
    return lambda: (lambda: fn(*args, **kwargs))


def _ratio_check(bench: Bench, target: float, row: str = "") -> None:
    cal, tm = bench.median(CALIPERS, row), bench.median("torchmetrics", row)
    if cal and tm:
        bench.check("calipers/TorchMetrics", cal / tm, target, row=row)


@workload(
    "audio.sdr",
    domain="audio",
    description=f"signal_distortion_ratio, ({BATCH}, {SAMPLES}) float32, filter_length={FILTER}; "
    "fast-bss-eval timed alongside",
    peers=("torchmetrics",),
    repeat=7,
    warmup=2,
)
def sdr(bench: Bench) -> None:
    preds, target = _signals(BATCH)
    for library in bench.libraries:
        if bench.available(library):
            fn = _functional(library, "signal_distortion_ratio")
            bench.add(library, _call(fn, preds, target, filter_length=FILTER), op="one call")
    _ratio_check(bench, 0.25)
    cal = bench.median(CALIPERS)
    try:
        import fast_bss_eval
    except ImportError:
        return
    ref, est = target.double()[:, None], preds.double()[:, None]
    fast_bss_eval.sdr(ref, est, filter_length=FILTER)
    samples = []
    for _ in range(bench.repeat):
        start = time.perf_counter()
        fast_bss_eval.sdr(ref, est, filter_length=FILTER)
        samples.append(time.perf_counter() - start)
    fbe = statistics.median(samples)
    bench.detail(f"fast-bss-eval sdr (float64 torch): {fbe * 1e3:.1f} ms (timed after the interleaved cases)")
    if cal:
        bench.check("calipers/fast-bss-eval", cal / fbe, 0.5)


@workload(
    "audio.si_sdr",
    domain="audio",
    description=f"scale_invariant_signal_distortion_ratio, ({BATCH}, {SAMPLES}) float32",
    peers=("torchmetrics",),
    repeat=21,
    warmup=3,
)
def si_sdr(bench: Bench) -> None:
    preds, target = _signals(BATCH)
    for library in bench.libraries:
        if bench.available(library):
            fn = _functional(library, "scale_invariant_signal_distortion_ratio")
            bench.add(library, _call(fn, preds, target), op="one call")
    _ratio_check(bench, 0.8)


@workload(
    "audio.pit",
    domain="audio",
    description=f"permutation_invariant_training(SI-SDR, permutation-wise), batch {BATCH}, {SPEAKERS} speakers, "
    f"{SAMPLES} samples",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def pit(bench: Bench) -> None:
    preds, target = _signals(BATCH, SPEAKERS)
    for library in bench.libraries:
        if bench.available(library):
            fn = _functional(library, "permutation_invariant_training")
            metric = _functional(library, "scale_invariant_signal_distortion_ratio")
            bench.add(library, _call(fn, preds, target, metric, mode="permutation-wise"), op="one call")
    _ratio_check(bench, 0.1)


@workload(
    "audio.srmr",
    domain="audio",
    description=f"speech_reverberation_modulation_energy_ratio, fs=16000, ({BATCH}, {SAMPLES}) float32: "
    "fast=False (filterbank) and fast=True (gammatonegram)",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def srmr(bench: Bench) -> None:
    preds, _ = _signals(BATCH)
    has_torchaudio = importlib.util.find_spec("torchaudio") is not None
    for row, fast in (("filterbank", False), ("gtgram", True)):
        for library in bench.libraries:
            if library != CALIPERS and not has_torchaudio:
                bench.record(library, None, row=row, op="one call", note="needs torchaudio")
            elif bench.available(library):
                fn = _functional(library, "speech_reverberation_modulation_energy_ratio")
                bench.add(library, _call(fn, preds, 16_000, fast=fast), row=row, op="one call")
    slow, fast_time = bench.median(CALIPERS, "filterbank"), bench.median(CALIPERS, "gtgram")
    if slow and fast_time:
        bench.detail(f"calipers fast=True / fast=False: {fast_time / slow:.3f}", row="gtgram")


@workload(
    "audio.pesq",
    domain="audio",
    description="PerceptualEvaluationSpeechQuality(16000, 'wb'), 64 one-second signals: n_processes=2 vs 1",
    repeat=3,
    warmup=1,
)
def pesq_pool(bench: Bench) -> None:
    try:
        from calipers.audio import PerceptualEvaluationSpeechQuality
    except ImportError:
        bench.record(CALIPERS, None, note="calipers-audio not installed")
        return
    preds, target = _signals(64)
    for row, n in (("n1", 1), ("n2", 2)):
        metric = PerceptualEvaluationSpeechQuality(16000, "wb", n_processes=n)

        def prepare(metric: Any = metric) -> Callable[[], object]:
            metric.reset()
            return lambda: (metric.update(preds, target), metric.compute())

        bench.add(CALIPERS, prepare, row=row, op="update + compute")
    one, two = bench.median(CALIPERS, "n1"), bench.median(CALIPERS, "n2")
    if one and two:
        bench.check("n_processes=2 / n_processes=1", two / one, 1 / 1.7, row="n2")


@workload(
    "audio.import",
    domain="audio",
    description="`import X` right after `import torch`, timed inside a fresh interpreter with bytecode "
    "(X = calipers.audio / torchmetrics.audio)",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def audio_import(bench: Bench) -> None:
    measure_imports(bench, _IMPORTS, IMPORT_TARGET_S)
