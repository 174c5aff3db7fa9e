"""The registry of metric specs: every test module of every package may declare ``SPECS = [MetricSpec(...), ...]``.

:func:`collect_specs` loads those modules and returns their specs; the property tests (batch-split and order
invariance) and the meta-test (every public metric of an installed distribution has a spec) run over it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import Tensor

from calipers_testing.checks import _close
from calipers_testing.spec import MetricSpec, cat_batches

__all__ = ["check_batch_split_invariance", "check_order_invariance", "collect_specs", "repo_root"]


def repo_root() -> Path:
    """The repository root (the folder holding ``packages/``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "packages").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    raise RuntimeError("calipers_testing: cannot find the repository root above " + str(here))


def _spec_modules() -> Iterator[Path]:
    root = repo_root()
    yield from sorted(root.glob("packages/*/tests/**/test_*.py"))


def collect_specs() -> list[MetricSpec]:
    """Every ``SPECS`` entry of every package test module (the modules are loaded under private names)."""
    specs: list[MetricSpec] = []
    for path in _spec_modules():
        text = path.read_text(encoding="utf-8")
        if "SPECS" not in text:
            continue
        name = "_calipers_specs_" + "_".join(path.relative_to(repo_root()).with_suffix("").parts).replace("-", "_")
        module = sys.modules.get(name)
        if module is None:
            loader_spec = importlib.util.spec_from_file_location(name, path)
            assert loader_spec is not None and loader_spec.loader is not None
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
        specs.extend(getattr(module, "SPECS", []))
    return specs


def _rows(batches: list[tuple[object, ...]]) -> tuple[object, ...]:
    return cat_batches(batches)


def _samples(data: tuple[object, ...]) -> int:
    """The number of samples: the rows of the first tensor, else the items of the first list (text inputs)."""
    for x in data:
        if isinstance(x, Tensor):
            return int(x.shape[0])
    for x in data:
        if isinstance(x, (list, tuple)):
            return len(x)
    raise ValueError("registry: a spec's batches must hold a tensor or a list of samples.")


def _split(data: tuple[object, ...], sizes: list[int]) -> list[tuple[object, ...]]:
    out = []
    start = 0
    for size in sizes:
        out.append(tuple(x[start : start + size] if isinstance(x, (Tensor, list, tuple)) else x for x in data))
        start += size
    return out


def _permute(x: object, perm: Tensor) -> object:
    if isinstance(x, Tensor):
        return x[perm]
    if isinstance(x, (list, tuple)):
        return [x[i] for i in perm.tolist()]
    return x


def _compute(spec: MetricSpec, batches: list[tuple[object, ...]]) -> object:
    metric = spec.make()
    for batch in batches:
        metric.update(*batch)
    return metric.compute()


def check_batch_split_invariance(spec: MetricSpec) -> None:
    """The same samples split into 1 batch, or batches of 1 and of uneven sizes, give the same value."""
    if not spec.batch_invariant:
        return
    data = _rows(list(spec.batches))
    n = _samples(data)
    reference = _compute(spec, list(spec.batches))
    gen = torch.Generator().manual_seed(0)
    cuts = sorted(torch.randperm(max(n - 1, 1), generator=gen)[: min(3, max(n - 1, 0))].add(1).tolist())
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    for layout in ([n], [1] * n, sizes):
        _close("batch_split_invariance", spec, _compute(spec, _split(data, layout)), reference, f"split {layout}")


def check_order_invariance(spec: MetricSpec) -> None:
    """Shuffling the samples (the same permutation for every input) does not change the value."""
    if not spec.order_invariant:
        return
    data = _rows(list(spec.batches))
    n = _samples(data)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(1))
    shuffled = tuple(_permute(x, perm) for x in data)
    reference = _compute(spec, list(spec.batches))
    _close("order_invariance", spec, _compute(spec, [shuffled]), reference, "shuffled samples")
