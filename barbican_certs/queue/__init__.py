"""Messaging between the API and the workers (oslo.messaging RPC).

One transport per process.  Without ``transport_url`` it is the in-process
``fake://`` driver, shared by the API's client and the embedded server.
"""

import threading

import oslo_messaging

from barbican_certs.common import config

TOPIC = "barbican-certs-worker"
EMBEDDED_URL = "fake://"

_transport: oslo_messaging.Transport | None = None
_lock = threading.Lock()


def get_transport() -> oslo_messaging.Transport:
    """The process's RPC transport, created on first use."""
    global _transport
    with _lock:
        if _transport is None:
            url = config.transport_url() or EMBEDDED_URL
            _transport = oslo_messaging.get_rpc_transport(config.CONF,
                                                          url=url)
        return _transport


def reset_transport() -> None:
    """Close and forget the transport (tests, shutdown)."""
    global _transport
    with _lock:
        if _transport is not None:
            _transport.cleanup()
        _transport = None
