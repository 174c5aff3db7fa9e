"""Observe what ``import calipers`` does in the interpreter running this script; write the report as JSON.

Usage: ``python -I probe_namespace.py OUT.json [MODULE ...]``: imports ``calipers`` (recording the modules and
warnings that import brings), then each MODULE in turn, then exercises the lazy namespaces. Only observes: the
tests decide what is right.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

WATCHED = (
    "scipy",
    "matplotlib",
    "sklearn",
    "numpy",
    "pandas",
    "torchmetrics",
    "torcheval",
    "lightning",
    "pytorch_lightning",
)
DOMAINS = ("audio", "classification", "regression", "retrieval", "text")
PROBE_NAMES = {  # one class and one function per domain
    "audio": ("SignalNoiseRatio", "signal_noise_ratio"),
    "classification": ("Accuracy", "accuracy"),
    "regression": ("MeanSquaredError", "mean_squared_error"),
    "retrieval": ("RetrievalMRR", "retrieval_reciprocal_rank"),
    "text": ("WordErrorRate", "word_error_rate"),
}


def _outcome(namespace: Any, name: str) -> dict[str, Any]:
    from calipers.exceptions import DomainNotInstalledError

    try:
        value = getattr(namespace, name)
    except BaseException as err:
        return {
            "raised": type(err).__name__,
            "is_import_error": isinstance(err, ImportError),
            "is_domain_not_installed": isinstance(err, DomainNotInstalledError),
            "message": str(err),
        }
    return {"raised": None, "module": getattr(value, "__module__", None), "repr": repr(value)[:200]}


def _calipers_modules() -> list[str]:
    return sorted(m for m in sys.modules if m == "calipers" or m.startswith("calipers."))


def main() -> None:
    out = sys.argv[1]
    extra_imports = sys.argv[2:]
    # torch warns on import when numpy is missing (the clean venv has none): not calipers' business
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
    import importlib
    import importlib.metadata

    import torch

    before = set(sys.modules)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import calipers
        import calipers.functional
    report: dict[str, Any] = {
        "prefix": sys.prefix,
        "calipers_file": calipers.__file__,
        "calipers_path": list(calipers.__path__),
        "version": calipers.__version__,
        "base_distribution_version": importlib.metadata.version("calipers-base"),
        "import_warnings": [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught],
        "imported_by_calipers": sorted(set(sys.modules) - before),
        "watched_after_import": [m for m in WATCHED if m in sys.modules],
        "calipers_modules_after_import": _calipers_modules(),
        "imports": {},
    }
    for module in extra_imports:
        try:
            mod = importlib.import_module(module)
        except BaseException as err:
            report["imports"][module] = {"error": f"{type(err).__name__}: {err}"}
        else:
            report["imports"][module] = {"file": mod.__file__, "all": list(getattr(mod, "__all__", []))}
    report["calipers_modules_after_extra_imports"] = _calipers_modules()

    metric = calipers.MeanMetric()
    metric.update(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    metric.update(10.0, weight=0.0)
    report["mean_metric"] = float(metric.compute())
    total = calipers.SumMetric()
    total.update(torch.arange(5.0))
    report["sum_metric"] = float(total.compute())

    report["lazy"] = {
        domain: {
            "class": _outcome(calipers, cls),
            "function": _outcome(calipers.functional, fn),
        }
        for domain, (cls, fn) in PROBE_NAMES.items()
    }
    report["unknown_name"] = _outcome(calipers, "NoSuchMetric")
    report["unknown_private_name"] = _outcome(calipers, "_no_such_name")
    report["calipers_modules_after_lazy"] = _calipers_modules()

    report["dir"] = dir(calipers)
    report["all"] = list(calipers.__all__)
    report["functional_dir"] = dir(calipers.functional)
    report["functional_all"] = list(calipers.functional.__all__)
    from calipers._lazy import domain_names

    # what the installed domains declare (calipers/_domains/<domain>.py): base itself holds no domain's names
    report["declared"] = {"classes": domain_names("calipers"), "functions": domain_names("calipers.functional")}
    report["calipers_modules_at_end"] = _calipers_modules()
    report["distributions"] = sorted(
        d.metadata["Name"] for d in importlib.metadata.distributions() if d.metadata["Name"].startswith("calipers")
    )
    with open(out, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
