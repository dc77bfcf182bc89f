"""``barbican-certs-api``: the HTTP API, served by gunicorn.

Without ``transport_url`` it also runs the worker in-process (the embedded
default of SPEC section 2): one process, SQLite, the fake transport.
"""

import ctypes
import multiprocessing
import signal
import sys
from typing import Any

from gunicorn.app import base as gunicorn_base
from oslo_log import log as logging

from barbican_certs.api import app as api_app
from barbican_certs.common import config
from barbican_certs.model import repositories

LOG = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_embedded_worker: Any = None


def _die_with_parent(_server: Any, _worker: Any) -> None:
    """Make a forked process end when the master does (Linux).

    A master killed with SIGKILL must not leave its worker behind, holding
    the port and working on orders, when the service is started again.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        LOG.debug("prctl is not available; workers may outlive the master")


def _start_embedded_worker(_worker: Any) -> None:
    global _embedded_worker
    from barbican_certs.queue import server
    _embedded_worker = server.Worker()
    _embedded_worker.start()


def _stop_embedded_worker(_server: Any, _worker: Any) -> None:
    if _embedded_worker is not None:
        _embedded_worker.stop()


class APIServer(gunicorn_base.BaseApplication):  # type: ignore[misc]
    """gunicorn serving :func:`barbican_certs.api.app.create_app`."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return api_app.create_app()


def gunicorn_options() -> dict[str, Any]:
    conf = config.CONF
    embedded = config.transport_url() is None
    workers = 1 if embedded else (conf.api.workers
                                  or multiprocessing.cpu_count())
    options: dict[str, Any] = {
        "bind": "%s:%d" % (conf.bind_host, conf.bind_port),
        "workers": workers,
        "worker_class": "sync",
        "timeout": 120,
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "post_fork": _die_with_parent,
        "proc_name": "barbican-certs-api",
        # One control socket per user would be shared by every service
        # on the host; this one is run by its own supervisor instead.
        "control_socket_disable": True,
    }
    if embedded:
        options["post_worker_init"] = _start_embedded_worker
        options["worker_exit"] = _stop_embedded_worker
    return options


def main(argv: list[str] | None = None) -> None:
    config.parse_args(sys.argv[1:] if argv is None else argv)
    logging.setup(config.CONF, "barbican-certs")
    # Migrate once before forking; the workers start with no connection.
    api_app.setup_database()
    repositories.teardown_database()
    LOG.info("API listening on %s:%d (%s worker)", config.CONF.bind_host,
             config.CONF.bind_port,
             "embedded" if config.transport_url() is None else "remote")
    APIServer(gunicorn_options()).run()
