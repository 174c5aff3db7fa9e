from __future__ import annotations

from pathlib import Path

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


def test_domain_declarations_are_disjoint_and_discovered():
    tables = [_lazy.domain_names(ns) for ns in ("calipers", "calipers.functional")]
    names = [n for table in tables for names in table.values() for n in names]
    assert len(names) == len(set(names))
    assert "MeanSquaredError" in tables[0]["regression"]
    assert "accuracy" in tables[1]["classification"]
    assert {"classification", "regression"} <= set(tables[0])


def test_base_holds_no_domain_names():
    import calipers._lazy as lazy

    source = Path(lazy.__file__).read_text()
    for name in ("MeanSquaredError", "Accuracy", "accuracy", "RetrievalMAP", "WordErrorRate"):
        assert name not in source


def test_a_domain_adds_a_name_without_a_base_release(monkeypatch):
    declarations = _lazy._declarations()
    module = declarations["regression"]
    monkeypatch.setattr(module, "MODULE_NAMES", (*module.MODULE_NAMES, "MeanSquaredErrorAlias"))
    import calipers.regression

    monkeypatch.setattr(
        calipers.regression, "MeanSquaredErrorAlias", calipers.regression.MeanSquaredError, raising=False
    )
    assert calipers.MeanSquaredErrorAlias is calipers.regression.MeanSquaredError  # type: ignore[attr-defined]
    assert "MeanSquaredErrorAlias" in dir(calipers)


def test_missing_domain_names_the_distribution(monkeypatch):
    monkeypatch.setattr(_lazy, "_installed", lambda module: module == "calipers._domains")
    with pytest.raises(DomainNotInstalledError, match="`pip install calipers-regression`") as info:
        calipers.MeanSquaredError  # noqa: B018
    assert isinstance(info.value, ImportError)
    assert not hasattr(calipers, "_private_probe")
    with pytest.raises(DomainNotInstalledError, match="calipers-classification"):
        calipers.functional.accuracy  # noqa: B018
    if "text" in vars(calipers):  # an earlier import sets the attribute
        monkeypatch.delattr(calipers, "text")
    with pytest.raises(DomainNotInstalledError, match="'calipers-text', which is not installed"):
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
