"""Lazy imports of the packages behind the optional extras of the calipers distributions.

A domain imports such a package on first use (never at ``import calipers.<domain>``) with :func:`import_extra`;
when it is missing, the :class:`~calipers.exceptions.ExtraNotInstalledError` names the extra that installs it, in
the same words for every distribution.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from calipers.exceptions import ExtraNotInstalledError

__all__ = ["import_extra"]


def import_extra(module: str, distribution: str, extra: str, needed_by: str) -> ModuleType:
    """Import ``module``, a package of the extra ``calipers-<distribution>[<extra>]``.

    Args:
        module: the module to import (``"pesq"``, ``"MeCab"``, ...).
        distribution: the calipers distribution's short name (``"audio"`` for ``calipers-audio``).
        extra: the extra of that distribution that installs ``module``.
        needed_by: what needs it, the start of the message (``"PESQ"``, ``"SacreBLEUScore: `tokenize` 'ja-mecab'"``).

    Returns:
        The imported module.

    Raises:
        ExtraNotInstalledError: if ``module`` cannot be imported (its ``name`` is ``module``; the import error is
            its ``__cause__``).

    Example:
        >>> from calipers._extras import import_extra
        >>> import_extra("math", "base", "none", "this example").__name__
        'math'
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        install = f"pip install calipers-{distribution}[{extra}]"
        raise ExtraNotInstalledError(
            f"{needed_by} needs the `{module}` package: install it with `{install}`.", name=module
        ) from err
