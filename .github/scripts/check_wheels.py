"""Check the contents of the wheels built from every distribution of the monorepo.

    python .github/scripts/check_wheels.py dist/

- ``calipers-base`` owns ``calipers/__init__.py`` and ``calipers/functional/__init__.py`` (pkgutil-style
  namespaces) and ships ``py.typed``;
- a domain wheel ships only ``calipers/<domain>/`` and ``calipers/functional/<domain>/``, each with a
  ``py.typed``, and no ``__init__.py`` above them (or it would shadow the base's namespace package);
- the ``calipers`` meta-package ships no code.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

DOMAINS = ("audio", "classification", "regression", "retrieval", "text")
EXPECTED = {"calipers", "calipers_base", *(f"calipers_{d}" for d in DOMAINS)}


def _files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return [n for n in zf.namelist() if not re.match(r"[^/]+\.dist-info/", n)]


def check(wheel: Path, dist: str) -> list[str]:
    """Return the problems of one wheel (empty when it is fine)."""
    files = _files(wheel)
    problems = []
    if dist == "calipers":
        problems += [f"ships code: {f}" for f in files]
    elif dist == "calipers_base":
        for need in ("calipers/__init__.py", "calipers/functional/__init__.py", "calipers/py.typed"):
            if need not in files:
                problems.append(f"missing {need}")
        problems += [f"ships a domain folder: {f}" for f in files for d in DOMAINS if f"calipers/{d}/" in f]
    else:
        domain = dist.removeprefix("calipers_")
        roots = (f"calipers/{domain}/", f"calipers/functional/{domain}/")
        problems += [f"file outside {roots}: {f}" for f in files if not f.startswith(roots)]
        problems += [f"missing {r}py.typed" for r in roots if f"{r}py.typed" not in files]
    return problems


def main() -> int:
    """Check every wheel in the folder given as first argument (default ``dist``)."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    wheels = sorted(folder.glob("*.whl"))
    found = {w.name.split("-")[0] for w in wheels}
    failed = False
    if found != EXPECTED:
        print(f"expected wheels of {sorted(EXPECTED)}, found {sorted(found)}")
        failed = True
    for wheel in wheels:
        problems = check(wheel, wheel.name.split("-")[0])
        print(f"{'FAIL' if problems else 'ok  '} {wheel.name}")
        for p in problems:
            print(f"       {p}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
