"""A scripted CA plugin, for tests only.

Not a mock of a real CA: a real plugin through the real worker whose
answers a test chooses.  The script is ``<state_path>/test_ca.json``::

    {"issue": ["pending", "unavailable", "generated"],
     "check_status": ["generated"],
     "slow_seconds": 5}

Each action maps to a list of outcomes taken in turn per order (the last
one repeats); the count lives in ``plugin_meta``, so it survives between
calls and processes.  Outcomes: ``generated`` (signed by this plugin's
own CA, "Scripted test CA", whose key it keeps under the state path),
``pending``, ``unavailable``, ``rejected``, ``invalid``, ``canceled``,
``raise``, ``slow`` (sleep ``slow_seconds`` on the first try of an order,
then generate).  Every call is appended to ``<state_path>/test_ca.calls``
as ``<action> <order id> <requestor_name>``.
"""

import datetime
import json
import os
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from barbican_certs.common import config
from barbican_certs.plugin.interface import certificate_manager as cm

Status = cm.CertificateStatus
CA_NAME = "Scripted test CA"
DAY = datetime.timedelta(days=1)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class _SigningCA:
    """A throwaway CA of this plugin: key and certificate in the state
    path, created by the first process that needs them."""

    def __init__(self) -> None:
        directory = os.path.join(config.state_path(), "test_ca")
        os.makedirs(directory, exist_ok=True)
        key_path = os.path.join(directory, "ca.pem")
        if not os.path.exists(key_path):
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                 CA_NAME)])
            cert = (x509.CertificateBuilder().subject_name(name)
                    .issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(_now() - DAY)
                    .not_valid_after(_now() + 30 * DAY)
                    .add_extension(x509.BasicConstraints(ca=True,
                                                         path_length=None),
                                   critical=True)
                    .sign(key, hashes.SHA256()))
            temporary = "%s.%d" % (key_path, os.getpid())
            with open(temporary, "wb") as f:
                f.write(key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()))
                f.write(cert.public_bytes(serialization.Encoding.PEM))
            os.replace(temporary, key_path)
        with open(key_path, "rb") as f:
            data = f.read()
        self.key = serialization.load_pem_private_key(data, None)
        self.cert = x509.load_pem_x509_certificate(data)

    def sign(self, request_der: bytes) -> cm.ResultDTO:
        csr = x509.load_der_x509_csr(request_der)
        cert = (x509.CertificateBuilder().subject_name(csr.subject)
                .issuer_name(self.cert.subject)
                .public_key(csr.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(_now() - DAY)
                .not_valid_after(_now() + DAY)
                .sign(self.key, hashes.SHA256()))  # type: ignore[arg-type]
        return cm.ResultDTO(
            Status.CERTIFICATE_GENERATED,
            certificate=cert.public_bytes(serialization.Encoding.PEM),
            intermediates=pkcs7.serialize_certificates(
                [self.cert], serialization.Encoding.PEM))


class ScriptedCAPlugin(cm.CAPluginBase):
    """Answers from the script; issues with its own throwaway CA."""

    def __init__(self) -> None:
        self._ca: _SigningCA | None = None

    @property
    def _signer(self) -> _SigningCA:
        if self._ca is None:
            self._ca = _SigningCA()
        return self._ca

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
            return self._signer.sign(dto.request_der or b"")
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
        return {"scripted": {
            cm.INFO_NAME: CA_NAME,
            cm.INFO_DESCRIPTION: "Answers as the test script says",
            cm.INFO_CA_SIGNING_CERT: self.get_default_signing_cert(),
            cm.INFO_INTERMEDIATES: self.get_default_intermediates(),
            cm.INFO_EXPIRATION: _now() + DAY,
        }}

    def get_default_ca_name(self) -> str:
        return CA_NAME

    def get_default_signing_cert(self) -> str:
        return self._signer.cert.public_bytes(
            serialization.Encoding.PEM).decode()

    def get_default_intermediates(self) -> str:
        return pkcs7.serialize_certificates(
            [self._signer.cert], serialization.Encoding.PEM).decode()
