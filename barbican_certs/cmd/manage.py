"""``barbican-certs-manage``: operator tasks.

``db upgrade [--revision REV]`` migrates the schema, ``db current`` shows
the revision the database is at.
"""

import sys
from typing import Any

from oslo_config import cfg

from barbican_certs.common import config
from barbican_certs.model import migration
from barbican_certs.model import repositories


def _db_upgrade() -> None:
    engine = repositories.setup_database()
    migration.upgrade(engine, config.CONF.command.revision)
    print("Database at revision %s" % ", ".join(migration.current(engine)))


def _db_current() -> None:
    engine = repositories.setup_database()
    current = migration.current(engine)
    print(", ".join(current) if current else "not migrated")
    if set(current) != set(migration.heads()):
        print("newest: %s" % ", ".join(migration.heads()))


def _add_parsers(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="action")
    db_commands.required = True
    upgrade = db_commands.add_parser("upgrade", help="migrate the schema")
    upgrade.add_argument("--revision", default="heads")
    upgrade.set_defaults(func=_db_upgrade)
    current = db_commands.add_parser("current",
                                     help="show the schema revision")
    current.set_defaults(func=_db_current)


def main(argv: list[str] | None = None) -> None:
    config.CONF.register_cli_opt(cfg.SubCommandOpt(
        "command", title="commands", handler=_add_parsers))
    config.parse_args(sys.argv[1:] if argv is None else argv)
    config.CONF.command.func()
    repositories.teardown_database()
