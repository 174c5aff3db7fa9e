from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from calipers.classification.group_fairness import BinaryFairness, BinaryGroupStatRates
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification.group_fairness import (
    binary_fairness,
    binary_groups_stat_rates,
    demographic_parity,
    equal_opportunity,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests
from calipers_testing.states import snapshot, snapshots_equal

_gen = torch.Generator().manual_seed(5)
_SIZES = (12, 5, 1, 9)


# Reference: NumPy from the definitions. Demographic parity = min / max of the groups' positive prediction rates,
# equal opportunity = min / max of their true positive rates; groups whose rate is undefined (0/0) are left out.
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _counts(preds, target, groups, num_groups, threshold, ignore_index):
    n = preds.shape[0]
    p, g = preds.reshape(n, -1), np.repeat(groups.reshape(n, 1), preds.reshape(n, -1).shape[1], axis=1)
    t = np.zeros(p.shape, dtype=np.int64) if target is None else target.reshape(n, -1)
    keep = np.ones(p.shape, dtype=bool) if (ignore_index is None or target is None) else t != ignore_index
    if p.dtype.kind == "f":
        if ((p < 0) | (p > 1)).any():
            p = _sigmoid(p)
        p = p > threshold
    p, t, g = p[keep].astype(bool), t[keep] == 1, g[keep]
    out = np.zeros((num_groups, 4))
    for k in range(num_groups):
        pk, tk = p[g == k], t[g == k]
        out[k] = [(pk & tk).sum(), (pk & ~tk).sum(), (~pk & ~tk).sum(), (~pk & tk).sum()]
    return out  # columns tp, fp, tn, fn


def _ratio(prefix, num, denom):
    defined = denom > 0
    if not defined.any():
        return {f"{prefix}_0_0": np.nan}
    rates = np.where(defined, num / np.where(defined, denom, 1), np.nan)
    low, high = int(np.nanargmin(rates)), int(np.nanargmax(rates))
    return {f"{prefix}_{low}_{high}": rates[low] / rates[high] if rates[high] > 0 else 0.0}


def _reference_fairness(task, num_groups=None, threshold=0.5, ignore_index=None):
    def ref(preds, target, groups):
        size = num_groups or int(groups.max()) + 1
        tp, fp, tn, fn = _counts(preds, target, groups, size, threshold, ignore_index).T
        out = {}
        if task in ("demographic_parity", "all"):
            out.update(_ratio("DP", tp + fp, tp + fp + tn + fn))
        if task in ("equal_opportunity", "all"):
            out.update(_ratio("EO", tp, tp + fn))
        return out

    return ref


def _reference_rates(num_groups, threshold=0.5, ignore_index=None):
    def ref(preds, target, groups):
        stats = _counts(preds, target, groups, num_groups, threshold, ignore_index)
        with np.errstate(invalid="ignore"):
            return {f"group_{k}": stats[k] / stats[k].sum() for k in range(num_groups)}

    return ref


def _batches(num_groups, logits=False, extra=(), ignore=False, no_target=False, absent=None):
    out = []
    for n in _SIZES:
        p = torch.randn(n, *extra, generator=_gen) * 2 if logits else torch.rand(n, *extra, generator=_gen)
        t = torch.randint(0, 2, (n, *extra), generator=_gen)
        g = torch.randint(0, num_groups, (n,), generator=_gen)
        if absent is not None:
            g = torch.where(g == absent, (absent + 1) % num_groups, g)  # this group never appears in a batch
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.2, -1, t)
        out.append((p, None if no_target else t, g))
    return out


# Group 1 is missing from the first batch and group 0 from the second.
_ABSENT = [
    (torch.tensor([0.9, 0.2, 0.7, 0.6]), torch.tensor([1, 0, 1, 1]), torch.tensor([0, 0, 2, 2])),
    (torch.tensor([0.1, 0.8, 0.3]), torch.tensor([1, 1, 0]), torch.tensor([1, 2, 1])),
]

