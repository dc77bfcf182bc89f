"""Every row of the SPEC section 3.3 error table, through the HTTP API."""

import base64

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
import pytest

from barbican_certs.plugin import resources


@pytest.fixture
def embedded(shared_embedded):
    """These tests share one service; each uses projects of its own."""
    return shared_embedded

MISSING_UUID = "8e9a9f4e-4a5e-4b8f-9b39-9a1f7c1d2e3f"


def _csr_der(key_size: int = 2048) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    ).sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _bad_signature() -> str:
    der = bytearray(_csr_der())
    der[-1] ^= 0xFF
    return _b64(bytes(der))


def _weak_key() -> str:
    # cryptography refuses to make RSA keys under 1024 bits; 1024 is weak.
    return _b64(_csr_der(1024))


SIMPLE = {"request_type": "simple-cmc"}
STORED = {"request_type": "stored-key", "subject_dn": "CN=x"}

ROWS = [
    ({"request_type": "other-cmc"}, "Invalid Certificate Request Type"),
    (SIMPLE, "Missing required metadata field for request_data"),
    (dict(SIMPLE, request_data=""),
     "Missing required metadata field for request_data"),
    ({"request_type": "full-cmc"},
     "Missing required metadata field for request_data"),
    ({"request_type": "stored-key", "subject_dn": "CN=x"},
     "Missing required metadata field for container_ref"),
    ({"request_type": "stored-key",
      "container_ref": "http://h/v1/containers/" + MISSING_UUID},
     "Missing required metadata field for subject_dn"),
    (dict(SIMPLE, payload="x"),
     "'payload' not allowed for certificate type order"),
    (dict(SIMPLE, requestor_email="not-an-email"),
     "Invalid requestor_email: not-an-email"),
    (dict(SIMPLE, requestor_name="n" * 256),
     "Invalid requestor_name: " + "n" * 256),
    (dict(SIMPLE, requestor_phone=5551234),
     "Invalid requestor_phone: 5551234"),
    (dict(SIMPLE, profile="server"),
     "Missing required metadata field for ca_id"),
    (dict(SIMPLE, request_data="%%% not base64 %%%"),
     "Unable to decode request data."),
    (dict(SIMPLE, request_data=_b64(b"garbage, not a request")),
     "Invalid PKCS10 Data: Bad format"),
    (dict(SIMPLE, request_data="-----BEGIN CERTIFICATE REQUEST-----\n"
                               "AAAA\n-----END CERTIFICATE REQUEST-----\n"),
     "Invalid PKCS10 Data: Bad format"),
    (dict(SIMPLE, request_data=_bad_signature()),
     "Invalid PKCS10 Data: Signing key incorrect"),
    (dict(STORED, container_ref="http://h/v1/containers/" + MISSING_UUID,
          subject_dn="not a dn"), "Invalid subject DN: not a dn"),
    (dict(STORED, container_ref="http://h/v1/containers/" + MISSING_UUID,
          extensions="%%%"), "Invalid extensions data."),
    (dict(STORED, container_ref="http://h/v1/containers/" + MISSING_UUID,
          extensions=_b64(b"\x30\x03\x02\x01\x01")),
     "Invalid extensions data."),
    (dict(SIMPLE, request_data=_b64(_csr_der()), ca_id=MISSING_UUID),
     "Order creation issue seen - The ca_id provided in the request is "
     "invalid."),
    (dict(STORED, container_ref="not-a-reference"),
     "Order creation issue seen - Invalid container: Bad Container "
     "Reference not-a-reference."),
    (dict(STORED, container_ref="http://h/v1/containers/" + MISSING_UUID),
     "Order creation issue seen - Invalid container: Container Not Found."),
    # custom: checked against the CA's published parameter schema.
    ({"request_type": "custom", "subject_dn": "CN=a", "key_size": "big"},
     "Invalid custom parameters: key_size does not fit the CA's schema "
     "(type)"),
    ({"request_type": "custom", "subject_dn": "CN=a",
      "dns_names": ["a.example", 7]},
     "Invalid custom parameters: dns_names.1 does not fit the CA's "
     "schema (type)"),
    ({"request_type": "custom", "profile": "nope", "request_data": "x",
      "ca_id": resources.ca_id_for("local_ca", "root")},
     "Invalid profile: nope"),
    ({"request_type": "custom", "name": "neither"},
     "Invalid custom parameters: they do not fit the CA's schema "
     "(anyOf)"),
]


@pytest.mark.parametrize("meta,description", ROWS)
def test_error_row(embedded, meta, description):
    response = embedded.client("p").post(
        "/v1/orders", json={"type": "certificate", "meta": meta})
    assert response.status_code == 400, response.text
    assert response.json() == {"code": 400, "title": "Bad Request",
                               "description": description}


@pytest.mark.parametrize("meta,prefix", [
    (dict(SIMPLE, request_data=_weak_key()), "Invalid PKCS10 Data: "),
    ({"request_type": "full-cmc", "request_data": _b64(b"\x30\x00")},
     "Invalid CMC Data: "),
    ({"request_type": "full-cmc", "request_data": _b64(_csr_der())},
     "Invalid CMC Data: "),
])
def test_error_with_reason(embedded, meta, prefix):
    response = embedded.client("p").post(
        "/v1/orders", json={"type": "certificate", "meta": meta})
    assert response.status_code == 400, response.text
    description = response.json()["description"]
    assert description.startswith(prefix) and len(description) > len(prefix)


class TestContainers:
    def _container(self, client, container_type: str) -> str:
        secret = client.post("/v1/secrets", json={
            "payload": "k", "payload_content_type": "text/plain"}).json()[
            "secret_ref"]
        return client.post("/v1/containers", json={
            "type": container_type, "secret_refs": [
                {"name": "private_key", "secret_ref": secret}]}).json()[
            "container_ref"]

    def test_wrong_type(self, embedded):
        client = embedded.client("p")
        ref = self._container(client, "generic")
        response = client.post("/v1/orders", json={
            "type": "certificate", "meta": dict(STORED, container_ref=ref)})
        assert response.status_code == 400
        assert response.json()["description"] == (
            "Order creation issue seen - Invalid container: Container "
            "Wrong Type.")

    def test_other_projects_container_is_not_found(self, embedded):
        ref = self._container(embedded.client("owner"), "rsa")
        response = embedded.client("thief").post("/v1/orders", json={
            "type": "certificate", "meta": dict(STORED, container_ref=ref)})
        assert response.status_code == 400
        assert response.json()["description"] == (
            "Order creation issue seen - Invalid container: Container Not "
            "Found.")


def test_no_order_is_left_behind(embedded):
    client = embedded.client("nothing-accepted")
    for meta, _description in ROWS:
        client.post("/v1/orders", json={"type": "certificate",
                                        "meta": meta})
    assert client.get("/v1/orders").json()["total"] == 0
