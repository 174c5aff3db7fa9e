"""Shared machinery of the packaging integration tests.

The expensive steps (building the seven wheels, filling a fresh virtual environment, the torchrun job) run once per
pytest session even under ``pytest -n 2``: the first xdist worker that needs a step runs it under a file lock in the
session's shared temporary folder and stores its JSON-able result there; the other worker reads that result. A step
that failed stores its error, so the other worker fails at once instead of running it again.

Every subprocess has a time limit (its whole process group is killed on expiry). The fresh venv (torch from the
local CPU wheel, then the calipers wheels) is deleted once probed; set ``CALIPERS_KEEP_VENV=1`` to keep it. Step
timings are printed in the terminal summary.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
PACKAGES = ROOT / "packages"
DOMAINS = ("audio", "classification", "regression", "retrieval", "text")
DISTRIBUTIONS = ("calipers-base", *(f"calipers-{d}" for d in DOMAINS), "calipers")
TORCH_PIN = "torch==2.13.0"
DEFAULT_TIMEOUT = 120.0

collect_ignore = ["scripts"]  # helper scripts run in subprocesses; pytest must not import them


class CommandError(RuntimeError):
    """A subprocess failed or ran past its time limit."""


def run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run ``cmd`` in its own process group; return its output (stdout and stderr), raise on failure or timeout.

    On timeout the whole process group is killed, so a hung torchrun leaves no worker behind.
    """
    args = [os.fspath(c) for c in cmd]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise CommandError(f"timed out after {timeout:.0f} s (killed): {' '.join(args)}\n{out}") from None
    if proc.returncode != 0:
        raise CommandError(f"exit status {proc.returncode}: {' '.join(args)}\n{out}")
    return out


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess that must not see the dev environment's Python settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV", "PYTHONWARNINGS"}
    }
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", OMP_NUM_THREADS="1")
    env.update(extra)
    return env


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers get <session basetemp>/popen-gwN
        base = base.parent
    path = base / "calipers-integration"
    path.mkdir(exist_ok=True)
    return path


def shared_step(shared: Path, name: str, step: Callable[[Path], Any], lock_timeout: float = 600.0) -> Any:
    """Run ``step(folder)`` once per session across xdist workers and return its (JSON-able) result."""
    folder = shared / name
    result_file = shared / f"{name}.json"
    with FileLock(str(shared / f"{name}.lock"), timeout=lock_timeout):
        if result_file.exists():
            stored = json.loads(result_file.read_text())
        else:
            folder.mkdir(exist_ok=True)
            try:
                stored = {"ok": step(folder)}
            except (Exception, pytest.fail.Exception) as err:  # a nested shared step may pytest.fail
                stored = {"error": "".join(traceback.format_exception(err))}
            result_file.write_text(json.dumps(stored))
    if "error" in stored:
        pytest.fail(f"shared step {name!r} failed:\n{stored['error']}", pytrace=False)
    return stored["ok"]


def record_timing(shared: Path, label: str, seconds: float) -> None:
    """Remember how long a step took; printed in the terminal summary."""
    with FileLock(str(shared / "timings.lock"), timeout=60):
        path = shared / "timings.json"
        timings = json.loads(path.read_text()) if path.exists() else {}
        timings[label] = round(seconds, 1)
        path.write_text(json.dumps(timings))


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _shared_dir(tmp_path_factory)


# ---------------------------------------------------------------- wheels


def _hatchling(folder: Path) -> str | None:
    """A folder to put on PYTHONPATH so that hatchling is importable (None: the dev env already has it).

    ``python -m build --no-isolation`` is much faster than an isolated build, but needs the build backend.
    """
    probe = subprocess.run([sys.executable, "-c", "import hatchling"], capture_output=True, timeout=60)
    if probe.returncode == 0:
        return None
    run([sys.executable, "-m", "pip", "install", "--quiet", "--target", folder, "hatchling>=1.24"], env=clean_env())
    return str(folder)


def _find(folder: Path, dist: str, suffix: str) -> str:
    matches = sorted(folder.glob(f"{dist.replace('-', '_')}-*{suffix}"))
    if len(matches) != 1:
        raise CommandError(f"expected one {suffix} of {dist} in {folder}, found {[m.name for m in matches]}")
    return str(matches[0])


