"""Certificate event plugins (SPEC section 4).

Enabled plugins, from the ``barbican_certs.certificate.event.plugin``
namespace by ``[certificate_event] enabled_certificate_event_plugins``, are
told when a certificate is ready and when a CA is unavailable.  The worker
calls them after the order's new state is committed.
"""

import abc
from collections.abc import Iterable
import threading

from oslo_log import log as logging
from stevedore import named

from barbican_certs.common import config
from barbican_certs.plugin.interface import certificate_manager as cm

LOG = logging.getLogger(__name__)

EVENT_PLUGIN_NAMESPACE = "barbican_certs.certificate.event.plugin"


class EventPluginBase(abc.ABC):
    """What an event plugin is told."""

    @abc.abstractmethod
    def notify_certificate_is_ready(self, project_id: str, order_ref: str,
                                    container_ref: str) -> None:
        """A certificate order ended ACTIVE.

        :param project_id: the project's external id.
        :param order_ref: the order's reference.
        :param container_ref: the certificate container's reference.
        """

    @abc.abstractmethod
    def notify_ca_is_unavailable(self, project_id: str, order_ref: str,
                                 error_msg: str, retry_in_msec: int) -> None:
        """A CA could not be reached; the order is retried later.

        :param project_id: the project's external id.
        :param order_ref: the order's reference.
        :param error_msg: a short text for the operator.
        :param retry_in_msec: when the worker tries again.
        """


class EventPluginManager:
    """The enabled event plugins; each event goes to all of them."""

    def __init__(self, plugins: list[EventPluginBase]) -> None:
        self.plugins = plugins

    def notify_certificate_is_ready(self, project_id: str, order_ref: str,
                                    container_ref: str) -> None:
        for plugin in self.plugins:
            plugin.notify_certificate_is_ready(project_id, order_ref,
                                               container_ref)

    def notify_ca_is_unavailable(self, project_id: str, order_ref: str,
                                 error_msg: str, retry_in_msec: int) -> None:
        for plugin in self.plugins:
            plugin.notify_ca_is_unavailable(project_id, order_ref,
                                            error_msg, retry_in_msec)


_manager: EventPluginManager | None = None
_lock = threading.Lock()


def _missing(names: Iterable[str]) -> None:
    raise cm.CertificateEventPluginNotFound(", ".join(names))


def _load(names: list[str]) -> list[EventPluginBase]:
    extensions: named.NamedExtensionManager[EventPluginBase] = (
        named.NamedExtensionManager(
            EVENT_PLUGIN_NAMESPACE, names, invoke_on_load=True,
            name_order=True, on_missing_entrypoints_callback=_missing))
    return [e.obj for e in extensions if e.obj is not None]


def get_event_plugin_manager() -> EventPluginManager:
    """The process's event plugins, loaded once."""
    global _manager
    with _lock:
        if _manager is None:
            conf = config.CONF.certificate_event
            _manager = EventPluginManager(
                _load(conf.enabled_certificate_event_plugins))
        return _manager


def reset_event_plugin_manager() -> None:
    global _manager
    with _lock:
        _manager = None
