from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAINS = ("audio", "classification", "regression", "retrieval", "text")
ROOT = Path(__file__).resolve().parents[1]


def _declared(domain: str) -> dict[str, tuple[str, ...]]:
    """The top-level names a domain declares in its source tree (``calipers/_domains/<domain>.py``)."""
    path = ROOT / "packages" / f"calipers-{domain}" / "src" / "calipers" / "_domains" / f"{domain}.py"
    out: dict[str, tuple[str, ...]] = {"classes": (), "functions": ()}
    if path.exists():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
                key = {"MODULE_NAMES": "classes", "FUNCTIONAL_NAMES": "functions"}.get(getattr(target, "id", ""))
                if key and node.value is not None:
                    out[key] = tuple(ast.literal_eval(node.value))
    return out


def _domain_modules(report_modules: list[str], domains=DOMAINS) -> list[str]:
    prefixes = tuple(f"calipers.{d}" for d in domains) + tuple(f"calipers.functional.{d}" for d in domains)
    return [m for m in report_modules if m.startswith(prefixes)]


def _names_of(domain: str) -> set[str]:
    declared = _declared(domain)
    return {*declared["classes"], *declared["functions"], domain}


def _assert_missing_domain(outcome: dict, domain: str, what: str) -> None:
    assert outcome["raised"] == "DomainNotInstalledError", f"{what}: {outcome}"
    assert outcome["is_import_error"], f"{what}: DomainNotInstalledError must be an ImportError"
    assert outcome["is_domain_not_installed"]
    assert f"calipers-{domain}" in outcome["message"], f"{what}: the message must name calipers-{domain}"
    assert f"pip install calipers-{domain}" in outcome["message"], outcome["message"]


# ---------------------------------------------------------------- torch + calipers-base only


@pytest.fixture(scope="module")
def base(fresh_venv):
    return fresh_venv["base"]


def test_base_is_imported_from_the_venv_not_the_tree(base):
    assert Path(base["calipers_file"]).is_relative_to(base["prefix"]), base["calipers_file"]
    assert all(Path(p).is_relative_to(base["prefix"]) for p in base["calipers_path"]), base["calipers_path"]
    assert base["distributions"] == ["calipers-base"]
    assert base["version"] == base["base_distribution_version"]


def test_base_install_is_consistent(fresh_venv):
    assert "No broken requirements found" in fresh_venv["pip_check_base"]


def test_import_calipers_is_light_and_quiet(base):
    assert base["import_warnings"] == []
    assert base["watched_after_import"] == []  # numpy is not even installed there
    assert _domain_modules(base["calipers_modules_after_import"]) == []
    assert _domain_modules(base["calipers_modules_at_end"]) == []


def test_aggregation_metrics_work_without_any_domain(base):
    assert base["mean_metric"] == pytest.approx(2.5)
    assert base["sum_metric"] == pytest.approx(10.0)


@pytest.mark.parametrize("domain", DOMAINS)
def test_missing_domain_class_raises_domain_not_installed(base, domain):
    _assert_missing_domain(base["lazy"][domain]["class"], domain, f"calipers.<{domain} class>")


@pytest.mark.parametrize("domain", DOMAINS)
def test_missing_domain_function_raises_domain_not_installed(base, domain):
    _assert_missing_domain(base["lazy"][domain]["function"], domain, f"calipers.functional.<{domain} function>")


def test_unknown_name_names_every_missing_domain(base):
    # base knows no domain's names: a name it does not define may come from any domain that is not installed
    outcome = base["unknown_name"]
    assert outcome["raised"] == "DomainNotInstalledError", outcome
    for domain in DOMAINS:
        assert f"pip install calipers-{domain}" in outcome["message"], outcome
    assert base["unknown_private_name"]["raised"] == "AttributeError"  # hasattr probes by tools stay harmless
    assert not base["unknown_private_name"]["is_import_error"]


def test_base_declares_no_domain_names(base):
    assert base["declared"] == {"classes": {}, "functions": {}}


