"""calipers.integrations.lightning: registration happens only when Lightning is in use (checked in fresh processes)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("pytorch_lightning")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_without_lightning_nothing_is_imported_or_registered():
    code = (
        "import sys, calipers\n"
        "from calipers.integrations import lightning\n"
        "m = calipers.MeanMetric()\n"
        "print(lightning.registered(), 'torchmetrics' in sys.modules, 'pytorch_lightning' in sys.modules)\n"
    )
    assert _run(code) == "False False False"


def test_a_metric_built_after_lightning_is_a_torchmetrics_metric():
    code = (
        "import pytorch_lightning, torchmetrics, calipers\n"
        "from calipers.integrations import lightning\n"
        "m = calipers.MeanMetric()\n"
        "print(lightning.registered(), isinstance(m, torchmetrics.Metric))\n"
    )
    assert _run(code) == "True True"


def test_register_covers_metrics_built_before_lightning():
    code = (
        "import calipers\n"
        "m = calipers.SumMetric()\n"
        "import pytorch_lightning, torchmetrics\n"
        "from calipers.integrations import lightning\n"
        "before = isinstance(m, torchmetrics.Metric)\n"
        "lightning.register(); lightning.register()\n"
        "print(before, isinstance(m, torchmetrics.Metric))\n"
    )
    assert _run(code) == "False True"


def test_register_before_lightning_is_a_clear_error():
    code = (
        "import calipers\n"
        "from calipers.integrations import lightning\n"
        "from calipers.exceptions import MetricStateError\n"
        "try:\n"
        "    lightning.register()\n"
        "except MetricStateError as err:\n"
        "    print('Lightning must be imported first' in str(err), lightning.registered())\n"
    )
    assert _run(code) == "True False"
