"""Lazy re-export of domain names in ``calipers`` and ``calipers.functional``.

The tables map each public name to the domain package providing it. A name resolves on first use by importing
``calipers.<domain>`` (or ``calipers.functional.<domain>``); when that distribution is not installed the error is a
:class:`~calipers.exceptions.DomainNotInstalledError` naming it. ``__all__`` and ``dir()`` list the names of the
installed domains only.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from calipers.exceptions import DomainNotInstalledError

__all__ = ["DOMAINS", "FUNCTIONAL_NAMES", "MODULE_NAMES", "make_lazy_namespace"]

DOMAINS: tuple[str, ...] = ("audio", "classification", "regression", "retrieval", "text")

MODULE_NAMES: dict[str, tuple[str, ...]] = {
    "audio": (
        "PermutationInvariantTraining", "ScaleInvariantSignalDistortionRatio", "ScaleInvariantSignalNoiseRatio",
        "SignalDistortionRatio", "SignalNoiseRatio",
    ),
    "classification": (
        "AUROC", "ROC", "Accuracy", "AveragePrecision", "CalibrationError", "CohenKappa", "ConfusionMatrix",
        "ExactMatch", "F1Score", "FBetaScore", "HammingDistance", "HingeLoss", "JaccardIndex", "LogAUC",
        "MatthewsCorrCoef", "NegativePredictiveValue", "Precision", "PrecisionAtFixedRecall", "PrecisionRecallCurve",
        "Recall", "RecallAtFixedPrecision", "SensitivityAtSpecificity", "Specificity", "SpecificityAtSensitivity",
        "StatScores",
    ),
    "regression": (
        "ConcordanceCorrCoef", "CosineSimilarity", "CriticalSuccessIndex", "ExplainedVariance", "KLDivergence",
        "KendallRankCorrCoef", "LogCoshError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
        "MeanSquaredLogError", "MinkowskiDistance", "NormalizedRootMeanSquaredError", "PearsonCorrCoef", "R2Score",
        "RelativeSquaredError", "SpearmanCorrCoef", "SymmetricMeanAbsolutePercentageError", "TweedieDevianceScore",
        "WeightedMeanAbsolutePercentageError",
    ),
    "retrieval": (
        "RetrievalFallOut", "RetrievalHitRate", "RetrievalMAP", "RetrievalMRR", "RetrievalNormalizedDCG",
        "RetrievalPrecision", "RetrievalPrecisionRecallCurve", "RetrievalRPrecision", "RetrievalRecall",
        "RetrievalRecallAtFixedPrecision",
    ),
    "text": (
        "BLEUScore", "CHRFScore", "CharErrorRate", "ExtendedEditDistance", "MatchErrorRate", "Perplexity", "SQuAD",
        "SacreBLEUScore", "TranslationEditRate", "WordErrorRate", "WordInfoLost", "WordInfoPreserved",
    ),
}  # fmt: skip

FUNCTIONAL_NAMES: dict[str, tuple[str, ...]] = {
    "audio": (
        "permutation_invariant_training", "pit_permutate", "scale_invariant_signal_distortion_ratio",
        "scale_invariant_signal_noise_ratio", "signal_distortion_ratio", "signal_noise_ratio",
    ),
    "classification": (
        "accuracy", "auroc", "average_precision", "binary_eer", "calibration_error", "cohen_kappa", "confusion_matrix",
        "eer", "exact_match", "f1_score", "fbeta_score", "hamming_distance", "hinge_loss", "jaccard_index", "logauc",
        "matthews_corrcoef", "multiclass_eer", "multilabel_eer", "negative_predictive_value", "precision",
        "precision_at_fixed_recall", "precision_recall_curve", "recall", "recall_at_fixed_precision", "roc",
        "sensitivity_at_specificity", "specificity", "specificity_at_sensitivity", "stat_scores",
    ),
    "regression": (
        "concordance_corrcoef", "cosine_similarity", "critical_success_index", "explained_variance",
        "kendall_rank_corrcoef", "kl_divergence", "log_cosh_error", "mean_absolute_error",
        "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_log_error", "minkowski_distance",
        "normalized_root_mean_squared_error", "pearson_corrcoef", "r2_score", "relative_squared_error",
        "spearman_corrcoef", "symmetric_mean_absolute_percentage_error", "tweedie_deviance_score",
        "weighted_mean_absolute_percentage_error",
    ),
    "retrieval": (
        "retrieval_average_precision", "retrieval_fall_out", "retrieval_hit_rate", "retrieval_normalized_dcg",
        "retrieval_precision", "retrieval_precision_recall_curve", "retrieval_r_precision", "retrieval_recall",
        "retrieval_reciprocal_rank",
    ),
    "text": (
        "bleu_score", "char_error_rate", "chrf_score", "extended_edit_distance", "match_error_rate", "perplexity",
        "rouge_score", "sacre_bleu_score", "squad", "translation_edit_rate", "word_error_rate",
        "word_information_lost", "word_information_preserved",
    ),
}  # fmt: skip


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def make_lazy_namespace(
    namespace: str, table: dict[str, tuple[str, ...]], eager: list[str], submodules: tuple[str, ...] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Build the module ``__getattr__`` and ``__dir__`` of ``namespace`` (``calipers`` or ``calipers.functional``).

    ``eager`` lists the names the namespace defines itself; domain names are resolved from ``table``;
    ``submodules`` (and the domains) are imported on first attribute access.
    """
    owner = {name: domain for domain, names in table.items() for name in names}

    def available() -> list[str]:
        names = list(eager)
        for domain, domain_names in table.items():
            module_name = f"{namespace}.{domain}"
            if not _installed(module_name):
                continue
            exported = set(getattr(importlib.import_module(module_name), "__all__", ()))
            names.extend(n for n in domain_names if n in exported)
        return sorted(set(names))

    def getattr_(name: str) -> Any:
        if name == "__all__":
            return available()
        if name in submodules or name in table:
            module_name = f"{namespace}.{name}"
            if name in table and not _installed(module_name):
                raise DomainNotInstalledError(
                    f"`{module_name}` is provided by the distribution 'calipers-{name}', which is not installed: "
                    f"`pip install calipers-{name}`."
                )
            return importlib.import_module(module_name)
        domain = owner.get(name)
        if domain is None:
            raise AttributeError(f"module {namespace!r} has no attribute {name!r}")
        module_name = f"{namespace}.{domain}"
        if not _installed(module_name):
            raise DomainNotInstalledError(
                f"`{namespace}.{name}` is provided by the distribution 'calipers-{domain}', which is not installed: "
                f"`pip install calipers-{domain}` (or `pip install calipers` for every domain)."
            )
        module = importlib.import_module(module_name)
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(
                f"module {namespace!r} has no attribute {name!r}: the installed calipers-{domain} does not provide "
                "it yet."
            ) from None

    def dir_() -> list[str]:
        module = importlib.import_module(namespace)
        return sorted(set(vars(module)) | set(available()))

    return getattr_, dir_
