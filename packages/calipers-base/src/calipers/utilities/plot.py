"""Plotting helpers behind ``Metric.plot``; matplotlib comes with the ``calipers-base[plot]`` extra.

matplotlib is imported only when a plot is drawn: ``import calipers`` never loads it. The helpers are shared by every
domain: :func:`plot_single_or_multi_val` (values, per-class values, steps, dicts), :func:`plot_confusion_matrix`
(binary/multiclass ``[C, C]`` and multilabel ``[L, 2, 2]`` matrices) and :func:`plot_curve` (ROC, PR... curves, one
or several).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers.exceptions import MissingDependencyError

__all__ = ["plot_collection", "plot_confusion_matrix", "plot_curve", "plot_single_or_multi_val"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise MissingDependencyError(
            "Metric.plot needs matplotlib: install the extra with `pip install 'calipers-base[plot]'`."
        ) from err
    return plt


def _axes(ax: Any, **subplots: Any) -> tuple[Any, Any]:
    plt = _pyplot()
    if ax is None:
        fig, axes = plt.subplots(**subplots)
        return fig, axes
    return ax.get_figure(), ax


def _cpu(value: Any) -> Tensor:
    return torch.as_tensor(value).detach().cpu().double()


def _series(val: Any) -> dict[str, Tensor] | Tensor:
    """A sequence of step values as one tensor ``[steps, ...]`` or, for dict steps, one tensor per key."""
    if isinstance(val[0], Mapping):
        return {str(k): torch.stack([_cpu(step[k]).reshape(-1) for step in val]).squeeze(-1) for k in val[0]}
    return torch.stack([_cpu(v) for v in val])


def plot_single_or_multi_val(
    val: Tensor | Sequence[Tensor] | Mapping[str, Tensor] | Sequence[Mapping[str, Tensor]],
    ax: Any = None,
    higher_is_better: bool | None = None,
    lower_bound: float | None = None,
    upper_bound: float | None = None,
    legend_name: str | None = None,
    name: str | None = None,
) -> tuple[Any, Any]:
    """Plot one value (a point), one value per class (points), a sequence of steps (lines) or a dict of values.

    Args:
        val: a scalar tensor, a 1-D tensor (one value per class/output), a dict of such tensors, or a sequence of
            any of these (one per step).
        ax: the matplotlib axes to draw on; default: a new figure.
        higher_is_better: marks the optimal bound when given.
        lower_bound: the smallest value the metric can take (drawn as a dashed line).
        upper_bound: the largest value the metric can take (drawn as a dashed line).
        legend_name: the prefix of per-class legend entries (``"Class"`` gives ``Class 0``, ``Class 1``...).
        name: the metric's name: axis label and title.

    Returns:
        ``(figure, axes)``.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
        ValueError: if ``val`` is empty or of no supported form.

    Example:
        >>> import torch
        >>> from calipers.utilities.plot import plot_single_or_multi_val
        >>> fig, ax = plot_single_or_multi_val(torch.tensor([0.2, 0.5, 0.4]), legend_name="Class", name="Recall")
        >>> ", ".join(line.get_label() for line in ax.get_lines())
        'Class 0, Class 1, Class 2'
        >>> import matplotlib.pyplot as plt
        >>> plt.close(fig)
    """
    fig, ax = _axes(ax)
    if isinstance(val, (Tensor, int, float)):
        t = _cpu(val)
        if t.numel() == 1:
            ax.plot([0], [float(t)], marker="o", markersize=10, label=name)
        else:
            for i, v in enumerate(t.reshape(-1)):
                ax.plot([i], [float(v)], marker="o", markersize=10, linestyle="None", label=_label(legend_name, i))
        ax.set_xticks([])
    elif isinstance(val, Mapping):
        for i, (key, v) in enumerate(val.items()):
            t = _cpu(v).reshape(-1)
            if t.numel() == 1:
                ax.plot([i], [float(t)], marker="o", markersize=10, linestyle="None", label=str(key))
            else:
                ax.plot(t.numpy(), marker="o", markersize=6, linestyle="-", label=str(key))
        if all(_cpu(v).numel() == 1 for v in val.values()):
            ax.set_xticks([])
    elif isinstance(val, Sequence) and not isinstance(val, str) and len(val) > 0:
        series = _series(val)
        steps = len(val)
        if isinstance(series, dict):
            for key, t in series.items():
                ax.plot(t.numpy(), marker="o", markersize=6, linestyle="-", label=key)
        elif series.ndim == 1:
            ax.plot(series.numpy(), marker="o", markersize=6, linestyle="-", label=name)
        else:
            for i, t in enumerate(series.reshape(steps, -1).T):
                ax.plot(t.numpy(), marker="o", markersize=6, linestyle="-", label=_label(legend_name, i))
        ax.set_xlabel("Step")
        ax.set_xticks(list(range(steps)))
    else:
        raise ValueError(
            "plot: `val` must be a tensor, a dict of tensors or a non-empty sequence of them, "
            f"got {type(val).__name__}."
        )
    _decorate(ax, higher_is_better, lower_bound, upper_bound, name)
    return fig, ax


def _label(legend_name: str | None, i: int) -> str:
    return f"{legend_name} {i}" if legend_name else str(i)


def _decorate(
    ax: Any, higher_is_better: bool | None, lower: float | None, upper: float | None, name: str | None
) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if any(label and not label.startswith("_") for label in labels) and len(handles) > 1:
        ax.legend(loc="best", fontsize="small")
    for bound in (lower, upper):
        if bound is not None:
            ax.axhline(bound, linestyle="--", color="k", linewidth=1)
    if lower is not None or upper is not None:
        span = (upper if upper is not None else ax.get_ylim()[1]) - (lower if lower is not None else ax.get_ylim()[0])
        pad = 0.1 * span if span > 0 else 0.1
        ax.set_ylim(bottom=lower - pad if lower is not None else None, top=upper + pad if upper is not None else None)
    optimal = upper if higher_is_better else lower
    if higher_is_better is not None and optimal is not None:
        ax.annotate("optimal", xy=(0.01, optimal), xycoords=("axes fraction", "data"), va="bottom", fontsize="small")
    ax.grid(True)
    if name is not None:
        ax.set_ylabel(name)
    title = name or ""
    if higher_is_better is not None:
        title += " (higher is better)" if higher_is_better else " (lower is better)"
    ax.set_title(title)


def _text_color(rgba: tuple[float, ...]) -> str:
    """Black on light cells, white on dark ones (relative luminance of the sRGB colour)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.4 else "white"


