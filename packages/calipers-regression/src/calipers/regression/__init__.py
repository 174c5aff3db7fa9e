"""Regression metrics for calipers."""

from __future__ import annotations

from calipers.regression.concordance import ConcordanceCorrCoef
from calipers.regression.cosine_similarity import CosineSimilarity
from calipers.regression.crps import ContinuousRankedProbabilityScore
from calipers.regression.csi import CriticalSuccessIndex
from calipers.regression.explained_variance import ExplainedVariance
from calipers.regression.js_divergence import JensenShannonDivergence
from calipers.regression.kendall import KendallRankCorrCoef
from calipers.regression.kl_divergence import KLDivergence
from calipers.regression.log_cosh import LogCoshError
from calipers.regression.log_mse import MeanSquaredLogError
from calipers.regression.mae import MeanAbsoluteError
from calipers.regression.mape import MeanAbsolutePercentageError
from calipers.regression.minkowski import MinkowskiDistance
from calipers.regression.mse import MeanSquaredError
from calipers.regression.nrmse import NormalizedRootMeanSquaredError
from calipers.regression.pearson import PearsonCorrCoef
from calipers.regression.r2 import R2Score
from calipers.regression.rse import RelativeSquaredError
from calipers.regression.spearman import SpearmanCorrCoef
from calipers.regression.symmetric_mape import SymmetricMeanAbsolutePercentageError
from calipers.regression.tweedie_deviance import TweedieDevianceScore
from calipers.regression.wmape import WeightedMeanAbsolutePercentageError

__all__ = [
    "ConcordanceCorrCoef",
    "ContinuousRankedProbabilityScore",
    "CosineSimilarity",
    "CriticalSuccessIndex",
    "ExplainedVariance",
    "JensenShannonDivergence",
    "KLDivergence",
    "KendallRankCorrCoef",
    "LogCoshError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogError",
    "MinkowskiDistance",
    "NormalizedRootMeanSquaredError",
    "PearsonCorrCoef",
    "R2Score",
    "RelativeSquaredError",
    "SpearmanCorrCoef",
    "SymmetricMeanAbsolutePercentageError",
    "TweedieDevianceScore",
    "WeightedMeanAbsolutePercentageError",
]
