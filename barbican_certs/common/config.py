"""Configuration options of barbican-certs (SPEC section 7).

Every option is registered on the global ``cfg.CONF`` at import time, as
oslo.messaging registers some of its own options only there.  The
``oslo.config.opts`` entry point :func:`list_opts` feeds the sample file
generator.
"""

from collections.abc import Sequence
import os

from oslo_config import cfg
from oslo_log import log
import oslo_messaging
from oslo_messaging import opts as messaging_opts

CONF = cfg.CONF

DEFAULT_STATE_PATH = os.path.join("~", ".local", "share", "barbican-certs")

default_opts = [
    cfg.StrOpt(
        "host_href",
        help="Base URL of the service used in every reference returned to "
             "clients, e.g. https://certs.example.com:9311.  When unset it "
             "is taken from each request's Host header."),
    cfg.HostAddressOpt(
        "bind_host", default="127.0.0.1",
        help="Address the API listens on."),
    cfg.PortOpt(
        "bind_port", default=9311,
        help="Port the API listens on."),
    cfg.StrOpt(
        "state_path", default=DEFAULT_STATE_PATH,
        help="Directory for the service's own files: the default SQLite "
             "database, the master key file and the local CA's keys."),
    cfg.IntOpt(
        "max_allowed_request_size_in_bytes", default=65536, min=1,
        help="Largest request body accepted; larger ones get 413."),
]

database_opts = [
    cfg.StrOpt(
        "connection", secret=True,
        help="SQLAlchemy URL of the database, e.g. "
             "postgresql+psycopg2://user@host/db.  Default: SQLite file "
             "barbican-certs.sqlite under state_path."),
    cfg.IntOpt(
        "pool_size", default=5, min=1,
        help="Connections kept open per process (not used with SQLite)."),
    cfg.IntOpt(
        "max_overflow", default=10, min=0,
        help="Connections opened beyond pool_size under load."),
    cfg.BoolOpt(
        "auto_upgrade", default=True,
        help="Create or upgrade the schema when the API or a worker "
             "starts.  Turn off to run 'barbican-certs-manage db upgrade' "
             "yourself."),
]

api_opts = [
    cfg.StrOpt(
        "auth_strategy", default="noauth", choices=["noauth", "keystone"],
        help="How callers are identified: noauth trusts the X-Project-Id, "
             "X-User-Id and X-Roles headers; keystone puts "
             "keystonemiddleware's auth_token in front."),
    cfg.StrOpt(
        "noauth_default_project_id",
        help="With auth_strategy noauth, the project of requests that "
             "carry no X-Project-Id header (the openstack CLI with "
             "--os-auth-type none sends none).  Unset, such requests are "
             "refused with 400 'Missing X-Project-Id'."),
    cfg.IntOpt(
        "workers", min=1,
        help="API processes to fork.  Default: 1 when the worker runs "
             "embedded (no transport_url), else the number of CPUs."),
    cfg.IntOpt(
        "default_limit_paging", default=10, min=1,
        help="Page size of list requests without a limit."),
    cfg.IntOpt(
        "max_limit_paging", default=100, min=1,
        help="Largest page size a list request may ask for."),
]

certificate_opts = [
    cfg.ListOpt(
        "enabled_certificate_plugins", default=["local_ca"],
        help="CA plugins to load, by entry point name in the "
             "barbican_certs.certificate.plugin namespace."),
    cfg.IntOpt(
        "pending_timeout", default=7 * 24 * 3600, min=1,
        help="Seconds a certificate order may stay PENDING before it ends "
             "in ERROR 504 cert_timed_out."),
    cfg.FloatOpt(
        "retry_initial_seconds", default=5.0, min=0.1,
        help="First delay before retrying a CA that was unavailable; it "
             "doubles on every further failure."),
    cfg.FloatOpt(
        "retry_max_seconds", default=300.0, min=0.1,
        help="Longest delay between retries of an unavailable CA."),
]

certificate_event_opts = [
    cfg.ListOpt(
        "enabled_certificate_event_plugins", default=["notifier"],
        help="Event plugins to load, by entry point name in the "
             "barbican_certs.certificate.event.plugin namespace."),
]

cmc_opts = [
    cfg.StrOpt(
        "trusted_ra_certificates",
        help="Path of a PEM bundle of trust anchors for registration "
             "authorities that sign full CMC requests."),
]

crypto_opts = [
    cfg.StrOpt(
        "master_kek", secret=True,
        help="Base64 of the 32-byte master key that wraps the per-project "
             "keys.  When unset, the key is read from master_kek_file, "
             "which is created on first start."),
    cfg.StrOpt(
        "master_kek_file", default="$state_path/master.kek",
        help="File holding the master key when master_kek is unset; "
             "created with mode 0600 if missing."),
]

scheduler_opts = [
    cfg.IntOpt(
        "lease_seconds", default=60, min=1,
        help="How long a worker owns an order it claimed.  An order whose "
             "worker died is taken up again once its lease expires."),
    cfg.FloatOpt(
        "interval_seconds", default=1.0, min=0.05,
        help="How often each worker looks for due orders."),
    cfg.IntOpt(
        "batch_size", default=20, min=1,
        help="Most orders one worker claims per look."),
    cfg.IntOpt(
        "threads", default=4, min=1,
        help="Orders one worker process handles at the same time."),
]

_GROUPS: list[tuple[str | None, Sequence[cfg.Opt]]] = [
    (None, default_opts),
    ("database", database_opts),
    ("api", api_opts),
    ("certificate", certificate_opts),
    ("certificate_event", certificate_event_opts),
    ("cmc", cmc_opts),
    ("crypto", crypto_opts),
    ("scheduler", scheduler_opts),
]

for _group, _opts in _GROUPS:
    CONF.register_opts(_opts, group=_group)
log.register_options(CONF)
oslo_messaging.set_transport_defaults(control_exchange="barbican_certs")
# The transport URLs must be readable before any transport exists, to
# choose between the embedded worker and a broker.
for _group, _opts in messaging_opts.list_opts():
    if _group in (None, "oslo_messaging_notifications"):
        CONF.register_opts(_opts, group=_group)


def set_defaults() -> None:
    """Defaults this service changes in the options of its libraries."""
    # oslo.messaging defaults to rabbit://; unset means the embedded worker.
    CONF.set_default("transport_url", None)


set_defaults()


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Options of barbican-certs itself, for ``oslo-config-generator``."""
    return [(group or "DEFAULT", list(opts)) for group, opts in _GROUPS]


def parse_args(argv: list[str] | None = None,
               default_config_files: list[str] | None = None) -> None:
    """Parse command line and config files into the global ``CONF``.

    :param argv: arguments after the program name; ``None`` reads none.
    :param default_config_files: files read when ``--config-file`` is not
        given; ``None`` looks in the usual places for barbican-certs.conf.
    """
    set_defaults()
    CONF(argv or [], project="barbican-certs",
         default_config_files=default_config_files)


def state_path() -> str:
    """The state directory, expanded and created (mode 0700) if missing."""
    path = os.path.abspath(os.path.expanduser(CONF.state_path))
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def database_url() -> str:
    """The configured database URL, or the embedded SQLite file."""
    if CONF.database.connection:
        return CONF.database.connection
    return "sqlite:///" + os.path.join(state_path(), "barbican-certs.sqlite")


def transport_url() -> str | None:
    """The configured messaging URL; ``None`` means the embedded worker."""
    return CONF.transport_url or None
