"""``barbican-certs-manage``: operator tasks.

``db upgrade [--revision REV]`` migrates the schema, ``db current`` shows
the revision the database is at, ``ca list`` refreshes the CA table from
the enabled plugins and prints it.
"""

import sys
from typing import Any

from oslo_config import cfg
import sqlalchemy as sa

from barbican_certs.common import config
from barbican_certs.model import migration
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.plugin import resources


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


def _ca_list() -> None:
    engine = repositories.setup_database()
    if config.CONF.database.auto_upgrade:
        migration.upgrade(engine)
    resources.refresh_plugin_cas(force=True)
    rows = repositories.get_session().scalars(
        sa.select(models.CertificateAuthority)
        .filter_by(deleted=False)
        .order_by(models.CertificateAuthority.created_at)).all()
    print("%-36s  %-12s  %-36s  %-8s  %s" % (
        "ca_id", "plugin", "plugin_ca_id", "owner", "name"))
    for ca in rows:
        print("%-36s  %-12s  %-36s  %-8s  %s" % (
            ca.id, ca.plugin_name, ca.plugin_ca_id,
            "project" if ca.project_id else "shared", ca.name))


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

    ca = subparsers.add_parser("ca", help="certificate authorities")
    ca_commands = ca.add_subparsers(dest="action")
    ca_commands.required = True
    ca_commands.add_parser("list", help="refresh and list the CA table"
                           ).set_defaults(func=_ca_list)


def main(argv: list[str] | None = None) -> None:
    config.CONF.register_cli_opt(cfg.SubCommandOpt(
        "command", title="commands", handler=_add_parsers))
    config.parse_args(sys.argv[1:] if argv is None else argv)
    config.CONF.command.func()
    repositories.teardown_database()