_BAD = [
    BadInput((torch.rand(3), torch.tensor([0, 1, 1]), torch.tensor([0.0, 1.0, 1.0])), TypeError, "`groups` must be an"),
    BadInput(
        (torch.rand(3), torch.tensor([0, 1, 1]), torch.tensor([0, 1, 3])), ValueError, r"values must be in \[0, 2\]"
    ),
    BadInput((torch.rand(3), torch.tensor([0, 1, 1]), torch.tensor([0, 1])), ValueError, "one group id per sample"),
    BadInput((torch.rand(3), torch.tensor([0, 1, 2]), torch.tensor([0, 1, 1])), ValueError, r"`target` values must be"),
    # issue 17: a missing target (was accepted: NaN or 0 entries), NaN scores, inputs on another device (before any
    # value is read)
    BadInput((torch.rand(3), None, torch.tensor([0, 1, 1])), TypeError, "`target` must be a tensor, got NoneType"),
    BadInput((torch.tensor([0.1, float("nan"), 0.3]), torch.tensor([0, 1, 1]), torch.tensor([0, 1, 1])), ValueError,
             "`preds` must hold only non-NaN"),
    BadInput((torch.rand(3), torch.tensor([0, 1, 1]), torch.tensor([0, 1, 1], device="meta")), ValueError,
             r"`groups` must be on the (metric's )?device"),
    BadInput((torch.rand(3, device="meta"), torch.tensor([0, 1, 1]), torch.tensor([0, 1, 1])), ValueError,
             r"`preds` must be on the (metric's )?device"),
]  # fmt: skip


def _fairness_fn(task):
    def fn(preds, target, groups, **kwargs):
        kwargs = {k: v for k, v in kwargs.items() if k != "num_groups"}
        return binary_fairness(preds, target, groups, task=task, **kwargs)

    return fn


