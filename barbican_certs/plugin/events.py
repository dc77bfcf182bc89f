"""Event plugins shipped with barbican-certs.

``notifier`` (the default) emits oslo.messaging notifications through the
notifier configured in ``[oslo_messaging_notifications]``, whose driver is
``noop`` unless an operator picks one (``messagingv2``, ``log``...).
``noop`` does nothing, for deployments that want no events at all.
"""

import socket
import threading

from oslo_log import log as logging
import oslo_messaging

from barbican_certs.common import config
from barbican_certs.plugin.interface import event

LOG = logging.getLogger(__name__)

EMBEDDED_URL = "fake://"


class NotificationEventPlugin(event.EventPluginBase):
    """Sends ``certificate.ready`` and ``certificate.ca_unavailable``."""

    def __init__(self) -> None:
        self._notifier: oslo_messaging.Notifier | None = None
        self._lock = threading.Lock()

    def _get_notifier(self) -> oslo_messaging.Notifier:
        with self._lock:
            if self._notifier is None:
                conf = config.CONF
                url = (conf.oslo_messaging_notifications.transport_url
                       or config.transport_url() or EMBEDDED_URL)
                transport = oslo_messaging.get_notification_transport(
                    conf, url=url)
                self._notifier = oslo_messaging.Notifier(
                    transport, publisher_id="barbican-certs.%s"
                    % socket.gethostname())
            return self._notifier

    def notify_certificate_is_ready(self, project_id: str, order_ref: str,
                                    container_ref: str) -> None:
        self._get_notifier().info({}, "certificate.ready", {
            "project_id": project_id, "order_ref": order_ref,
            "container_ref": container_ref})

    def notify_ca_is_unavailable(self, project_id: str, order_ref: str,
                                 error_msg: str, retry_in_msec: int) -> None:
        self._get_notifier().warn({}, "certificate.ca_unavailable", {
            "project_id": project_id, "order_ref": order_ref,
            "error_msg": error_msg, "retry_in_msec": retry_in_msec})


class NoopEventPlugin(event.EventPluginBase):
    """Drops every event, on purpose."""

    def notify_certificate_is_ready(self, project_id: str, order_ref: str,
                                    container_ref: str) -> None:
        LOG.debug("Order %s: certificate ready (no event plugin)",
                  order_ref)

    def notify_ca_is_unavailable(self, project_id: str, order_ref: str,
                                 error_msg: str, retry_in_msec: int) -> None:
        LOG.debug("Order %s: CA unavailable (no event plugin)", order_ref)
