from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

import calipers

SCRIPT = Path(__file__).resolve().parent / "scripts" / "ddp_aggregation.py"
METRICS = ("mean", "sum", "max", "cat", "cat_rows")


def _load_script():
    spec = importlib.util.spec_from_file_location("calipers_integration_ddp_aggregation", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tensor(encoded: dict) -> torch.Tensor:
    dtype = getattr(torch, encoded["dtype"].removeprefix("torch."))
    return torch.tensor(encoded["values"], dtype=dtype).reshape(encoded["shape"])


def _reference(name: str) -> torch.Tensor:
    script = _load_script()
    metric = script.make(name)
    for rank in range(2):
        for args in script.rank_batches(rank)[name]:
            metric.update(*args)
    return metric.compute()


def _close(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    return actual.shape == expected.shape and actual.dtype == expected.dtype and torch.allclose(actual, expected)


def test_torchrun_world_of_two(ddp_run):
    assert [(r["rank"], r["world"]) for r in ddp_run["ranks"]] == [(0, 2), (1, 2)]


@pytest.mark.parametrize("name", METRICS)
def test_every_rank_gets_the_single_process_result(ddp_run, name):
    expected = _reference(name)
    for report in ddp_run["ranks"]:
        seen = report["metrics"][name]
        assert _close(_tensor(seen["expected"]), expected), "the ranks' own reference differs from this process'"
        for key in ("distributed", "distributed_again"):
            assert _close(_tensor(seen[key]), expected), f"rank {report['rank']} {key}: {seen[key]} != {expected}"


@pytest.mark.parametrize("name", METRICS)
def test_compute_restores_the_local_states(ddp_run, name):
    for report in ddp_run["ranks"]:
        assert report["metrics"][name]["local_states_restored"], f"rank {report['rank']}"


def test_the_uneven_data_really_differs_per_rank(ddp_run):
    # guards the test data: each rank alone must give another value than the whole world
    for name in ("mean", "sum", "cat_rows"):
        locals_ = [_tensor(r["metrics"][name]["local_only"]) for r in ddp_run["ranks"]]
        assert not any(_close(v, _reference(name)) for v in locals_), name
    rank1_cat = _tensor(ddp_run["ranks"][1]["metrics"]["cat"]["local_only"])
    assert rank1_cat.numel() == 0, "rank 1 must have no data at all for CatMetric"


@pytest.mark.parametrize("name", METRICS)
def test_resume_from_local_checkpoints_then_sync(ddp_run, name):
    expected = _reference(name)
    for report in ddp_run["ranks"]:
        assert _close(_tensor(report["metrics"][name]["resumed_local"]), expected), f"rank {report['rank']}"


@pytest.mark.parametrize("name", METRICS)
def test_resume_from_rank0_global_checkpoint(ddp_run, name):
    expected = _reference(name)
    for report in ddp_run["ranks"]:
        assert _close(_tensor(report["metrics"][name]["resumed_global"]), expected), f"rank {report['rank']}"
    # and in this (non-distributed) process: a fresh metric resumes from rank 0's file
    state = torch.load(Path(ddp_run["folder"]) / f"global_state_{name}.pt", weights_only=True)
    metric = _load_script().make(name)
    metric.load_state_dict(state)
    assert _close(metric.compute(), expected)
    assert isinstance(metric, calipers.Metric)
