"""Every public class and function of TorchMetrics' text domain exists in calipers with TorchMetrics' signature."""

from __future__ import annotations

import warnings

import pytest

import calipers.functional.text
import calipers.text
from calipers_testing.api_parity import domain_signature_differences

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import torchmetrics.functional.text as tm_functional
    import torchmetrics.text as tm_modules


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(calipers.text, tm_modules), (calipers.functional.text, tm_functional)],
    ids=["classes", "functional"],
)
def test_text_signatures_match_torchmetrics(ours, theirs):
    assert domain_signature_differences(ours, theirs) == []
