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


@pytest.fixture(scope="module")
def shared_embedded(tmp_path_factory: Any) -> Iterator[Service]:
    """One embedded service for a whole module whose tests do not disturb
    each other (each works in projects of its own)."""
    service = Service(str(tmp_path_factory.mktemp("shared")))
    service.start()
    yield service
    service.stop()
