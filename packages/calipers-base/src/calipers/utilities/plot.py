"""Plotting helpers behind ``Metric.plot``; matplotlib comes with the ``calipers-base[plot]`` extra."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.exceptions import MissingDependencyError

__all__ = ["plot_single_or_multi_val"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise MissingDependencyError(
            "Metric.plot needs matplotlib: install the extra with `pip install 'calipers-base[plot]'`."
        ) from err
    return plt


def plot_single_or_multi_val(
    val: Tensor | Sequence[Tensor] | dict[str, Tensor],
    ax: Any = None,
    higher_is_better: bool | None = None,
    lower_bound: float | None = None,
    upper_bound: float | None = None,
    name: str | None = None,
) -> tuple[Any, Any]:
    """Plot one value (a point), several classes (bars) or a sequence of steps (a line); return ``(fig, ax)``."""
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.get_figure()
    if isinstance(val, dict):
        for key, v in val.items():
            t = torch.as_tensor(v).detach().cpu()
            ax.plot(t.reshape(-1).numpy(), marker="o", label=key)
        ax.legend()
    elif isinstance(val, Tensor) and val.ndim == 0:
        ax.plot([0], [float(val)], marker="o", label=name)
        ax.set_xticks([])
    elif isinstance(val, Tensor) and val.ndim == 1:
        ax.bar(range(val.numel()), val.detach().cpu().numpy(), label=name)
        ax.set_xlabel("class")
    else:
        steps = torch.stack([torch.as_tensor(v).detach().cpu() for v in val])
        ax.plot(steps.numpy(), marker="o", label=name)
        ax.set_xlabel("step")
    if lower_bound is not None or upper_bound is not None:
        ax.set_ylim(bottom=lower_bound, top=upper_bound)
    title = name or ""
    if higher_is_better is not None:
        title += " (higher is better)" if higher_is_better else " (lower is better)"
    ax.set_title(title)
    return fig, ax
