from __future__ import annotations

import importlib
import inspect

import pytest
import torch
import torch.nn.functional as F
import torchmetrics.functional.text as tmf
import torchmetrics.text as tmt

from calipers.functional.text import perplexity
from calipers.text import Perplexity
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(1504)
_VOCAB, _SEQ = 11, 6
_SIZES = [3, 1, 4, 2, 5]


def _batches(sizes, ignore=None):
    out = []
    for n in sizes:
        logits = 3 * torch.randn(n, _SEQ, _VOCAB, generator=_gen)
        target = torch.randint(0, _VOCAB, (n, _SEQ), generator=_gen)
        if ignore is not None:
            target[torch.rand(n, _SEQ, generator=_gen) < 0.3] = ignore
        out.append((logits, target))
    return out


# Reference: torch.nn.functional.cross_entropy in float64 on the concatenated batches.
def _reference(ignore_index=None):
    def reference(preds, target):
        logits = torch.from_numpy(preds).double().reshape(-1, preds.shape[-1])
        labels = torch.from_numpy(target).long().reshape(-1)
        skip = -100 if ignore_index is None else ignore_index
        return torch.exp(F.cross_entropy(logits, labels, ignore_index=skip)).item()

    return reference


_BAD = [
    BadInput((torch.randn(2, _VOCAB), torch.zeros(2, dtype=torch.long)), ValueError, r"`preds` must have 3 dimension"),
    BadInput(
        (torch.randn(2, 3, _VOCAB), torch.zeros(2, 4, dtype=torch.long)),
        ValueError,
        r"`target` must have the same shape as `preds\[\.\.\., 0\]` \(2, 3\), got \(2, 4\)",
    ),
    BadInput((torch.randn(2, 3, _VOCAB), torch.zeros(2, 3)), TypeError, "`target` must be an integer tensor"),
    BadInput(
        (torch.zeros(2, 3, _VOCAB, dtype=torch.long), torch.zeros(2, 3, dtype=torch.long)),
        TypeError,
        "`preds` must be a floating-point tensor",
    ),
    BadInput(
        (torch.randn(1, 2, _VOCAB), torch.tensor([[0, _VOCAB]])), ValueError, r"`target` values must be in \[0, 10\]"
    ),
]

