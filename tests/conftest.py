"""Fixtures shared by every test, and the CI rule on skips.

Integration tests read ``BARBICAN_CERTS_TEST_DB_URL`` (PostgreSQL) and
``BARBICAN_CERTS_TEST_TRANSPORT_URL`` (RabbitMQ); without them they skip,
except under ``CI=true``, where any skipped test fails the run.
"""

import os
from typing import Iterator

import pytest

from barbican_certs.common import config
from barbican_certs.common import crypto
from barbican_certs.common import policy
from barbican_certs.model import repositories

DB_URL_ENV = "BARBICAN_CERTS_TEST_DB_URL"
TRANSPORT_URL_ENV = "BARBICAN_CERTS_TEST_TRANSPORT_URL"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        reporter.write_line("CI=true: %d skipped test(s) count as failures"
                            % len(skipped), red=True)
        session.exitstatus = 1


@pytest.fixture
def conf(tmp_path: "os.PathLike[str]") -> Iterator[config.cfg.ConfigOpts]:
    """The global configuration, parsed from nothing, state in tmp_path."""
    config.parse_args([], default_config_files=[])
    config.CONF.set_override("state_path", str(tmp_path))
    yield config.CONF
    repositories.teardown_database()
    crypto.reset_master_key()
    policy.reset()
    config.CONF.reset()
    config.CONF.clear_override("state_path")


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL URL of the test machine, or a skip."""
    url = os.environ.get(DB_URL_ENV)
    if not url:
        pytest.skip("%s is not set" % DB_URL_ENV)
    return url


@pytest.fixture
def transport_url() -> str:
    """The RabbitMQ URL of the test machine, or a skip."""
    url = os.environ.get(TRANSPORT_URL_ENV)
    if not url:
        pytest.skip("%s is not set" % TRANSPORT_URL_ENV)
    return url


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """A URL of an empty PostgreSQL schema of its own, dropped afterwards.

    Tests share the machine's one database; each works in its own schema
    (``search_path``), so they neither see nor disturb each other.
    """
    import uuid

    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA %s" % schema))
    separator = "&" if "?" in pg_url else "?"
    yield "%s%soptions=-csearch_path%%3D%s" % (pg_url, separator, schema)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA %s CASCADE" % schema))
    engine.dispose()
