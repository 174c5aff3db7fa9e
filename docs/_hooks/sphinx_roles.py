"""MkDocs hook: render Sphinx cross-reference roles left in docstrings as inline code.

Some docstrings still use reStructuredText roles (``:class:`Metric```, ``:meth:`add_state```). mkdocstrings parses
docstrings as Markdown, so these would show up as ``:meth:`` followed by code. This hook drops the role prefix (and a
leading ``~``, which in Sphinx shortens a dotted path to its last part), leaving plain inline code. It changes only
the rendered HTML, never the sources, and does nothing once docstrings use Markdown cross-references
(``[Metric][calipers.Metric]``), which strict builds check.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:attr|class|data|exc|func|meth|mod|obj):<code>(~?)([^<]*)</code>")


def _replace(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"<code>{target.rsplit('.', 1)[-1] if short else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """Strip Sphinx role prefixes from the rendered page."""
    return _ROLE.sub(_replace, html)