def test_namespace_lists_no_domain_name(base):
    every_domain = set().union(*(_names_of(d) for d in DOMAINS))
    for key in ("dir", "all", "functional_dir", "functional_all"):
        assert not every_domain & set(base[key]), f"{key} lists {sorted(every_domain & set(base[key]))}"
    assert {"MeanMetric", "SumMetric", "CatMetric", "MaxMetric", "Metric"} <= set(base["all"])
    assert set(base["all"]) <= set(base["dir"])


# ---------------------------------------------------------------- + calipers-regression


@pytest.fixture(scope="module")
def regression(fresh_venv):
    return fresh_venv["regression"]


def test_regression_install_is_consistent(fresh_venv, regression):
    assert "No broken requirements found" in fresh_venv["pip_check_regression"]
    assert regression["distributions"] == ["calipers-base", "calipers-regression"]


@pytest.mark.parametrize("module", ["calipers.regression", "calipers.functional.regression"])
def test_regression_modules_import_from_the_venv(regression, module):
    imported = regression["imports"][module]
    assert "error" not in imported, imported
    assert Path(imported["file"]).is_relative_to(regression["prefix"])


def test_importing_regression_imports_no_other_domain(regression):
    others = [d for d in DOMAINS if d != "regression"]
    assert _domain_modules(regression["calipers_modules_after_extra_imports"], others) == []
    assert _domain_modules(regression["calipers_modules_at_end"], others) == []


def test_regression_names_no_longer_ask_for_an_install(regression):
    for kind in ("class", "function"):
        outcome = regression["lazy"]["regression"][kind]
        assert outcome["raised"] is None, outcome
        assert outcome["module"].startswith(("calipers.regression", "calipers.functional.regression")), outcome


def test_the_installed_domain_declares_its_own_names(regression):
    # the regression wheel alone brings its top-level names: base was not released with them
    declared = _declared("regression")
    assert regression["declared"] == {
        "classes": {"regression": list(declared["classes"])},
        "functions": {"regression": list(declared["functions"])},
    }
    assert set(declared["classes"]) <= set(regression["all"])
    assert set(declared["functions"]) <= set(regression["functional_all"])


@pytest.mark.parametrize("domain", [d for d in DOMAINS if d != "regression"])
def test_other_domains_still_missing(regression, domain):
    _assert_missing_domain(regression["lazy"][domain]["class"], domain, f"calipers.<{domain} class>")
    _assert_missing_domain(regression["lazy"][domain]["function"], domain, f"calipers.functional.<{domain} function>")


def test_namespace_lists_only_installed_domain_names(regression):
    absent = set().union(*(_names_of(d) for d in DOMAINS if d != "regression"))
    exported = set(regression["imports"]["calipers.regression"]["all"])
    exported_fn = set(regression["imports"]["calipers.functional.regression"]["all"])
    for key in ("dir", "all"):
        assert not absent & set(regression[key]), f"{key} lists {sorted(absent & set(regression[key]))}"
        assert exported & set(_declared("regression")["classes"]) <= set(regression[key])
    for key in ("functional_dir", "functional_all"):
        assert not absent & set(regression[key]), f"{key} lists {sorted(absent & set(regression[key]))}"
        assert exported_fn & set(_declared("regression")["functions"]) <= set(regression[key])


# ---------------------------------------------------------------- calipers-regression uninstalled again


def test_uninstalling_a_domain_keeps_the_base_namespace(fresh_venv):
    files = fresh_venv["base_files_after_uninstall"]
    assert files == {
        "__init__.py": True,
        "functional/__init__.py": True,
        "regression": False,
        "functional/regression": False,
    }
    after = fresh_venv["uninstalled"]
    assert after["distributions"] == ["calipers-base"]
    assert after["mean_metric"] == pytest.approx(2.5)
    _assert_missing_domain(after["lazy"]["regression"]["class"], "regression", "calipers.MeanSquaredError")
    _assert_missing_domain(after["lazy"]["regression"]["function"], "regression", "calipers.functional.mse")
