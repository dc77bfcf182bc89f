"""``barbican-certs-worker``: RPC server and scheduler, scaled mode."""

import signal
import sys
import threading

from oslo_log import log as logging

from barbican_certs.api import app as api_app
from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.queue import server

LOG = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    config.parse_args(sys.argv[1:] if argv is None else argv)
    logging.setup(config.CONF, "barbican-certs")
    if config.transport_url() is None:
        raise SystemExit(exception.ConfigurationError(
            reason="barbican-certs-worker needs [DEFAULT] transport_url; "
                   "without one the API runs its worker itself").
            client_message)
    api_app.setup_database()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    worker = server.Worker()
    worker.start()
    stop.wait()
    LOG.info("Worker %s stopping", worker.scheduler.owner)
    worker.stop()