SPECS = [
    MetricSpec(
        BinaryFairness,
        _reference_fairness("all", 3),
        _batches(3),
        {"num_groups": 3},
        _fairness_fn("all"),
        {},
        bad_inputs=_BAD,
        id="fairness-all",
    ),
    MetricSpec(
        BinaryFairness,
        _reference_fairness("demographic_parity", 4, threshold=0.3),
        _batches(4, logits=True, no_target=True),
        {"num_groups": 4, "task": "demographic_parity", "threshold": 0.3},
        batch_invariant=False,  # the logits rule is applied per batch
        id="fairness-dp-logits-no-target",
    ),
    MetricSpec(
        BinaryFairness,
        _reference_fairness("equal_opportunity", 3, ignore_index=-1),
        _batches(3, extra=(2,), ignore=True),
        {"num_groups": 3, "task": "equal_opportunity", "ignore_index": -1},
        id="fairness-eo-ignore-3d",
    ),
    MetricSpec(BinaryFairness, _reference_fairness("all", 3), _ABSENT, {"num_groups": 3}, id="fairness-absent-group"),
    MetricSpec(
        BinaryFairness,
        _reference_fairness("all", 4),
        _batches(4, absent=3),
        {"num_groups": 4},
        ddp=False,
        id="fairness-never-seen-group",
    ),
    MetricSpec(
        BinaryGroupStatRates,
        _reference_rates(3),
        _batches(3),
        {"num_groups": 3},
        binary_groups_stat_rates,
        bad_inputs=_BAD,
        id="rates",
    ),
    MetricSpec(
        BinaryGroupStatRates,
        _reference_rates(3, ignore_index=-1),
        _batches(3, logits=True, ignore=True),
        {"num_groups": 3, "ignore_index": -1},
        binary_groups_stat_rates,
        batch_invariant=False,
        id="rates-logits-ignore",
    ),
    MetricSpec(BinaryGroupStatRates, _reference_rates(3), _ABSENT, {"num_groups": 3}, id="rates-absent-group"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_group_fairness_harness(spec):
    run_metric_tests(spec)


def test_functionals_match_the_reference():
    for preds, target, groups in _batches(3)[:2] + _ABSENT:
        for task in ("demographic_parity", "equal_opportunity", "all"):
            expected = _reference_fairness(task)(preds.double().numpy(), target.numpy(), groups.numpy())
            got = binary_fairness(preds, None if task == "demographic_parity" else target, groups, task=task)
            assert got.keys() == expected.keys()
            np.testing.assert_allclose([v.item() for v in got.values()], list(expected.values()), rtol=1e-6)
        ref = _reference_fairness("demographic_parity")(preds.double().numpy(), None, groups.numpy())
        assert demographic_parity(preds, groups).keys() == ref.keys()
        ref = _reference_fairness("equal_opportunity")(preds.double().numpy(), target.numpy(), groups.numpy())
        assert equal_opportunity(preds, target, groups).keys() == ref.keys()


def test_absent_group_keeps_its_id():
    # TorchMetrics renumbers the groups present in a batch; here group 2 stays group 2.
    preds, target, groups = torch.tensor([1.0, 0.0, 1.0]), torch.tensor([1, 1, 1]), torch.tensor([0, 0, 2])
    assert binary_fairness(preds, target, groups) == {"DP_0_2": torch.tensor(0.5), "EO_0_2": torch.tensor(0.5)}
    rates = binary_groups_stat_rates(preds, target, groups, num_groups=3)
    assert torch.isnan(rates["group_1"]).all()


def test_equal_opportunity_leaves_out_groups_without_positives():
    preds, target, groups = torch.tensor([1.0, 0.0, 1.0, 1.0]), torch.tensor([1, 1, 0, 0]), torch.tensor([0, 0, 1, 1])
    # group 1 has no positive target: its true positive rate is undefined, not 0 (TorchMetrics would give EO_1_0 = 0)
    assert equal_opportunity(preds, target, groups) == {"EO_0_0": torch.tensor(1.0)}


def test_no_defined_rate_is_nan():
    metric = BinaryFairness(2, task="equal_opportunity")
    metric.update(torch.tensor([0.9, 0.1]), torch.tensor([0, 0]), torch.tensor([0, 1]))
    value = metric.compute()
    assert list(value) == ["EO_0_0"] and torch.isnan(value["EO_0_0"])


def test_demographic_parity_warns_about_an_unused_target():
    preds, target, groups = torch.tensor([0.9, 0.1]), torch.tensor([0, 1]), torch.tensor([0, 1])
    metric = BinaryFairness(2, task="demographic_parity")
    with pytest.warns(CalipersUserWarning, match="BinaryFairness: the task demographic_parity does not use `target`"):
        metric.update(preds, target, groups)
    with pytest.warns(CalipersUserWarning, match="binary_fairness: the task demographic_parity does not use"):
        binary_fairness(preds, target, groups, task="demographic_parity")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metric.update(preds, None, groups)


def test_state_names():
    metric = BinaryFairness(3)
    metric.persistent(True)
    assert set(metric.state_dict()) == {"tp", "fp", "tn", "fn"}
    assert metric.tp.shape == (3,) and metric.tp.dtype == torch.long


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_groups": 1}, ValueError, "`num_groups` must be an int >= 2, got 1"),
        ({"num_groups": 2.0}, TypeError, "`num_groups` must be an int >= 2, got 2.0"),
        ({"num_groups": 2, "threshold": 1.5}, ValueError, r"`threshold` must be a float in \[0, 1\], got 1.5"),
        ({"num_groups": 2, "ignore_index": "a"}, TypeError, "`ignore_index` must be None or an int, got 'a'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match="BinaryGroupStatRates: " + match):
        BinaryGroupStatRates(**kwargs)
    with pytest.raises(error, match="BinaryFairness: " + match):
        BinaryFairness(**kwargs)


def test_bad_task():
    match = r"`task` must be one of \['all', 'demographic_parity', 'equal_opportunity'\], got 'parity'"
    with pytest.raises(ValueError, match="BinaryFairness: " + match):
        BinaryFairness(2, task="parity")
    with pytest.raises(ValueError, match="binary_fairness: " + match):
        binary_fairness(torch.rand(2), torch.tensor([0, 1]), torch.tensor([0, 1]), task="parity")
    with pytest.raises(ValueError, match=r"demographic_parity: `groups` values must be non-negative, got -1"):
        demographic_parity(torch.rand(2), torch.tensor([0, -1]))


@pytest.mark.parametrize("ignore_index", [None, -1])
def test_update_without_validation_needs_no_host_sync(ignore_index):
    # On the meta device any value-dependent host synchronisation (.item(), bool(), nonzero) raises.
    preds, target = torch.rand(8, device="meta"), torch.ones(8, dtype=torch.long, device="meta")
    groups = torch.zeros(8, dtype=torch.long, device="meta")
    for metric in (BinaryFairness(3, ignore_index=ignore_index, validate_args=False), BinaryGroupStatRates(3)):
        metric.validate_args = False
        metric.to("meta")
        metric.update(preds, target, groups)
        assert metric.tp.device.type == "meta"
    metric = BinaryFairness(3, task="demographic_parity", validate_args=False).to("meta")
    metric.update(preds, None, groups)


def test_fairness_and_rates_share_one_state_in_a_collection():
    from calipers import MetricCollection

    collection = MetricCollection({"fair": BinaryFairness(3, threshold=0.4), "rates": BinaryGroupStatRates(3, 0.4)})
    assert list(collection.compute_groups.values()) == [["fair", "rates"]]
    alone = {"fair": BinaryFairness(3, threshold=0.4), "rates": BinaryGroupStatRates(3, 0.4)}
    for preds, target, groups in _batches(3):
        collection.update(preds, target, groups)
        for metric in alone.values():
            metric.update(preds, target, groups)
    values = collection.compute()  # dict values are flattened into the collection's result
    expected = {**alone["fair"].compute(), **alone["rates"].compute()}
    assert values.keys() == expected.keys()
    for key in expected:
        torch.testing.assert_close(values[key], expected[key], equal_nan=True)
    # different thresholds or a dropped target make different states
    other = (
        BinaryFairness(3, task="demographic_parity"),
        BinaryGroupStatRates(3, 0.5),
        BinaryFairness(3, threshold=0.4),
    )
    assert len({m._state_signature() for m in (*alone.values(), *other)}) == 3


@pytest.mark.parametrize("make", [lambda: BinaryFairness(3), lambda: BinaryGroupStatRates(3)], ids=["fair", "rates"])
def test_an_empty_batch_is_a_no_op(make):
    """Issue 17: was ``RuntimeError: cannot reshape tensor of 0 elements into shape [0, -1]``."""
    metric = make()
    preds, target, groups = _batches(3)[0]
    metric.update(preds, target, groups)
    before, value = [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")], metric.compute()
    metric.update(preds[:0], target[:0], groups[:0])
    metric.update(torch.zeros(0, 2), torch.zeros(0, 2, dtype=torch.long), groups[:0])
    assert snapshots_equal(before, [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]) is None
    assert metric.compute().keys() == value.keys()


def test_a_missing_target_is_only_for_demographic_parity():
    preds, groups = torch.rand(3), torch.tensor([0, 1, 1])
    with pytest.raises(TypeError, match=r"binary_fairness: `target` must be a tensor, got NoneType"):
        binary_fairness(preds, None, groups)
    with pytest.raises(TypeError, match=r"binary_groups_stat_rates: `target` must be a tensor, got NoneType"):
        binary_groups_stat_rates(preds, None, groups, 2)
    assert [k[:3] for k in binary_fairness(preds, None, groups, task="demographic_parity")] == ["DP_"]
    metric = BinaryFairness(2, task="demographic_parity")
    metric.update(preds, None, groups)
    with pytest.raises(TypeError, match=r"BinaryFairness: `target` must be a tensor, got NoneType"):
        BinaryFairness(2, task="equal_opportunity").update(preds, None, groups)
