"""The signature-parity helper finds each kind of difference (so the domain parity tests can fail)."""

from __future__ import annotations

from types import SimpleNamespace

from calipers_testing.api_parity import domain_signature_differences, signature_differences


def _tm_fn(preds, target, beta=1.0, reduction="mean"):  # the TorchMetrics side
    return preds


class _TmMetric:
    def __init__(self, num_classes, average="macro", **kwargs):
        pass

    def update(self, preds, target):
        pass


def test_signature_differences_finds_each_kind_of_difference():
    theirs = SimpleNamespace(__name__="tm", fn=_tm_fn, Metric=_TmMetric)

    def same(preds, target, beta=1.0, reduction="mean", *, extra_option=None):  # an added keyword-only option
        return preds

    class Same:
        def __init__(self, num_classes, average="macro", *, zero_division=0, **kwargs):
            pass

        def update(self, preds, target):
            pass

    ours = SimpleNamespace(__name__="cal", fn=same, Metric=Same)
    assert signature_differences(ours, theirs, ["fn", "Metric"]) == []

    def other_default(preds, target, beta=2.0, reduction="mean"):
        return preds

    def other_order(preds, target, reduction="mean", beta=1.0):
        return preds

    def positional_extra(preds, target, beta=1.0, reduction="mean", extra=None):
        return preds

    class OtherUpdate(Same):
        def update(self, preds, target, indexes):
            pass

    for fn in (other_default, other_order, positional_extra):
        (line,) = signature_differences(SimpleNamespace(__name__="cal", fn=fn), theirs, ["fn"])
        assert line.startswith("fn: calipers")
    (line,) = signature_differences(SimpleNamespace(__name__="cal", Metric=OtherUpdate), theirs, ["Metric"])
    assert line.startswith("Metric.update: calipers")
    assert signature_differences(SimpleNamespace(__name__="cal"), theirs, ["fn"]) == ["cal.fn is missing"]


def test_domain_signature_differences_skips_model_backed_names_and_refuses_a_near_empty_namespace():
    theirs = SimpleNamespace(__name__="tm", __all__=["fn", "Metric", "other", "BERTScore"], fn=_tm_fn, Metric=_TmMetric)
    theirs.other = _tm_fn
    ours = SimpleNamespace(__name__="cal", fn=_tm_fn, Metric=_TmMetric, other=_tm_fn)
    assert domain_signature_differences(ours, theirs) == []  # BERTScore (model-backed) is not asked for
    (line,) = domain_signature_differences(ours, SimpleNamespace(__name__="tm", __all__=["fn"], fn=_tm_fn))
    assert "lists only ['fn']" in line
