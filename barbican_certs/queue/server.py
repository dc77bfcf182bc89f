"""The worker's RPC server: it hands each nudge to the scheduler.

It stays thin: claiming and the work itself belong to
:mod:`barbican_certs.queue.scheduler` and :mod:`barbican_certs.tasks`.
"""

from typing import Any

from oslo_log import log as logging
import oslo_messaging

from barbican_certs import queue
from barbican_certs.queue import client
from barbican_certs.queue import scheduler as scheduler_mod

LOG = logging.getLogger(__name__)


class WorkerEndpoint:
    """RPC methods of :class:`barbican_certs.queue.client.WorkerClient`."""

    target = oslo_messaging.Target(version=client.RPC_API_VERSION)

    def __init__(self, scheduler: scheduler_mod.Scheduler) -> None:
        self.scheduler = scheduler

    def process_order(self, ctxt: dict[str, Any], order_id: str) -> None:
        self.scheduler.submit(order_id)


class Worker:
    """An RPC server and a scheduler, started and stopped together."""

    def __init__(self) -> None:
        self.scheduler = scheduler_mod.Scheduler()
        target = oslo_messaging.Target(topic=queue.TOPIC,
                                       server=self.scheduler.owner)
        self.server = oslo_messaging.get_rpc_server(
            queue.get_transport(), target,
            [WorkerEndpoint(self.scheduler)], executor="threading")

    def start(self) -> None:
        self.server.start()
        self.scheduler.start()
        # Work left by a previous run is due now; do not wait a tick.
        self.scheduler.run_once()
        LOG.info("Worker %s is listening", self.scheduler.owner)

    def stop(self) -> None:
        self.server.stop()
        self.server.wait()
        self.scheduler.stop()
