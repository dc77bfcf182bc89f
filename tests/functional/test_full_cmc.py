"""Full CMC orders over HTTP: requests signed by ``openssl cms``.

A valid request is issued by the local CA; every tampered variant is
refused at once with 400 ``Invalid CMC Data: ...`` (or the PKCS#10 text
for a bad request inside a good envelope).
"""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from tests.cmc_vectors import PKIFactory
from tests.functional.test_certificates import certificate_of
from tests.functional.test_certificates import openssl_verify


@pytest.fixture
def embedded(shared_embedded):
    return shared_embedded


@pytest.fixture(scope="module")
def vectors(tmp_path_factory) -> PKIFactory:
    return PKIFactory(tmp_path_factory.mktemp("cmc"))


def _post(client, der: bytes):
    return client.post("/v1/orders", json={"type": "certificate", "meta": {
        "request_type": "full-cmc",
        "request_data": base64.b64encode(der).decode()}})


def test_self_signed_request_is_issued(embedded, vectors, tmp_path):
    client = embedded.client("cmc")
    der = vectors.self_signed_request(transaction_id=5,
                                      sender_nonce=b"client nonce")
    response = _post(client, der)
    assert response.status_code == 202, response.text
    order = client.wait_order(response.json()["order_ref"])
    assert order["status"] == "ACTIVE", order
    cert, _chain = certificate_of(client, order)
    openssl_verify(tmp_path, cert, client)
    assert cert.public_key() == vectors.ec_key.public_key()
    assert cert.subject.rfc4514_string() == "CN=client.example"


def _changed_content(vectors: PKIFactory) -> bytes:
    request = vectors.csr()
    original = vectors.pki_data([request], transaction_id=7)
    changed = vectors.pki_data([request], transaction_id=8)
    throwaway = vectors.certificate(vectors.ec_key, "throwaway")
    der = vectors.openssl_sign(original, throwaway, vectors.ec_key,
                               nocerts=True)
    return der.replace(original, changed)


def _wrong_signer(vectors: PKIFactory) -> bytes:
    stranger = ec.generate_private_key(ec.SECP256R1())
    return vectors.openssl_sign(vectors.pki_data([vectors.csr()]),
                                vectors.certificate(stranger, "x"),
                                stranger, nocerts=True)


def _wrong_content_type(vectors: PKIFactory) -> bytes:
    throwaway = vectors.certificate(vectors.ec_key, "throwaway")
    return vectors.openssl_sign(vectors.pki_data([vectors.csr()]),
                                throwaway, vectors.ec_key,
                                econtent_type="1.2.840.113549.1.7.1")


def _bad_inner_request(vectors: PKIFactory) -> bytes:
    csr = bytearray(vectors.csr())
    csr[-1] ^= 0x01
    throwaway = vectors.certificate(vectors.ec_key, "throwaway")
    return vectors.openssl_sign(vectors.pki_data([bytes(csr)]), throwaway,
                                vectors.ec_key, nocerts=True)


def _untrusted_ra(vectors: PKIFactory) -> bytes:
    # Signed by an RA whose anchor the service was not configured with.
    return vectors.ra_signed_request()


TAMPERED = {
    "content changed after signing": _changed_content,
    "wrong signer": _wrong_signer,
    "wrong content type": _wrong_content_type,
    "truncated": lambda v: v.self_signed_request()[:-40],
    "nested very deep": lambda v: b"\x30\x80" * 5000,
    "untrusted RA": _untrusted_ra,
}


@pytest.mark.parametrize("variant", sorted(TAMPERED))
def test_tampered_request_is_400(embedded, vectors, variant):
    response = _post(embedded.client("cmc-bad"), TAMPERED[variant](vectors))
    assert response.status_code == 400, response.text
    assert response.json()["description"].startswith("Invalid CMC Data: ")


def test_bad_pkcs10_in_good_envelope_is_400(embedded, vectors):
    response = _post(embedded.client("cmc-bad"), _bad_inner_request(vectors))
    assert response.status_code == 400, response.text
    assert response.json()["description"] == (
        "Invalid PKCS10 Data: Signing key incorrect")


def test_nothing_accepted_from_tampered_requests(embedded):
    assert embedded.client("cmc-bad").get(
        "/v1/orders").json()["total"] == 0

