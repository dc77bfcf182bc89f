"""Schema migrations with alembic (``barbican-certs-manage db ...``).

The scripts live in the top-level ``alembic/`` folder of the source tree,
installed as data files under ``<prefix>/share/barbican-certs/alembic``.
"""

import os
import sys

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import sqlalchemy as sa

from barbican_certs.common import exception

# Any constant: PostgreSQL advisory lock serialising concurrent upgrades.
_PG_LOCK_ID = 0x62617263


def script_location() -> str:
    """The folder of the migration scripts, in a checkout or installed."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.path.join(here, os.pardir, os.pardir, "alembic"),
        os.path.join(sys.prefix, "share", "barbican-certs", "alembic"),
    ]
    for path in candidates:
        if os.path.isfile(os.path.join(path, "env.py")):
            return os.path.abspath(path)
    raise exception.ConfigurationError(
        reason="migration scripts not found in %s" % ", ".join(candidates))


def _config(connection: sa.Connection) -> alembic_config.Config:
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location", script_location())
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine, revision: str = "heads") -> None:
    """Upgrade the schema to ``revision``; safe to run from many processes.

    On PostgreSQL an advisory lock makes concurrent starts take turns.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_lock(
                _PG_LOCK_ID)))
            connection.commit()
        try:
            command.upgrade(_config(connection), revision)
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_unlock(
                    _PG_LOCK_ID)))
                connection.commit()


def current(engine: sa.Engine) -> tuple[str, ...]:
    """The revisions the database is at (empty when never migrated)."""
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return tuple(context.get_current_heads())


def heads() -> tuple[str, ...]:
    """The newest revisions the scripts know."""
    directory = alembic_script.ScriptDirectory(script_location())
    return tuple(directory.get_heads())