def _build(folder: Path) -> dict[str, dict[str, str]]:
    """Build every distribution twice, in one go (so both see the same tree): a wheel straight from the tree, and
    the default of ``python -m build``: an sdist, then a wheel built from that sdist."""
    start = time.monotonic()
    extra = shared_step(folder.parent, "hatchling", _hatchling)
    env = clean_env(**({"PYTHONPATH": extra} if extra else {}))
    direct, via_sdist = folder / "wheels", folder / "from-sdist"
    commands = []
    for dist in DISTRIBUTIONS:
        build = [sys.executable, "-m", "build", "--no-isolation"]
        commands.append([*build, "--wheel", "--outdir", direct, PACKAGES / dist])
        commands.append([*build, "--outdir", via_sdist, PACKAGES / dist])
    with ThreadPoolExecutor(max_workers=2) as pool:  # the machine has two cores
        list(pool.map(lambda cmd: run(cmd, env=env, cwd=folder), commands))
    record_timing(folder.parent, "build 7 wheels + 7 sdists (and wheels from them)", time.monotonic() - start)
    return {
        "wheels": {dist: _find(direct, dist, ".whl") for dist in DISTRIBUTIONS},
        "from_sdist": {dist: _find(via_sdist, dist, ".whl") for dist in DISTRIBUTIONS},
        "sdists": {dist: _find(via_sdist, dist, ".tar.gz") for dist in DISTRIBUTIONS},
    }


@pytest.fixture(scope="session")
def built(shared: Path) -> dict[str, dict[str, Path]]:
    result = shared_step(shared, "build", _build)
    return {kind: {dist: Path(p) for dist, p in paths.items()} for kind, paths in result.items()}


@pytest.fixture(scope="session")
def wheels(built: dict[str, dict[str, Path]]) -> dict[str, Path]:
    """distribution name -> its wheel, built from the working tree with ``python -m build --wheel``."""
    return built["wheels"]


@pytest.fixture(scope="session")
def sdist_wheels(built: dict[str, dict[str, Path]]) -> dict[str, Path]:
    """distribution name -> the wheel built from its sdist."""
    return built["from_sdist"]


@pytest.fixture(scope="session")
def sdists(built: dict[str, dict[str, Path]]) -> dict[str, Path]:
    """distribution name -> its sdist."""
    return built["sdists"]


# ---------------------------------------------------------------- fresh virtual environment


def _pip(venv_python: Path, *args: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT) -> str:
    """The dev environment's pip, driving the venv's interpreter (``pip --python``): the venv itself stays bare."""
    return run([sys.executable, "-m", "pip", "--python", venv_python, *args], timeout=timeout, env=clean_env())


def _probe(venv_python: Path, folder: Path, label: str, *modules: str) -> dict[str, Any]:
    out = folder / f"probe-{label}.json"
    run([venv_python, "-I", SCRIPTS / "probe_namespace.py", out, *modules], cwd=folder, env=clean_env())
    return json.loads(out.read_text())


def _fresh_venv(folder: Path, wheels: dict[str, Path]) -> dict[str, Any]:
    """One clean venv, filled step by step; a probe report after each step. The venv is deleted at the end."""
    shared = folder.parent
    venv = folder / "venv"
    python = venv / "bin" / "python"
    constraints = folder / "constraints.txt"
    constraints.write_text(TORCH_PIN + "\n")
    result: dict[str, Any] = {}
    try:
        start = time.monotonic()
        run([sys.executable, "-m", "venv", "--without-pip", venv])
        record_timing(shared, "venv: create", time.monotonic() - start)

        start = time.monotonic()  # torch's CPU wheel comes from local disk (find-links), its few deps from the index
        _pip(python, "install", "--no-compile", "-c", constraints, TORCH_PIN, timeout=300)
        record_timing(shared, "venv: pip install torch==2.13.0", time.monotonic() - start)

        start = time.monotonic()  # by path: never a same-named distribution from an index
        _pip(python, "install", "--no-compile", "-c", constraints, wheels["calipers-base"])
        record_timing(shared, "venv: pip install calipers-base wheel", time.monotonic() - start)
        result["pip_check_base"] = _pip(python, "check")
        result["base"] = _probe(python, folder, "base")

        start = time.monotonic()
        _pip(
            python, "install", "--no-compile", "--no-index", "--find-links", wheels["calipers-base"].parent,
            "-c", constraints, wheels["calipers-regression"],
        )  # fmt: skip
        record_timing(shared, "venv: pip install calipers-regression wheel", time.monotonic() - start)
        result["pip_check_regression"] = _pip(python, "check")
        result["regression"] = _probe(
            python, folder, "regression", "calipers.regression", "calipers.functional.regression"
        )

        _pip(python, "uninstall", "--yes", "calipers-regression")
        result["uninstalled"] = _probe(python, folder, "uninstalled")
        site = Path(result["base"]["calipers_file"]).parent
        result["base_files_after_uninstall"] = {
            name: (site / name).exists()
            for name in ("__init__.py", "functional/__init__.py", "regression", "functional/regression")
        }
    finally:
        if not os.environ.get("CALIPERS_KEEP_VENV"):
            shutil.rmtree(venv, ignore_errors=True)
    return result


