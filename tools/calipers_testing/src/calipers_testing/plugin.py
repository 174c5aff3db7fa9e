"""pytest plugin of the calipers harness: stops the DDP worker pool at the end of the session."""

from __future__ import annotations

import pytest

from calipers_testing.pool import shutdown_pool


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutdown_pool()
