"""Fixtures of the pki tests (the material comes from
:mod:`tests.cmc_vectors`)."""

import pytest

from tests.cmc_vectors import PKIFactory
from tests.cmc_vectors import _tlv
from tests.cmc_vectors import rewrite_signed_data


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> PKIFactory:
    return PKIFactory(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def tlv():
    return _tlv


@pytest.fixture(scope="session")
def rewrite():
    return rewrite_signed_data
