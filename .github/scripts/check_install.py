"""Check an installation of calipers: which domains are importable, and that the others fail cleanly.

    python check_install.py --domains classification            # base + classification only
    python check_install.py --domains all --from-site-packages  # the meta-package, installed from wheels

For every installed domain, every module of ``calipers.<domain>`` and ``calipers.functional.<domain>`` must import
(with only ``calipers-base`` beside it: no domain may import a sibling) and ship ``py.typed``. For every other
domain, ``calipers.<domain>`` must not be importable, ``calipers.__all__`` must not list its names, and a
top-level name it provides must raise an ``ImportError`` naming the distribution to install.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

DOMAINS = ("audio", "classification", "regression", "retrieval", "text")


def _import_tree(package: str) -> list[str]:
    module = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
        importlib.import_module(info.name)
        names.append(info.name)
    for folder in module.__path__:
        if not (Path(folder) / "py.typed").is_file():
            raise AssertionError(f"{folder} has no py.typed")
    return names


def main() -> int:
    """Run the checks; raise ``AssertionError`` on the first failure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", nargs="*", default=[], help="the installed domains, or 'all'")
    parser.add_argument("--from-site-packages", action="store_true", help="calipers must not come from a source tree")
    args = parser.parse_args()
    installed = set(DOMAINS) if args.domains == ["all"] else set(args.domains)
    unknown = installed - set(DOMAINS)
    if unknown:
        parser.error(f"unknown domains {sorted(unknown)}")

    import torch

    import calipers
    from calipers import MeanMetric
    from calipers._lazy import FUNCTIONAL_NAMES, MODULE_NAMES

    where = Path(calipers.__file__).resolve()
    print(f"calipers {calipers.__version__} from {where.parent}")
    if args.from_site_packages and "site-packages" not in where.parts:
        raise AssertionError(f"calipers was imported from {where}, not from an installed wheel")

    metric = MeanMetric()
    metric.update(torch.tensor([1.0, 2.0]))
    assert float(metric.compute()) == 1.5, "MeanMetric smoke test failed"

    exported = set(calipers.__all__)
    for domain in DOMAINS:
        if domain in installed:
            modules = _import_tree(f"calipers.{domain}") + _import_tree(f"calipers.functional.{domain}")
            print(f"{domain}: installed, {len(modules)} modules import")
            continue
        for package in (f"calipers.{domain}", f"calipers.functional.{domain}"):
            if importlib.util.find_spec(package) is not None:
                raise AssertionError(f"{package} is importable but calipers-{domain} should not be installed")
        leaked = exported & set(MODULE_NAMES[domain])
        if leaked:
            raise AssertionError(f"calipers.__all__ lists names of calipers-{domain}: {sorted(leaked)}")
        functional = importlib.import_module("calipers.functional")
        for namespace, table in ((calipers, MODULE_NAMES), (functional, FUNCTIONAL_NAMES)):
            name = f"{namespace.__name__}.{table[domain][0]}"
            try:
                getattr(namespace, table[domain][0])
            except ImportError as err:
                if f"calipers-{domain}" not in str(err):
                    raise AssertionError(f"{name}: the error does not name calipers-{domain}: {err}") from err
            else:
                raise AssertionError(f"{name} resolved without calipers-{domain} installed")
        print(f"{domain}: not installed, fails cleanly")
    print("install check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