SPECS = [
    MetricSpec(Perplexity, _reference(), _batches(_SIZES), functional=perplexity, bad_inputs=_BAD, id="ppl"),
    MetricSpec(
        Perplexity,
        _reference(-100),
        _batches(_SIZES, -100),
        metric_args={"ignore_index": -100},
        functional=perplexity,
        id="ppl-ignore-100",
    ),
    MetricSpec(
        Perplexity,
        _reference(0),
        _batches(_SIZES),
        metric_args={"ignore_index": 0},
        functional=perplexity,
        id="ppl-ignore-0",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_perplexity_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("ignore_index", [None, -100, 3])
def test_perplexity_matches_torchmetrics(ignore_index):
    ours, theirs = Perplexity(ignore_index), tmt.Perplexity(ignore_index)
    for preds, target in _batches([2, 3], ignore_index):
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(perplexity(preds, target, ignore_index), tmf.perplexity(preds, target, ignore_index))
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_perplexity_far_below_logit_is_finite():
    # A target token 110 logits below the others: softmax underflows to 0 in float32, log gives inf (TorchMetrics).
    logits = torch.zeros(1, 2, 4)
    logits[0, 0, 1] = 110.0
    target = torch.tensor([[0, 2]])
    exact = _reference()(logits.numpy(), target.numpy())
    assert torch.isinf(tmf.perplexity(logits, target))
    assert torch.isfinite(perplexity(logits, target))
    assert perplexity(logits, target).item() == pytest.approx(exact, rel=1e-5)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_perplexity_half_logits_are_upcast_in_chunks(dtype):
    # Half-precision logits take the chunked path (extra memory within the logits' size): several chunks here.
    logits = (4 * torch.randn(8, 16, 50, generator=_gen)).to(dtype)
    target = torch.randint(0, 50, (8, 16), generator=_gen)
    target[0, :5] = -100
    exact = _reference(-100)(logits.double().numpy(), target.numpy())
    value = perplexity(logits, target, ignore_index=-100)
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(exact, rel=1e-5)
    metric = Perplexity(ignore_index=-100)
    metric.update(logits[:3], target[:3])
    metric.update(logits[3:], target[3:])
    assert metric.compute().item() == pytest.approx(exact, rel=1e-5)


def test_perplexity_targets_outside_the_vocabulary():
    logits = torch.randn(1, 2, _VOCAB)
    with pytest.raises(ValueError, match=r"perplexity: `target` values must be in \[0, 10\], got -100"):
        perplexity(logits, torch.tensor([[0, -100]]))  # -100 is not ignored unless asked
    with pytest.raises(ValueError, match=r"Perplexity: `target` values must be in \[0, 10\] or ignore_index=-1"):
        Perplexity(ignore_index=-1).update(logits, torch.tensor([[0, 11]]))
    # validate_args=False skips the value check (one host synchronisation) but still checks types and shapes
    assert torch.isfinite(perplexity(logits, torch.tensor([[0, 1]]), validate_args=False))
    with pytest.raises(TypeError, match=r"Perplexity: `ignore_index` must be None or an int, got 1\.0"):
        Perplexity(ignore_index=1.0)
    with pytest.raises(TypeError, match="Perplexity: `validate_args` must be a bool, got 1"):
        Perplexity(validate_args=1)


def test_perplexity_empty_batch_and_no_counted_token():
    metric = Perplexity(ignore_index=-100)
    metric.update(torch.randn(0, 4, _VOCAB), torch.zeros(0, 4, dtype=torch.long))
    assert metric.count.item() == 0
    assert torch.isnan(metric.compute())
    assert torch.isnan(perplexity(torch.randn(1, 2, _VOCAB), torch.full((1, 2), -100), ignore_index=-100))
    nan_logits = torch.randn(1, 2, _VOCAB)
    nan_logits[0, 0, 0] = float("nan")
    assert torch.isnan(perplexity(nan_logits, torch.tensor([[1, 2]])))  # NaN logits propagate


def test_perplexity_states_and_gradient():
    metric = Perplexity()
    assert metric.total_log_probs.dtype == torch.float64 and metric.count.dtype == torch.int64
    logits = torch.randn(2, 3, _VOCAB, requires_grad=True)
    value = perplexity(logits, torch.randint(0, _VOCAB, (2, 3), generator=_gen))
    value.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize(("dtype", "chunks"), [(torch.float32, 1), (torch.float64, 1), (torch.bfloat16, 4)])
def test_perplexity_extra_memory_stays_within_the_logits(monkeypatch, dtype, chunks):
    module = importlib.import_module("calipers.functional.text.perplexity")  # the attribute is the function

    seen = []
    real = module.F.cross_entropy

    def spy(chunk, *args, **kwargs):
        seen.append((chunk.shape[0], chunk.dtype))
        return real(chunk, *args, **kwargs)

    monkeypatch.setattr(module.F, "cross_entropy", spy)
    logits = torch.randn(4, 8, 20, generator=_gen).to(dtype)
    perplexity(logits, torch.randint(0, 20, (4, 8), generator=_gen))
    assert len(seen) == chunks
    rows, work = max(seen)
    upcast = 1 if work == dtype else 2  # the upcast copy of a chunk lives next to its log-softmax
    assert rows * 20 * work.itemsize * upcast <= logits.numel() * logits.element_size()


def _tm_signature_matches(ours, theirs):
    """Same parameter names, kinds and defaults as TorchMetrics (calipers' keyword-only additions left out)."""
    import inspect

    mine = [p for p in inspect.signature(ours).parameters.values() if p.name != "validate_args"]
    return [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def test_perplexity_signatures_match_torchmetrics():
    assert _tm_signature_matches(perplexity, tmf.perplexity)
    params = list(inspect.signature(Perplexity.__init__).parameters.values())
    assert [p.name for p in params] == ["self", "ignore_index", "validate_args", "kwargs"]
    assert params[2].kind is inspect.Parameter.KEYWORD_ONLY
    tm_params = list(inspect.signature(tmt.Perplexity.__init__).parameters.values())
    assert [(p.name, p.default) for p in tm_params] == [
        (p.name, p.default) for p in params if p.name != "validate_args"
    ]