def plot_confusion_matrix(
    confmat: Tensor,
    ax: Any = None,
    add_text: bool = True,
    labels: Sequence[int | str] | None = None,
    cmap: Any = None,
) -> tuple[Any, Any]:
    """Draw a confusion matrix: ``[C, C]`` (rows: true class, columns: predicted) or ``[L, 2, 2]`` (one per label).

    Args:
        confmat: the matrix (or stack of 2x2 matrices for multilabel tasks).
        ax: the axes to draw on (one matrix only); default: a new figure with one panel per matrix.
        add_text: write each count in its cell.
        labels: class names (``[C, C]``) or label names (``[L, 2, 2]``).
        cmap: a matplotlib colormap or its name.

    Returns:
        ``(figure, axes)``; ``axes`` is an array of axes for a multilabel stack.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
        ValueError: if ``confmat`` is not ``[C, C]`` or ``[L, 2, 2]``, or ``labels`` has the wrong length.

    Example:
        >>> import torch
        >>> from calipers.utilities.plot import plot_confusion_matrix
        >>> fig, ax = plot_confusion_matrix(torch.tensor([[5, 1], [2, 7]]), labels=["cat", "dog"])
        >>> " ".join(t.get_text() for t in ax.texts)
        '5 1 2 7'
        >>> import matplotlib.pyplot as plt
        >>> plt.close(fig)
    """
    cm = torch.as_tensor(confmat).detach().cpu()
    if not (cm.ndim == 2 and cm.shape[0] == cm.shape[1]) and not (cm.ndim == 3 and cm.shape[1:] == (2, 2)):
        raise ValueError(f"plot_confusion_matrix: `confmat` must be [C, C] or [L, 2, 2], got shape {tuple(cm.shape)}.")
    stack = cm.unsqueeze(0) if cm.ndim == 2 else cm
    n = stack.shape[0]
    expected = stack.shape[1] if cm.ndim == 2 else n
    if labels is not None and len(labels) != expected:
        raise ValueError(f"plot_confusion_matrix: `labels` must have {expected} entries, got {len(labels)}.")
    if ax is not None and n > 1:
        raise ValueError(f"plot_confusion_matrix: `ax` can hold one matrix, got {n} matrices.")
    rows = max(1, math.isqrt(n))
    cols = math.ceil(n / rows)
    fig, axes = _axes(ax, nrows=rows, ncols=cols, squeeze=False, constrained_layout=True)
    flat = [axes] if ax is not None else list(axes.flat)
    for extra in flat[n:]:
        extra.remove()
    ticks = [str(v) for v in labels] if labels is not None and cm.ndim == 2 else None
    for i in range(n):
        a, matrix = flat[i], stack[i]
        image = a.imshow(matrix.double().numpy(), cmap=cmap)
        size = matrix.shape[0]
        names = ticks or [str(j) for j in range(size)]
        a.set_xticks(list(range(size)), names, rotation=45)
        a.set_yticks(list(range(size)), names)
        a.set_xlabel("Predicted class")
        a.set_ylabel("True class")
        if cm.ndim == 3:
            a.set_title(f"Label {labels[i] if labels is not None else i}")
        if add_text:
            for r in range(size):
                for c in range(size):
                    v = matrix[r, c].item()
                    text = str(v) if isinstance(v, int) else f"{v:.2f}"
                    color = _text_color(image.cmap(image.norm(v)))
                    a.text(c, r, text, ha="center", va="center", color=color)
    return fig, (flat[0] if n == 1 else axes)


