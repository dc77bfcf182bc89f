"""Fixtures of the functional tests (see :mod:`harness`)."""

import os
import subprocess
import sys
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


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CLIENT_VENV = os.path.join(ROOT, ".venv-clients", "barbicanclient-6.0.0")
CLIENT_PACKAGES = ["python-barbicanclient==6.0.0",
                   "python-openstackclient==10.5.0"]


@pytest.fixture(scope="session")
def client_bin() -> str:
    """The bin folder of a virtualenv of its own holding the clients a
    user would install: python-barbicanclient 6.0.0 (library and
    ``barbican`` CLI) and python-openstackclient."""
    marker = os.path.join(CLIENT_VENV, ".installed")
    wanted = " ".join(CLIENT_PACKAGES)
    if not os.path.exists(marker) or open(marker).read() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear",
                        CLIENT_VENV], check=True)
        subprocess.run([os.path.join(CLIENT_VENV, "bin", "python"), "-m",
                        "pip", "install", "--quiet", *CLIENT_PACKAGES],
                       check=True)
        with open(marker, "w") as f:
            f.write(wanted)
    return os.path.join(CLIENT_VENV, "bin")


@pytest.fixture(scope="session")
def client_python(client_bin: str) -> str:
    return os.path.join(client_bin, "python")
