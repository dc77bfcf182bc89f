"""A scripted CA plugin, for tests only.

Not a mock of a real CA: a real plugin through the real worker whose
answers a test chooses.  The script is ``<state_path>/test_ca.json``::

    {"issue": ["pending", "unavailable", "generated"],
     "check_status": ["generated"],
     "slow_seconds": 5}

Each action maps to a list of outcomes taken in turn per order (the last
one repeats); the count lives in ``plugin_meta``, so it survives between
calls and processes.  Outcomes: ``generated`` (signed by the local CA),
``pending``, ``unavailable``, ``rejected``, ``invalid``, ``canceled``,
``raise``, ``slow`` (sleep ``slow_seconds`` on the first try of an order,
then generate).  Every call is appended to ``<state_path>/test_ca.calls``
as ``<action> <order id> <requestor_name>``.
"""

import json
import os
import time
from typing import Any

from barbican_certs.common import config
from barbican_certs.plugin import local_ca
from barbican_certs.plugin.interface import certificate_manager as cm

Status = cm.CertificateStatus


class ScriptedCAPlugin(cm.CAPluginBase):
    """Answers from the script; issues through a private local CA."""

    def __init__(self) -> None:
        self._signer = local_ca.LocalCAPlugin()

    def supported_request_types(self) -> list[str]:
        return ["simple-cmc", "stored-key"]

    def _play(self, action: str, order_id: str, order_meta: dict[str, Any],
              plugin_meta: dict[str, str],
              dto: cm.BarbicanMetaDTO) -> cm.ResultDTO:
        state = config.state_path()
        with open(os.path.join(state, "test_ca.calls"), "a") as f:
            f.write("%s %s %s\n" % (action, order_id,
                                    order_meta.get("requestor_name")))
        with open(os.path.join(state, "test_ca.json")) as f:
            script = json.load(f)
        outcomes = script.get(action, ["generated"])
        count = int(plugin_meta.get("calls_" + action, "0"))
        plugin_meta["calls_" + action] = str(count + 1)
        outcome = outcomes[min(count, len(outcomes) - 1)]

        if outcome == "slow":
            marker = os.path.join(state, "slow-" + order_id)
            if not os.path.exists(marker):
                open(marker, "w").close()
                time.sleep(script.get("slow_seconds", 5))
            outcome = "generated"
        if outcome == "generated":
            return self._signer.issue_simple_cmc_request(
                order_id, order_meta, plugin_meta, dto)
        if outcome == "raise":
            raise RuntimeError("scripted failure with a secret detail")
        return {
            "pending": cm.ResultDTO(Status.WAITING_FOR_CA, retry_msec=100),
            "unavailable": cm.ResultDTO(Status.CA_UNAVAILABLE_FOR_REQUEST,
                                        "scripted outage"),
            "rejected": cm.ResultDTO(Status.CLIENT_DATA_ISSUE_SEEN,
                                     "scripted rejection"),
            "invalid": cm.ResultDTO(Status.INVALID_OPERATION,
                                    "scripted invalid operation"),
            "canceled": cm.ResultDTO(Status.REQUEST_CANCELED,
                                     "scripted cancel"),
        }[outcome]

    def issue_simple_cmc_request(self, order_id: str,
                                 order_meta: dict[str, Any],
                                 plugin_meta: dict[str, str],
                                 barbican_meta_dto: cm.BarbicanMetaDTO
                                 ) -> cm.ResultDTO:
        return self._play("issue", order_id, order_meta, plugin_meta,
                          barbican_meta_dto)

    def check_certificate_status(self, order_id: str,
                                 order_meta: dict[str, Any],
                                 plugin_meta: dict[str, str],
                                 barbican_meta_dto: cm.BarbicanMetaDTO
                                 ) -> cm.ResultDTO:
        return self._play("check_status", order_id, order_meta,
                          plugin_meta, barbican_meta_dto)

    def modify_certificate_request(self, order_id: str,
                                   order_meta: dict[str, Any],
                                   plugin_meta: dict[str, str],
                                   barbican_meta_dto: cm.BarbicanMetaDTO
                                   ) -> cm.ResultDTO:
        return self._play("modify", order_id, order_meta, plugin_meta,
                          barbican_meta_dto)

    def cancel_certificate_request(self, order_id: str,
                                   order_meta: dict[str, Any],
                                   plugin_meta: dict[str, str],
                                   barbican_meta_dto: cm.BarbicanMetaDTO
                                   ) -> cm.ResultDTO:
        return self._play("cancel", order_id, order_meta, plugin_meta,
                          barbican_meta_dto)

    def get_ca_info(self) -> dict[str, dict[str, Any]]:
        info = self._signer.get_ca_info()["root"]
        return {"scripted": dict(info, name="Scripted test CA")}

    def get_default_ca_name(self) -> str:
        return "Scripted test CA"

    def get_default_signing_cert(self) -> str:
        return self._signer.get_default_signing_cert()

    def get_default_intermediates(self) -> str:
        return self._signer.get_default_intermediates()
