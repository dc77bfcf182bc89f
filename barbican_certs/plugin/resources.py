"""The core's view of the CAs its plugins offer, and the choice among them.

A CA's ``ca_id`` is a UUID derived from its plugin's name and the plugin's
own id for it, so every process and every restart agree on it without
coordination.
"""

import dataclasses
import threading
import time
from typing import Any
import uuid

from barbican_certs.common import exception
from barbican_certs.plugin.interface import certificate_manager as cm

_CA_ID_NAMESPACE = uuid.UUID("9b6c2f0e-5a51-4d0b-9a57-1c7e3f2d8b10")
_CACHE_SECONDS = 60.0


class InvalidCAID(exception.Invalid):
    message = ("Order creation issue seen - The ca_id provided in the "
               "request is invalid.")


class CANotSupportingRequestType(exception.Invalid):
    message = ("Order creation issue seen - The CA %(ca_id)s does not "
               "support request type %(request_type)s.")


class NoCAForOrder(exception.Invalid):
    message = ("Order creation issue seen - No certificate authority "
               "supports this %(request_type)s order.")


@dataclasses.dataclass(frozen=True)
class CARecord:
    """One CA a plugin offers."""

    ca_id: str
    plugin_name: str
    plugin_ca_id: str
    info: dict[str, Any]


def ca_id_for(plugin_name: str, plugin_ca_id: str) -> str:
    """The stable ``ca_id`` of a plugin's CA."""
    return str(uuid.uuid5(_CA_ID_NAMESPACE,
                          "%s/%s" % (plugin_name, plugin_ca_id)))


_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def list_cas() -> list[CARecord]:
    """Every CA of every enabled plugin, refreshed once a minute."""
    with _cache_lock:
        if _cache.get("expires", 0.0) > time.monotonic():
            return list(_cache["cas"])
        manager = cm.get_plugin_manager()
        cas = [
            CARecord(ca_id_for(name, plugin_ca_id), name, plugin_ca_id,
                     info)
            for name, plugin in zip(manager.names(), manager.plugins())
            for plugin_ca_id, info in plugin.get_ca_info().items()
        ]
        _cache.update(cas=cas, expires=time.monotonic() + _CACHE_SECONDS)
        return list(cas)


def reset_cache() -> None:
    with _cache_lock:
        _cache.clear()


def find_ca(ca_id: str) -> CARecord | None:
    return next((ca for ca in list_cas() if ca.ca_id == ca_id), None)


def select_ca(meta: dict[str, Any],
              request_type: str) -> tuple[str, str | None]:
    """The plugin and CA that will serve a certificate order.

    SPEC section 3.3: the CA named by ``ca_id`` if it supports the request
    type; otherwise the first enabled plugin whose ``supports()`` accepts
    the order, at its default CA.

    :returns: ``(plugin_name, plugin_ca_id)``; the CA id is None for the
        plugin's default CA.
    :raises InvalidCAID, CANotSupportingRequestType, NoCAForOrder: 400s.
    """
    manager = cm.get_plugin_manager()
    ca_id = meta.get("ca_id")
    if ca_id:
        ca = find_ca(ca_id)
        if ca is None:
            raise InvalidCAID()
        plugin = manager.get_plugin(ca.plugin_name)
        if request_type not in plugin.supported_request_types():
            raise CANotSupportingRequestType(ca_id=ca_id,
                                             request_type=request_type)
        return ca.plugin_name, ca.plugin_ca_id
    for name, plugin in zip(manager.names(), manager.plugins()):
        if plugin.supports(dict(meta, request_type=request_type)):
            return name, None
    raise NoCAForOrder(request_type=request_type)
