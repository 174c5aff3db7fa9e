from __future__ import annotations

import pytest
import torch

from calipers._checks import (
    Callable_,
    Choice,
    Flag,
    Float,
    Int,
    Optional,
    check_args,
    check_choice,
    check_device,
    check_finite,
    check_flag,
    check_float,
    check_int,
    check_labels,
    check_probability,
    check_same_shape,
    check_tensor,
)


def test_flag():
    check_flag("M", "x", True)
    with pytest.raises(TypeError, match=r"^M: `x` must be a bool, got 1\.$"):
        check_flag("M", "x", 1)


def test_choice_sorted_none_last():
    check_choice("M", "avg", "macro", ["micro", "macro", None])
    check_choice("M", "avg", None, ["micro", None])
    with pytest.raises(ValueError, match=r"^M: `avg` must be one of \['macro', 'micro', None\], got 'x'\.$"):
        check_choice("M", "avg", "x", ["micro", None, "macro"])


def test_int_ranges():
    check_int("M", "k", 3, 1)
    check_int("M", "k", None, 1, optional=True)
    with pytest.raises(TypeError, match=r"`k` must be an int >= 1, got True\."):
        check_int("M", "k", True, 1)
    with pytest.raises(ValueError, match=r"`k` must be an int >= 1, got 0\."):
        check_int("M", "k", 0, 1)
    with pytest.raises(ValueError, match=r"`k` must be None or an int in \[1, 5\], got 6\."):
        check_int("M", "k", 6, 1, 5, optional=True)


def test_float_ranges():
    assert check_float("M", "t", 1, 0.0, 1.0) == 1.0
    with pytest.raises(ValueError, match=r"`t` must be a float in \(0.0, 1.0\], got 0\.0\."):
        check_float("M", "t", 0.0, 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match="got nan"):
        check_float("M", "t", float("nan"))
    with pytest.raises(TypeError, match="got '1'"):
        check_probability("M", "t", "1")


def test_declarative():
    check_args("M", k=(None, Optional(Int(low=1))), f=(True, Flag()), c=(len, Callable_()))
    with pytest.raises(ValueError, match=r"^M: `k` must be None or an int >= 1, got -2\.$"):
        check_args("M", k=(-2, Optional(Int(low=1))))
    with pytest.raises(ValueError, match=r"`a` must be one of \['max', 'mean', None\], got 'x'"):
        check_args("M", a=("x", Optional(Choice(["mean", "max"]))))
    with pytest.raises(ValueError, match=r"`p` must be None or a float in \[0, 1\]"):
        check_args("M", p=(2.0, Optional(Float(0, 1))))
    with pytest.raises(TypeError, match=r"`f` must be None or a bool, got 2"):
        check_args("M", f=(2, Optional(Flag())))


def test_tensor_kinds():
    t = torch.zeros(3)
    assert check_tensor("M", "preds", t) is t
    with pytest.raises(TypeError, match=r"`preds` must be a real tensor, got list\."):
        check_tensor("M", "preds", [1.0])
    with pytest.raises(TypeError, match=r"`target` must be an integer tensor, got a tensor of dtype torch.float32"):
        check_tensor("M", "target", t, "integer")
    with pytest.raises(ValueError, match=r"`preds` must have 2 dimension\(s\), got shape \(3,\)"):
        check_tensor("M", "preds", t, ndim=2)
    with pytest.raises(TypeError, match="complex"):
        check_tensor("M", "preds", t.to(torch.complex64))


def test_shape_device_finite():
    with pytest.raises(ValueError, match=r"`target` must have the same shape as `preds` \(3,\), got \(2,\)"):
        check_same_shape("M", torch.zeros(3), torch.zeros(2))
    check_device("M", "preds", torch.zeros(1), torch.device("cpu"))
    with pytest.raises(ValueError, match=r"`preds` must be on the metric's device cpu, got a tensor on meta"):
        check_device("M", "preds", torch.zeros(1, device="meta"), torch.device("cpu"))
    check_finite("M", "preds", torch.tensor([1.0, float("inf")]), allow_inf=True)
    with pytest.raises(ValueError, match=r"`preds` must hold only finite values, got 2 NaN or inf"):
        check_finite("M", "preds", torch.tensor([float("nan"), float("inf"), 1.0]))


def test_labels_accept_whole_floats():
    check_labels("M", "target", torch.tensor([0.0, 1.0, 2.0]), 3)
    check_labels("M", "target", torch.tensor([0, -1]), 3, ignore_index=-1)
    with pytest.raises(ValueError, match=r"`target` values must be whole numbers in \[0, 1\], got 0\.3"):
        check_labels("M", "target", torch.tensor([0.0, 0.3]), 2)
    with pytest.raises(ValueError, match=r"`target` values must be in \[0, 2\], got 3"):
        check_labels("M", "target", torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="got nan"):
        check_labels("M", "target", torch.tensor([float("nan")]), 3)


def test_same_device():
    from calipers._checks import check_same_device

    check_same_device("f", torch.zeros(1), torch.zeros(1))
    with pytest.raises(ValueError, match=r"f: `target` must be on the device of `preds` \(cpu\), got a tensor on meta"):
        check_same_device("f", torch.zeros(1), torch.zeros(1, device="meta"))


def test_devices_of_several_inputs():
    from calipers._checks import check_devices

    check_devices("M", torch.device("cpu"), preds=torch.zeros(1), target=None)  # a non-tensor: the type checks' job
    with pytest.raises(ValueError, match=r"M: `target` must be on the metric's device cpu, got a tensor on meta"):
        check_devices("M", torch.device("cpu"), preds=torch.zeros(1), target=torch.zeros(1, device="meta"))


def test_file(tmp_path):
    from calipers._checks import check_file

    model = tmp_path / "m.model"
    model.write_bytes(b"x")
    assert check_file("M", "spm_model", model) == str(model)
    assert check_file("M", "spm_model", str(model)) == str(model)
    with pytest.raises(ValueError, match=r"^M: `spm_model` must be the path of an existing file, got '.*nope'\.$"):
        check_file("M", "spm_model", tmp_path / "nope")
    with pytest.raises(ValueError, match=r"must be the path of an existing file"):
        check_file("M", "spm_model", tmp_path)  # a folder
    with pytest.raises(TypeError, match=r"^M: `spm_model` must be a path \(a str or an os.PathLike\), got int\.$"):
        check_file("M", "spm_model", 3)
