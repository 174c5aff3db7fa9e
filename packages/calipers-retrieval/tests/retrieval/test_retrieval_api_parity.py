"""Every public class and function of TorchMetrics' retrieval domain exists in calipers with TorchMetrics' signature."""

from __future__ import annotations

import warnings

import pytest

import calipers.functional.retrieval
import calipers.retrieval
from calipers_testing.api_parity import domain_signature_differences

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import torchmetrics.functional.retrieval as tm_functional
    import torchmetrics.retrieval as tm_modules


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(calipers.retrieval, tm_modules), (calipers.functional.retrieval, tm_functional)],
    ids=["classes", "functional"],
)
def test_retrieval_signatures_match_torchmetrics(ours, theirs):
    assert domain_signature_differences(ours, theirs) == []
