"""Fixtures of the functional tests (see :mod:`harness`)."""

from typing import Any
from typing import Iterator

import pytest

from tests.functional.harness import Service


@pytest.fixture
def embedded(tmp_path: Any) -> Iterator[Service]:
    """The embedded default: one API process, SQLite, in-process worker."""
    service = Service(str(tmp_path))
    service.start()
    yield service
    service.stop()
