from __future__ import annotations

import pytest

import calipers
import calipers.functional
from calipers import _lazy
from calipers.exceptions import DomainNotInstalledError


def test_version_and_eager_names():
    assert calipers.__version__ == "0.1.0"
    assert {"Metric", "MeanMetric", "SumMetric", "CatMetric", "RunningMean"} <= set(calipers.__all__)
    assert calipers.__all__ == sorted(calipers.__all__)


def test_submodules_resolve_lazily():
    assert calipers.aggregation.MeanMetric is calipers.MeanMetric
    assert calipers.wrappers.Running.__name__ == "Running"


def test_domain_tables_match_torchmetrics_names_and_are_disjoint():
    names = [n for table in (_lazy.MODULE_NAMES, _lazy.FUNCTIONAL_NAMES) for ns in table.values() for n in ns]
    assert len(names) == len(set(names))
    assert "MeanSquaredError" in _lazy.MODULE_NAMES["regression"]
    assert "accuracy" in _lazy.FUNCTIONAL_NAMES["classification"]


def test_missing_domain_names_the_distribution(monkeypatch):
    monkeypatch.setattr(_lazy, "_installed", lambda module: False)
    with pytest.raises(DomainNotInstalledError, match="'calipers-regression', which is not installed") as info:
        calipers.MeanSquaredError  # noqa: B018
    assert isinstance(info.value, ImportError)
    with pytest.raises(DomainNotInstalledError, match="calipers-classification"):
        calipers.functional.accuracy  # noqa: B018
    monkeypatch.delattr(calipers, "text", raising=False)  # an earlier import sets the attribute
    with pytest.raises(DomainNotInstalledError, match="calipers-text"):
        calipers.text  # noqa: B018
    assert "MeanSquaredError" not in dir(calipers)
    assert "accuracy" not in calipers.functional.__all__


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        calipers.Nope  # noqa: B018
    assert not hasattr(calipers.functional, "nope")


def test_editable_namespace_sees_every_domain():
    paths = " ".join(calipers.__path__)
    for domain in ("classification", "regression", "retrieval", "audio", "text"):
        assert f"calipers-{domain}" in paths
