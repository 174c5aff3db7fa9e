from __future__ import annotations

import importlib
import math
import sys

import pytest

from calipers._extras import import_extra
from calipers.exceptions import ExtraNotInstalledError, MissingDependencyError


def test_import_extra_returns_the_installed_module():
    assert import_extra("math", "base", "none", "x") is math


@pytest.mark.parametrize("blocked", [True, False])
def test_import_extra_names_the_distribution_and_extra(monkeypatch, blocked):
    module = "calipers_absent_backend_for_this_test"
    if blocked:  # installed but unimportable (sys.modules entry None), like a broken install
        module = "json"
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ExtraNotInstalledError) as info:
        import_extra(module, "audio", "pesq", "PESQ")
    err = info.value
    assert str(err) == f"PESQ needs the `{module}` package: install it with `pip install calipers-audio[pesq]`."
    assert err.name == module
    assert isinstance(err.__cause__, ImportError)
    assert isinstance(err, MissingDependencyError) and isinstance(err, ModuleNotFoundError)


def test_extra_not_installed_is_caught_like_a_failed_import():
    for caught in (ImportError, ModuleNotFoundError, MissingDependencyError, ExtraNotInstalledError):
        with pytest.raises(caught):
            import_extra("calipers_absent_backend_for_this_test", "text", "ja", "SacreBLEUScore: `tokenize` 'ja-mecab'")


@pytest.mark.parametrize("domain", ["audio", "text"])
def test_domains_reexport_the_one_base_class(domain):
    pytest.importorskip(f"calipers.functional.{domain}")
    assert importlib.import_module(f"calipers.functional.{domain}").ExtraNotInstalledError is ExtraNotInstalledError
