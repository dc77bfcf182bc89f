"""The API's side of the worker RPC interface.

Version history:

* 1.0 - ``process_order(order_id)``: a nudge that an order has work due.
"""

from oslo_log import log as logging
import oslo_messaging

from barbican_certs import queue

LOG = logging.getLogger(__name__)

RPC_API_VERSION = "1.0"


class WorkerClient:
    """Casts to the workers.  A cast is only a nudge: the order row is
    already committed with a due time, so a lost message delays an order
    until a scheduler finds it, and never loses it (SPEC section 2)."""

    def __init__(self) -> None:
        target = oslo_messaging.Target(topic=queue.TOPIC,
                                       version=RPC_API_VERSION)
        self._client = oslo_messaging.get_rpc_client(
            queue.get_transport(), target)

    def process_order(self, order_id: str) -> None:
        """Ask a worker to take up ``order_id`` now.

        :param order_id: id of an order whose work is due.
        """
        try:
            self._client.prepare(version="1.0").cast(
                {}, "process_order", order_id=order_id)
        except oslo_messaging.MessagingException as err:
            LOG.warning("Order %s: could not notify a worker (%s); a "
                        "scheduler will pick it up", order_id, err)


_client: WorkerClient | None = None


def get_client() -> WorkerClient:
    """The process's client, created on first use."""
    global _client
    if _client is None:
        _client = WorkerClient()
    return _client


def reset_client() -> None:
    global _client
    _client = None