def plot_curve(
    curve: tuple[Any, ...],
    score: Tensor | None = None,
    ax: Any = None,
    label_names: tuple[str, str] | None = None,
    legend_name: str | None = None,
    name: str | None = None,
    labels: Sequence[int | str] | None = None,
) -> tuple[Any, Any]:
    """Draw one curve (1-D ``x``, ``y``) or several (2-D tensors or lists of 1-D tensors, one per class).

    Args:
        curve: ``(x, y)`` or ``(x, y, thresholds)``.
        score: the area under the curve (a scalar, or one per curve), shown in the legend.
        ax: the axes to draw on; default: a new figure.
        label_names: the names of the x and y axes.
        legend_name: the prefix of each curve's legend entry (``"Class"`` gives ``Class_0``...).
        name: the title.
        labels: one legend entry per curve.

    Returns:
        ``(figure, axes)``.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
        ValueError: if ``curve`` has fewer than 2 elements, ``x``/``y`` are of no supported form, or ``labels``
            has the wrong length.

    Example:
        >>> import torch
        >>> from calipers.utilities.plot import plot_curve
        >>> fpr, tpr = torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.0, 0.8, 1.0])
        >>> fig, ax = plot_curve((fpr, tpr), score=torch.tensor(0.65), label_names=("FPR", "TPR"))
        >>> ax.get_lines()[0].get_label()
        'AUC=0.650'
        >>> import matplotlib.pyplot as plt
        >>> plt.close(fig)
    """
    if not isinstance(curve, (tuple, list)) or len(curve) < 2:
        raise ValueError(f"plot_curve: `curve` must hold (x, y) or (x, y, thresholds), got {type(curve).__name__}.")
    x, y = curve[0], curve[1]
    single = isinstance(x, Tensor) and isinstance(y, Tensor) and x.ndim == 1 and y.ndim == 1
    multi = (isinstance(x, list) and isinstance(y, list)) or (
        isinstance(x, Tensor) and isinstance(y, Tensor) and x.ndim == 2 and y.ndim == 2
    )
    if not (single or multi):
        raise ValueError(
            "plot_curve: `x` and `y` must both be 1-D tensors, 2-D tensors or lists of tensors, "
            f"got {type(x).__name__} and {type(y).__name__}."
        )
    fig, ax = _axes(ax)
    if single:
        label = f"AUC={float(score):0.3f}" if score is not None else None
        ax.plot(_cpu(x).numpy(), _cpu(y).numpy(), linestyle="-", linewidth=2, label=label)
    else:
        if labels is not None and len(labels) != len(x):
            raise ValueError(f"plot_curve: `labels` must have {len(x)} entries, got {len(labels)}.")
        for i, (xi, yi) in enumerate(zip(x, y)):
            label = str(labels[i]) if labels is not None else (f"{legend_name}_{i}" if legend_name else str(i))
            if score is not None:
                label += f" AUC={float(torch.as_tensor(score).reshape(-1)[i]):0.3f}"
            ax.plot(_cpu(xi).numpy(), _cpu(yi).numpy(), linestyle="-", linewidth=2, label=label)
    if ax.get_legend_handles_labels()[0] and (score is not None or multi):
        ax.legend(loc="best", fontsize="small")
    if label_names is not None:
        ax.set_xlabel(label_names[0])
        ax.set_ylabel(label_names[1])
    ax.grid(True)
    if name is not None:
        ax.set_title(name)
    return fig, ax


def plot_collection(collection: Any, val: Any = None, ax: Any = None, together: bool = False) -> Any:
    """``MetricCollection.plot``: one plot per metric, or every metric in one axes (``together``)."""
    if not isinstance(together, bool):
        raise TypeError(f"MetricCollection.plot: `together` must be a bool, got {together!r}.")
    if ax is not None and not together and (not isinstance(ax, Sequence) or len(ax) != len(collection)):
        raise ValueError(
            f"MetricCollection.plot: `ax` must be a sequence of {len(collection)} axes when `together` is False, "
            f"got {ax!r}."
        )
    if ax is not None and together and isinstance(ax, Sequence):
        raise ValueError(f"MetricCollection.plot: `ax` must be a single axes when `together` is True, got {ax!r}.")
    val = collection.compute() if val is None else val
    if together:
        return plot_single_or_multi_val(val, ax=ax)
    out = []
    for i, (key, metric) in enumerate(collection.items(keep_base=False, copy_state=False)):
        value = val[key] if isinstance(val, Mapping) else [v[key] for v in val]
        out.append(metric.plot(value, ax=ax[i] if ax is not None else None))
    return out
