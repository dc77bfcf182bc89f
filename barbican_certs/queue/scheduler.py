"""The scheduler every worker runs (SPEC section 2).

Pending work is a row with a due time.  Each worker looks for due rows
every ``[scheduler] interval_seconds``, claims them one by one with an
atomic conditional UPDATE (a lease with an owner and an expiry) and hands
the claimed ones to a thread pool.  A message from the API only makes a
worker try the claim at once instead of at its next look.
"""

from concurrent import futures
import os
import socket
import threading
import uuid

from oslo_log import log as logging
import sqlalchemy.exc

from barbican_certs.common import config
from barbican_certs.model import models
from barbican_certs.model import repositories
from barbican_certs.tasks import orders as order_tasks

LOG = logging.getLogger(__name__)


def new_owner_id() -> str:
    """A lease owner name unique to this process."""
    return "%s:%d:%s" % (socket.gethostname()[:40], os.getpid(),
                         uuid.uuid4().hex[:8])


class Scheduler:
    """Claims due orders and runs them, in a background thread."""

    def __init__(self, owner: str | None = None) -> None:
        self.owner = owner or new_owner_id()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = futures.ThreadPoolExecutor(
            max_workers=config.CONF.scheduler.threads,
            thread_name_prefix="barbican-certs-order")
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def process_order(self, order_id: str) -> bool:
        """Claim ``order_id`` if it is due and free, and do its work.

        :returns: True when this call processed the order.
        """
        lease = config.CONF.scheduler.lease_seconds
        try:
            if not repositories.OrderRepo().claim(
                    order_id, self.owner, models.utcnow(), lease):
                return False
            order_tasks.process_claimed_order(order_id, self.owner)
            return True
        except repositories.LeaseLost:
            LOG.warning("Order %s: lease lost while working; another "
                        "worker takes over", order_id)
            return False
        except sqlalchemy.exc.SQLAlchemyError as err:
            LOG.warning("Order %s: database error (%s); the order is "
                        "retried when its lease expires", order_id,
                        type(err).__name__)
            return False
        finally:
            repositories.clear()

    def submit(self, order_id: str) -> None:
        """Run :meth:`process_order` in the pool unless already queued."""
        with self._lock:
            if order_id in self._in_flight:
                return
            self._in_flight.add(order_id)
        self._pool.submit(self._run, order_id)

    def _run(self, order_id: str) -> None:
        try:
            self.process_order(order_id)
        except Exception:
            LOG.exception("Order %s: unexpected error in the scheduler",
                          order_id)
        finally:
            with self._lock:
                self._in_flight.discard(order_id)

    def run_once(self) -> int:
        """Queue every due order found now; returns how many."""
        try:
            due = repositories.OrderRepo().find_due(
                models.utcnow(), config.CONF.scheduler.batch_size)
        except sqlalchemy.exc.SQLAlchemyError as err:
            LOG.warning("Scheduler: database unreachable (%s)",
                        type(err).__name__)
            return 0
        finally:
            repositories.clear()
        for order_id in due:
            self.submit(order_id)
        return len(due)

    def _loop(self) -> None:
        interval = config.CONF.scheduler.interval_seconds
        while not self._stop.wait(interval):
            self.run_once()

    def start(self) -> None:
        """Start looking for due orders in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="barbican-certs-scheduler")
        self._thread.start()
        LOG.info("Scheduler %s started", self.owner)

    def stop(self) -> None:
        """Stop looking and wait for the orders in hand."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._pool.shutdown(wait=True)
