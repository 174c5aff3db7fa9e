"""Signature parity with TorchMetrics: the names a domain exports, and their parameters.

A user migrates by replacing ``torchmetrics`` with ``calipers`` in imports, so every public class and function of a
TorchMetrics domain namespace must exist in calipers with the same parameter names, kinds, order and defaults
(classes: ``__init__`` and ``update``). calipers may add keyword-only options after them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

__all__ = ["MODEL_BACKED", "domain_signature_differences", "signature_differences"]

#: TorchMetrics names whose metrics need a pretrained model; they come in a later issue.
MODEL_BACKED = frozenset(
    {
        "BERTScore",
        "InfoLMScore",
        "bert_score",
        "infolm",
        "DeepNoiseSuppressionMeanOpinionScore",
        "deep_noise_suppression_mean_opinion_score",
        "NonIntrusiveSpeechQualityAssessment",
        "non_intrusive_speech_quality_assessment",
    }
)


def _parameters(fn: Callable[..., Any], added: frozenset[str]) -> list[tuple[str, Any, Any]]:
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.name == "self" or (p.kind is inspect.Parameter.KEYWORD_ONLY and p.name in added):
            continue
        out.append((p.name, p.kind, p.default))
    return out


def _added(ours: Callable[..., Any], theirs: Callable[..., Any]) -> frozenset[str]:
    """calipers' keyword-only options that TorchMetrics lacks."""
    known = set(inspect.signature(theirs).parameters)
    return frozenset(
        p.name
        for p in inspect.signature(ours).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in known
    )


def signature_differences(ours: ModuleType, theirs: ModuleType, names: Iterable[str]) -> list[str]:
    """One line per name of ``theirs`` that ``ours`` lacks or whose parameters differ (empty: parity holds)."""
    out: list[str] = []
    for name in names:
        if not hasattr(ours, name):
            out.append(f"{ours.__name__}.{name} is missing")
            continue
        a, b = getattr(ours, name), getattr(theirs, name)
        methods = ("__init__", "update") if inspect.isclass(b) else (None,)
        for method in methods:
            fa = a if method is None else getattr(a, method)
            fb = b if method is None else getattr(b, method)
            pa, pb = _parameters(fa, _added(fa, fb)), _parameters(fb, frozenset())
            if pa != pb:
                where = name if method is None else f"{name}.{method}"
                out.append(f"{where}: calipers {pa} != TorchMetrics {pb}")
    return out


def domain_signature_differences(ours: ModuleType, theirs: ModuleType) -> list[str]:
    """:func:`signature_differences` over every name of ``theirs.__all__`` but the :data:`MODEL_BACKED` ones."""
    names = [n for n in theirs.__all__ if n not in MODEL_BACKED]
    if len(names) < 3:
        return [f"{theirs.__name__}.__all__ lists only {names}: not a TorchMetrics domain namespace"]
    return signature_differences(ours, theirs, names)