@pytest.fixture(scope="session")
def fresh_venv(shared: Path, wheels: dict[str, Path]) -> dict[str, Any]:
    """Probe reports of one fresh venv: torch + calipers-base, then + calipers-regression, then without it again."""
    return shared_step(shared, "venv", lambda folder: _fresh_venv(folder, wheels))


@pytest.fixture(scope="session")
def dev_env_probe(shared: Path) -> dict[str, Any]:
    """A probe report from the dev environment, where scipy, sklearn, matplotlib and every domain are installed."""

    def step(folder: Path) -> dict[str, Any]:
        return _probe(Path(sys.executable), folder, "dev", *(f"calipers.{d}" for d in DOMAINS))

    return shared_step(shared, "dev-probe", step)


@pytest.fixture(scope="session")
def dev_env_domain_probes(shared: Path) -> dict[str, Any]:
    """For each domain: a probe report of a dev-env interpreter that imports only that domain."""

    def step(folder: Path) -> dict[str, Any]:
        return {
            d: _probe(Path(sys.executable), folder, f"dev-{d}", f"calipers.{d}", f"calipers.functional.{d}")
            for d in DOMAINS
        }

    return shared_step(shared, "dev-domain-probes", step)


# ---------------------------------------------------------------- torchrun


@pytest.fixture(scope="session")
def ddp_run(shared: Path) -> dict[str, Any]:
    """The per-rank reports of ``scripts/ddp_aggregation.py`` under ``torchrun --nproc_per_node=2`` (gloo)."""

    def step(folder: Path) -> dict[str, Any]:
        start = time.monotonic()
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
        output = run([*cmd, SCRIPTS / "ddp_aggregation.py", folder], cwd=folder, env=clean_env(GLOO_SOCKET_IFNAME="lo"))
        record_timing(shared, "torchrun 2 ranks", time.monotonic() - start)
        ranks = [json.loads((folder / f"rank{r}.json").read_text()) for r in range(2)]
        return {"ranks": ranks, "folder": str(folder), "output": output[-4000:]}

    return shared_step(shared, "ddp", step)


# ---------------------------------------------------------------- PyTorch Lightning


@pytest.fixture(scope="session", params=["single", "ddp"])
def lightning_run(request: pytest.FixtureRequest, shared: Path) -> dict[str, Any]:
    """The per-rank reports of ``scripts/lightning_train.py`` (2 epochs + resume + validate + test), by mode."""
    mode = request.param

    def step(folder: Path) -> dict[str, Any]:
        start = time.monotonic()
        env = clean_env(GLOO_SOCKET_IFNAME="lo", PYTHONWARNINGS="ignore")
        run([sys.executable, SCRIPTS / "lightning_train.py", folder, mode], cwd=folder, env=env, timeout=300)
        record_timing(shared, f"lightning {mode}", time.monotonic() - start)
        ranks = sorted(folder.glob("rank*.json"))
        return {"mode": mode, "ranks": [json.loads(p.read_text()) for p in ranks]}

    return shared_step(shared, f"lightning-{mode}", step)


# ---------------------------------------------------------------- terminal summary


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return
    try:
        path = factory.getbasetemp() / "calipers-integration" / "timings.json"
    except OSError:
        return
    if path.exists():
        timings = json.loads(path.read_text())
        terminalreporter.write_sep("-", "calipers integration timings")
        for label, seconds in timings.items():
            terminalreporter.write_line(f"{label}: {seconds:.1f} s")
