"""calipers.utilities.sorting: integer keys that sort like floats, rows sorted side by side."""

from __future__ import annotations

import pytest
import torch

from calipers.utilities.sorting import sort_rows, sortable_keys, values_from_keys


@pytest.mark.parametrize(
    "dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int32, torch.int64]
)
def test_sortable_keys_sort_like_the_values(dtype):
    gen = torch.Generator().manual_seed(2)
    values = (torch.randn(3000, generator=gen, dtype=torch.float64) * 1e3).round() / 7
    if dtype.is_floating_point:
        values = torch.cat([values, torch.tensor([0.0, -0.0, float("inf"), -float("inf"), 1e-40, -1e-40])])
    x = values.to(dtype)
    keys = sortable_keys(x)
    order = keys.argsort(stable=True)
    ordered = x[order].double()
    assert bool((ordered[1:] >= ordered[:-1]).all())  # the key order is the value order
    same_key = keys[:, None] == keys[None, :]
    same_value = x.double()[:, None] == x.double()[None, :]
    assert torch.equal(same_key, same_value)  # equal keys exactly for equal values (-0.0 == 0.0 included)
    assert torch.equal(x, values.to(dtype))  # the input is left alone


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_keys_turn_back_into_the_values_and_owned_inputs_become_keys(dtype):
    x = torch.tensor([3.5, -0.0, -7.25, float("inf"), 1e-30], dtype=dtype)
    keys = sortable_keys(x)
    assert torch.equal(values_from_keys(keys.sort().values, dtype), x.sort().values)
    owned = x.clone()
    same = sortable_keys(owned, owned=True)
    assert same.data_ptr() == owned.data_ptr() and torch.equal(same, keys)


@pytest.mark.parametrize("n", [10, 70_000])  # long rows are sorted in threads
def test_sort_rows_matches_torch_sort(n):
    keys = torch.randint(-50, 50, (3, n), generator=torch.Generator().manual_seed(n))
    for (values, order), row in zip(sort_rows(keys), keys):
        assert torch.equal(values, row.sort().values) and torch.equal(row[order], values)
