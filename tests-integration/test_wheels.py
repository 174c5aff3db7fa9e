from __future__ import annotations

import ast
import email.parser
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    from pip._vendor import tomli as tomllib

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
DOMAINS = ("audio", "classification", "regression", "retrieval", "text")
DISTRIBUTIONS = ("calipers-base", *(f"calipers-{d}" for d in DOMAINS), "calipers")
EXTEND_PATH = '__path__ = __import__("pkgutil").extend_path(__path__, __name__)'
FORBIDDEN_REQUIREMENTS = {"torchmetrics", "torcheval", "scikit-learn", "sklearn"}


def _files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return sorted(n for n in zf.namelist() if not n.endswith("/"))


def _code_files(wheel: Path) -> list[str]:
    return [n for n in _files(wheel) if ".dist-info/" not in n]


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(zf.read(name).decode())


def _requirements(wheel: Path) -> list[Requirement]:
    return [Requirement(r) for r in _metadata(wheel).get_all("Requires-Dist") or []]


def _unconditional(wheel: Path) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in _requirements(wheel) if r.marker is None}


def _pyproject(dist: str) -> dict:
    with open(PACKAGES / dist / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _read(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(name).decode()


# ---------------------------------------------------------------- file lists


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_wheel_is_pure_python_with_the_pyproject_version(wheels, dist):
    wheel = wheels[dist]
    meta = _metadata(wheel)
    assert canonicalize_name(meta["Name"]) == dist
    assert meta["Version"] == _pyproject(dist)["version"]
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    assert meta["Requires-Python"] == ">=3.10"


def test_base_wheel_owns_the_namespace_roots(wheels):
    files = _code_files(wheels["calipers-base"])
    for required in (
        "calipers/__init__.py",
        "calipers/py.typed",
        "calipers/_lazy.py",
        "calipers/exceptions.py",
        "calipers/functional/__init__.py",
        "calipers/functional/py.typed",
    ):
        assert required in files, f"{required} missing from the calipers-base wheel: {files}"
    assert all(f.startswith("calipers/") for f in files), files
    for domain in DOMAINS:
        leaked = [f for f in files if f.startswith((f"calipers/{domain}/", f"calipers/functional/{domain}/"))]
        assert not leaked, f"calipers-base ships files of the {domain} domain: {leaked}"
    assert not [f for f in files if f.endswith((".pyc", ".so")) or "__pycache__" in f or "/tests/" in f]


@pytest.mark.parametrize("module", ["calipers/__init__.py", "calipers/functional/__init__.py"])
def test_base_namespace_roots_start_with_extend_path(wheels, module):
    source = _read(wheels["calipers-base"], module)
    first = ast.parse(source).body[0]
    assert ast.unparse(first) == ast.unparse(ast.parse(EXTEND_PATH).body[0]), (
        f"the first statement of {module} must be `{EXTEND_PATH}`, got `{ast.unparse(first)}`"
    )


def test_base_version_attribute_matches_its_distribution(wheels):
    tree = ast.parse(_read(wheels["calipers-base"], "calipers/__init__.py"))
    versions = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
        and isinstance(node.value, ast.Constant)
    ]
    assert versions == [_pyproject("calipers-base")["version"]]


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_wheel_ships_only_its_own_folders(wheels, domain):
    files = _code_files(wheels[f"calipers-{domain}"])
    own = (f"calipers/{domain}/", f"calipers/functional/{domain}/")
    declaration = f"calipers/_domains/{domain}.py"  # its top-level names, discovered by calipers-base
    outside = [f for f in files if not f.startswith(own) and f != declaration]
    assert outside == [], f"calipers-{domain} ships files outside {own}"
    assert "calipers/_domains/__init__.py" not in files  # a namespace package spread over the domains
    for required in (
        declaration,
        f"calipers/{domain}/__init__.py",
        f"calipers/{domain}/py.typed",
        f"calipers/functional/{domain}/__init__.py",
        f"calipers/functional/{domain}/py.typed",
    ):
        assert required in files, f"{required} missing from the calipers-{domain} wheel: {files}"
    assert "calipers/__init__.py" not in files
    assert "calipers/functional/__init__.py" not in files
    assert not [f for f in files if f.endswith((".pyc", ".so")) or "__pycache__" in f or "/tests/" in f]


def test_meta_wheel_has_no_code(wheels):
    assert _code_files(wheels["calipers"]) == []


def test_no_two_wheels_ship_the_same_file(wheels):
    owner: dict[str, str] = {}
    clashes = []
    for dist, wheel in wheels.items():
        for name in _code_files(wheel):
            if name in owner:
                clashes.append(f"{name}: {owner[name]} and {dist}")
            owner[name] = dist
    assert clashes == []


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_wheel_built_from_sdist_matches_the_direct_wheel(wheels, sdist_wheels, sdists, dist):
    assert _code_files(sdist_wheels[dist]) == _code_files(wheels[dist])
    assert _requirements(sdist_wheels[dist]) == _requirements(wheels[dist])
    with tarfile.open(sdists[dist]) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "CHANGELOG.md"} <= names, sorted(names)


