"""Print the dev environment's dependencies, one per line, for ``pip install -r``.

The single source of truth is ``[tool.hatch.envs.default] dependencies`` in the root ``pyproject.toml`` (what
``./dev`` installs); CI reads it from there instead of keeping a second list.

    python .github/scripts/dev_deps.py                     # everything
    python .github/scripts/dev_deps.py --only torch        # just the pinned torch requirement
    python .github/scripts/dev_deps.py --without torch     # everything but torch (installed from its own index)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip vendors a TOML parser
    from pip._vendor import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise SystemExit(f"dev_deps: cannot read a name from requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def main() -> int:
    """Print the selected requirements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=None, metavar="NAME", help="keep only these distributions")
    parser.add_argument("--without", nargs="+", default=[], metavar="NAME", help="drop these distributions")
    args = parser.parse_args()
    with open(ROOT / "pyproject.toml", "rb") as f:
        deps: list[str] = tomllib.load(f)["tool"]["hatch"]["envs"]["default"]["dependencies"]
    only = None if args.only is None else {_name(n) for n in args.only}
    without = {_name(n) for n in args.without}
    selected = [d for d in deps if (only is None or _name(d) in only) and _name(d) not in without]
    missing = (only or set()) - {_name(d) for d in selected}
    if missing:
        raise SystemExit(f"dev_deps: not in the dev environment's dependencies: {sorted(missing)}")
    print("\n".join(selected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
