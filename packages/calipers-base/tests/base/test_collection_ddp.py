"""MetricCollection, wrappers and MetricTracker on 2 gloo ranks: one batched sync, NumPy references."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers_testing import assert_close
from calipers_testing._collection_tasks import (
    collection_case,
    composed_case,
    detached_case,
    rank_batches,
    ten_metric_collection,
    tracker_case,
)
from calipers_testing.pool import get_pool


def _expected(scenario):
    """Every member's value from both ranks' batches (rank order), with NumPy."""
    batches = [b for rank in range(2) for b in rank_batches(rank, scenario)]
    col = {k: np.concatenate([b[k].double().numpy() for b in batches]) for k in batches[0]}
    value, preds, target = col["value"], col["preds"], col["target"]
    labels = col["labels"].astype(np.int64)
    per_class = np.bincount(labels, weights=col["values"], minlength=3) / np.bincount(labels, minlength=3)
    return {
        "val/sum": value.sum(),
        "val/mean": np.average(value, weights=col["weight"]),
        "val/max": value.max(),
        "val/min": value.min(),
        "val/cat": value,
        "val/mad": np.mean(np.abs(preds - target)),
        "val/sad": np.sum(np.abs(preds - target)),
        "val/scaled": np.mean(np.abs(2 * preds - 2 * target)),
        "val/classwise_perclassmean_a": per_class[0],
        "val/classwise_perclassmean_b": per_class[1],
        "val/classwise_perclassmean_c": per_class[2],
    }, value


@pytest.mark.parametrize("mode", ["update", "forward"])
@pytest.mark.parametrize("scenario", ["uneven", "empty_rank"])
def test_ten_metric_collection_syncs_once_with_at_most_three_collectives(scenario, mode):
    results = get_pool().run(collection_case, [(scenario, mode), (scenario, mode)])
    expected, values = _expected(scenario)
    for rank, res in enumerate(results):
        got = res["value"]
        # "mean" is both a member and a key of the bootstrap's dict: dict keys get their member's name (TorchMetrics'
        # rule), so the classwise keys become "classwise_perclassmean_a"...
        assert set(got) == set(expected) | {"val/boot_mean", "val/boot_std"}
        for key, want in expected.items():
            assert_close(got[key], want, atol=1e-5, rtol=1e-5, what=f"rank {rank} {key}")
        assert values.min() <= float(got["val/boot_mean"]) <= values.max()
        assert res["collectives"] <= 3, res["names"]
        assert "barrier" not in res["names"]
        assert res["restored"], "compute did not restore the local states"
        assert res["groups"][3] == ["mad", "sad"]
        assert res["second_collectives"] <= 3
        assert_close(res["second"], got, atol=0, rtol=0, what="second compute")
    assert_close(results[0]["value"], results[1]["value"], atol=0, rtol=0, what="ranks agree")
    if mode == "forward":  # batch values are local: those of one process fed the same batches (issue 11)
        for rank, res in enumerate(results):
            alone = ten_metric_collection()
            batches = rank_batches(rank, scenario)
            assert len(res["batch_values"]) == len(batches)
            for i, batch in enumerate(batches):
                want = {k: v for k, v in alone(**batch).items() if not k.startswith("val/boot")}
                got = {k: v for k, v in res["batch_values"][i].items() if not k.startswith("val/boot")}
                assert_close(got, want, atol=1e-6, rtol=1e-6, what=f"rank {rank} forward batch {i}")


def test_tracker_compute_all_syncs_every_step_in_one_batch():
    results = get_pool().run(tracker_case, [(3,), (3,)])
    sums, maxes = [], []
    for step in range(3):
        data = [np.arange(3.0) + 10 * step + rank for rank in range(2) if rank == 0 or step % 2 == 0]
        sums.append(np.concatenate(data).sum())
        maxes.append(np.concatenate(data).max())
    for res in results:
        assert_close(res["value"], {"SumMetric": np.array(sums), "MaxMetric": np.array(maxes)}, 1e-6, 1e-6)
        assert res["collectives"] <= 3
        assert res["best"] == ({"SumMetric": max(sums), "MaxMetric": max(maxes)}, {"SumMetric": 2, "MaxMetric": 2})


def test_collection_key_set_in_ddp_is_the_single_process_one():
    collection = ten_metric_collection()
    for batch in rank_batches(0, "uneven"):
        collection.update(**batch)
    results = get_pool().run(collection_case, [("uneven", "update"), ("uneven", "update")])
    assert set(collection.compute()) == set(results[0]["value"])
    assert isinstance(results[0]["value"]["val/cat"], torch.Tensor)


def test_arithmetic_and_step_synced_groups_in_a_collection():
    results = get_pool().run(composed_case, [(), ()])
    data = []
    for rank in range(2):
        gen = torch.Generator().manual_seed(700 + rank)
        data.append([tuple(torch.randn(3 + rank, generator=gen).double().numpy() for _ in range(3)) for _ in range(2)])
    x = np.concatenate([b[0] for rank in data for b in rank])
    p = np.concatenate([b[1] for rank in data for b in rank])
    t = np.concatenate([b[2] for rank in data for b in rank])
    for res in results:
        assert res["groups"] == {0: ["mad", "sad"], 1: ["minmax"], 2: ["ratio"], 3: ["twice"]}
        assert res["total_updates"] == 2  # the shared operand saw each batch once
        value = res["value"]
        assert_close(value["ratio"], x.sum() / x.mean(), 1e-5, 1e-5)
        assert_close(value["twice"], 2 * x.sum(), 1e-5, 1e-5)
        assert_close(value["raw"], x.max() - x.min(), 1e-5, 1e-5)
        assert_close(value["mad"], np.mean(np.abs(p - t)), 1e-5, 1e-5)
        assert res["collectives"] <= 3
        for i, batch in enumerate(res["batch_values"]):  # dist_sync_on_step: batch values over both ranks
            bp = np.concatenate([data[r][i][1] for r in range(2)])
            bt = np.concatenate([data[r][i][2] for r in range(2)])
            assert_close(batch["mad"], np.mean(np.abs(bp - bt)), 1e-5, 1e-5)
            assert_close(batch["sad"], np.sum(np.abs(bp - bt)), 1e-5, 1e-5)


def test_a_member_looked_at_on_one_rank_only_does_not_break_the_sync():
    results = get_pool().run(detached_case, [(), ()])
    p, t = [], []
    for rank in range(2):
        gen = torch.Generator().manual_seed(900 + rank)
        p.append(torch.randn(4 + rank, generator=gen).double().numpy())
        t.append(torch.randn(4 + rank, generator=gen).double().numpy())
    diff = np.abs(np.concatenate(p) - np.concatenate(t))
    expected = {"mad": diff.mean(), "sad": diff.sum()}
    for res in results:
        assert_close(res["values"], {"wrapped": {"task": expected}, "alone": expected}, 1e-5, 1e-5)
        assert res["collectives"] <= 6  # one batched sync for the wrapper, one for the collection
