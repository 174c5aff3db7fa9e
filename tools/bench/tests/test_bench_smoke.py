from __future__ import annotations

import json

import pytest

from calipers_bench import framework
from calipers_bench.__main__ import main
from calipers_bench.framework import Bench, Workload, format_table, run_workload
from calipers_bench.workloads import base

# torcheval 0.0.7 and torchmetrics 1.9 call torch.jit.script at import, deprecated in torch 2.13: the peers' business.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def test_list_shows_every_base_workload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in ("base.mean_overhead", "base.sync_10_states", "base.import"):
        assert name in out


def test_unknown_pattern_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "no-such-workload"]) == 2
    assert "no workload matches" in capsys.readouterr().err


def test_mean_overhead_runs_once(tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "CALLS", 100)
    # Importing torchmetrics alone takes ~2 s; leave it out (it then reads n/a) and keep torcheval as the peer.
    monkeypatch.setattr(framework, "available", lambda library: library != "torchmetrics")
    out_path = tmp_path / "bench.json"
    assert main(["--only", "base.mean_overhead", "--repeat", "1", "--warmup", "0", "--json", str(out_path)]) == 0
    table = capsys.readouterr().out
    assert "base.mean_overhead/update" in table
    assert "base.mean_overhead/forward" in table
    report = json.loads(out_path.read_text())
    rows = {r["name"]: r for r in report["results"]}
    update = rows["base.mean_overhead/update"]
    assert update["median_s"]["calipers"] > 0
    assert len(update["samples_s"]["calipers"]) == 1
    assert update["median_s"]["torcheval"] > 0
    assert update["median_s"]["torchmetrics"] is None
    assert update["notes"]["torchmetrics"] == "not installed"
    assert rows["base.mean_overhead/forward"]["median_s"]["torcheval"] is None


def test_missing_peer_reads_n_a(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framework, "available", lambda library: library != "sklearn")

    def tiny(bench: Bench) -> None:
        for library in bench.libraries:
            bench.add(library, lambda: lambda: sum(range(100)), op="call")

    w = Workload("test.tiny", "test", "a sum", ("sklearn",), repeat=3, warmup=1, fn=tiny)
    (result,) = run_workload(w)
    assert len(result.samples["calipers"]) == 3
    assert result.median("sklearn") is None
    assert result.notes["sklearn"] == "not installed"
    lines = format_table([result]).splitlines()
    row = next(line for line in lines if line.startswith("test.tiny"))
    assert row.split()[-2:] == ["n/a", "n/a"]
