from __future__ import annotations

import pytest

DOMAINS = ("audio", "classification", "regression", "retrieval", "text")
HEAVY = ("scipy", "matplotlib", "sklearn", "pandas", "torchmetrics", "torcheval", "lightning", "pytorch_lightning")


def _domain_modules(modules: list[str], domains=DOMAINS) -> list[str]:
    prefixes = tuple(f"calipers.{d}" for d in domains) + tuple(f"calipers.functional.{d}" for d in domains)
    return [m for m in modules if m.startswith(prefixes)]


def test_dev_env_has_the_heavy_packages_installed(dev_env_probe):
    # the dev env is where the lightness checks below mean something: everything they watch is importable there
    assert set(dev_env_probe["distributions"]) >= {f"calipers-{d}" for d in DOMAINS} | {"calipers-base"}
    for module in DOMAINS:
        assert "error" not in dev_env_probe["imports"][f"calipers.{module}"], dev_env_probe["imports"]


def test_import_calipers_imports_no_heavy_package_and_no_domain(dev_env_probe):
    assert [m for m in HEAVY if m in dev_env_probe["watched_after_import"]] == []
    assert _domain_modules(dev_env_probe["calipers_modules_after_import"]) == []
    assert dev_env_probe["import_warnings"] == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_imports_no_sibling(dev_env_domain_probes, domain):
    report = dev_env_domain_probes[domain]
    for module in (f"calipers.{domain}", f"calipers.functional.{domain}"):
        assert "error" not in report["imports"][module], report["imports"][module]
    siblings = [d for d in DOMAINS if d != domain]
    assert _domain_modules(report["calipers_modules_after_extra_imports"], siblings) == []