# ---------------------------------------------------------------- metadata


def test_meta_package_pins_every_distribution_compatibly(wheels):
    requires = _unconditional(wheels["calipers"])
    expected = {d for d in DISTRIBUTIONS if d != "calipers"}
    assert set(requires) == expected, f"the meta-package must require exactly {sorted(expected)}"
    for dist, req in requires.items():
        ops = [spec.operator for spec in req.specifier]
        assert ops == ["~="], f"{dist} must be pinned with ~=, got {req}"
        assert Version(_pyproject(dist)["version"]) in req.specifier, f"{req} excludes the current {dist}"
    for req in _requirements(wheels["calipers"]):
        if req.marker is not None:  # extras forward to the distributions', pinned the same way
            assert canonicalize_name(req.name) in expected, req
            assert [spec.operator for spec in req.specifier] == ["~="], req


# Every distribution asks for the same torch: 2.1.1 and later (2.1.0's `torch.equal(x, x)` ignored NaN,
# pytorch#111251, which the multiclass table path's NaN check relies on).
TORCH_FLOOR = ">=2.1.1"


def _base_range() -> set[tuple[str, str]]:
    base = Version(_pyproject("calipers-base")["version"])
    return {(">=", f"{base.major}.{base.minor}"), ("<", f"{base.major}.{base.minor + 1}")}


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_requires_base_minor_range_and_torch_only(wheels, domain):
    requires = _unconditional(wheels[f"calipers-{domain}"])
    assert "calipers-base" in requires, requires
    base_spec = requires["calipers-base"].specifier
    assert {(s.operator, s.version) for s in base_spec} == _base_range(), f"calipers-base pin is {base_spec}"
    assert Version(_pyproject("calipers-base")["version"]) in base_spec
    assert "torch" in requires, requires
    assert str(requires["torch"].specifier) == TORCH_FLOOR
    siblings = {f"calipers-{d}" for d in DOMAINS if d != domain} | {"calipers"}
    assert not siblings & set(requires), f"calipers-{domain} requires a sibling: {sorted(siblings & set(requires))}"
    every = {canonicalize_name(r.name) for r in _requirements(wheels[f"calipers-{domain}"])}
    assert not every & FORBIDDEN_REQUIREMENTS, f"calipers-{domain} requires {sorted(every & FORBIDDEN_REQUIREMENTS)}"


def test_base_requires_torch_and_no_domain(wheels):
    requires = _unconditional(wheels["calipers-base"])
    assert str(requires["torch"].specifier) == TORCH_FLOOR
    assert not {n for n in requires if n.startswith("calipers")}, requires
    every = {canonicalize_name(r.name): r for r in _requirements(wheels["calipers-base"])}
    assert not set(every) & FORBIDDEN_REQUIREMENTS
    assert "matplotlib" not in requires, "matplotlib must stay behind the `plot` extra"
    if "matplotlib" in every:
        assert every["matplotlib"].marker is not None
        assert every["matplotlib"].marker.evaluate({"extra": "plot"})
