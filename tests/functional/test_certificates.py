"""Certificate orders over HTTP against the embedded service and local CA.

Requests are made by openssl (an independent producer) or by cryptography
at test time; issued certificates are checked with ``openssl verify``.
"""

import base64
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
import pytest

from barbican_certs.plugin import resources


@pytest.fixture
def embedded(shared_embedded):
    """These tests share one service; each uses projects of its own."""
    return shared_embedded

LOCAL_CA_ROOT = resources.ca_id_for("local_ca", "root")
PKIX = {"Accept": "application/pkix-cert"}


def openssl_csr(tmp_path, key_args=("-newkey", "rsa:2048"),
                subject="/CN=web.example.com",
                san="DNS:web.example.com,DNS:www.example.com") -> str:
    key, csr = tmp_path / "key.pem", tmp_path / "csr.pem"
    subprocess.run(["openssl", "req", "-new", *key_args, "-nodes",
                    "-keyout", str(key), "-subj", subject, "-addext",
                    "subjectAltName=" + san, "-out", str(csr)],
                   check=True, capture_output=True)
    return csr.read_text()


def certificate_of(client, order: dict) -> tuple[x509.Certificate, list]:
    """The issued certificate and the chain from the order's container."""
    container = client.get(order["container_ref"]).json()
    assert container["type"] == "certificate"
    refs = {s["name"]: s["secret_ref"] for s in container["secret_refs"]}
    cert = x509.load_pem_x509_certificate(
        client.get(refs["certificate"] + "/payload", headers=PKIX).content)
    chain = pkcs7.load_pem_pkcs7_certificates(
        client.get(refs["intermediates"] + "/payload").content)
    return cert, chain


def openssl_verify(tmp_path, cert: x509.Certificate, client) -> None:
    """``openssl verify`` against the CA certificate the API serves."""
    served = client.get("/v1/cas/%s/cacert" % LOCAL_CA_ROOT)
    assert served.status_code == 200
    ca_file, cert_file = tmp_path / "ca.pem", tmp_path / "leaf.pem"
    ca_file.write_bytes(served.content)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile",
                             str(ca_file), str(cert_file)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def certificate_order(client, meta: dict) -> dict:
    return client.wait_order(client.create_order("certificate", meta))


def sans(cert: x509.Certificate) -> list[str]:
    ext = cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName)
    return sorted(ext.value.get_values_for_type(x509.DNSName))


class TestSimpleCMC:
    @pytest.mark.parametrize("encoding", ["pem", "base64-pem",
                                          "base64-der"])
    def test_issued_in_every_encoding(self, embedded, tmp_path, encoding):
        pem = openssl_csr(tmp_path)
        data = {
            "pem": pem,
            "base64-pem": base64.b64encode(pem.encode()).decode(),
            "base64-der": base64.b64encode(
                x509.load_pem_x509_csr(pem.encode()).public_bytes(
                    serialization.Encoding.DER)).decode(),
        }[encoding]
        client = embedded.client("p")
        order = certificate_order(client, {"request_type": "simple-cmc",
                                           "request_data": data})
        assert order["status"] == "ACTIVE", order
        assert order["sub_status"] == "cert_generated"
        cert, chain = certificate_of(client, order)
        openssl_verify(tmp_path, cert, client)
        assert [c.subject for c in chain] == [cert.issuer]
        csr = x509.load_pem_x509_csr(pem.encode())
        assert cert.subject == csr.subject
        assert cert.public_key() == csr.public_key()
        assert sans(cert) == ["web.example.com", "www.example.com"]
        assert cert.version == x509.Version.v3
        basic = cert.extensions.get_extension_for_class(
            x509.BasicConstraints)
        assert basic.value.ca is False

    def test_ec_request(self, embedded, tmp_path):
        pem = openssl_csr(tmp_path, key_args=(
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"))
        client = embedded.client("p")
        order = certificate_order(client, {"request_type": "simple-cmc",
                                           "request_data": pem})
        cert, chain = certificate_of(client, order)
        openssl_verify(tmp_path, cert, client)
        assert cert.public_key().curve.name == "secp384r1"


class TestStoredKey:
    def _key_pair(self, client, **extra) -> dict:
        order = client.wait_order(client.create_order("asymmetric", dict(
            {"algorithm": "rsa", "bit_length": 2048}, **extra)))
        assert order["status"] == "ACTIVE"
        container = client.get(order["container_ref"]).json()
        return {"container_ref": order["container_ref"],
                **{s["name"]: s["secret_ref"]
                   for s in container["secret_refs"]}}

    @pytest.mark.parametrize("ref_field", ["container_ref",
                                           "source_container_ref",
                                           "public_key_ref"])
    def test_issued_for_stored_key(self, embedded, tmp_path, ref_field):
        client = embedded.client("p")
        pair = self._key_pair(client, pass_phrase="stored-secret")
        ref = pair["public_key" if ref_field == "public_key_ref"
                   else "container_ref"]
        extensions = x509.Extensions([x509.Extension(
            x509.SubjectAlternativeName.oid, False,
            x509.SubjectAlternativeName([x509.DNSName("db.example.com")]))])
        der = _extensions_der(extensions)
        order = certificate_order(client, {
            "request_type": "stored-key", ref_field: ref,
            "subject_dn": "CN=db.example.com,O=Example",
            "extensions": base64.b64encode(der).decode()})
        assert order["status"] == "ACTIVE", order
        cert, chain = certificate_of(client, order)
        openssl_verify(tmp_path, cert, client)
        assert cert.subject.rfc4514_string() == "CN=db.example.com,O=Example"
        assert sans(cert) == ["db.example.com"]
        public_pem = client.get(pair["public_key"] + "/payload").content
        assert cert.public_key() == serialization.load_pem_public_key(
            public_pem)
        container = client.get(order["container_ref"]).json()
        refs = {s["name"]: s["secret_ref"] for s in container["secret_refs"]}
        assert refs["private_key"] == pair["private_key"]
        assert refs["private_key_passphrase"] == (
            pair["private_key_passphrase"])


def _extensions_der(extensions: x509.Extensions) -> bytes:
    """DER of an ``Extensions`` SEQUENCE, cut from a throwaway CSR."""
    from pyasn1.codec.der import decoder
    from pyasn1.codec.der import encoder
    from pyasn1_modules import rfc2986
    from pyasn1_modules import rfc5280

    key = ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
    for ext in extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    csr_der = builder.sign(key, hashes.SHA256()).public_bytes(
        serialization.Encoding.DER)
    csr, _ = decoder.decode(csr_der, asn1Spec=rfc2986.CertificationRequest())
    attribute = csr["certificationRequestInfo"]["attributes"][0]
    value, _ = decoder.decode(bytes(attribute["values"][0]),
                              asn1Spec=rfc5280.Extensions())
    return encoder.encode(value)


class TestCustom:
    def test_server_generates_key(self, embedded, tmp_path):
        client = embedded.client("p")
        order = certificate_order(client, {
            "request_type": "custom", "subject_dn": "CN=gen.example.com",
            "dns_names": ["gen.example.com"], "key_algorithm": "ec",
            "key_size": 256})
        assert order["status"] == "ACTIVE", order
        cert, chain = certificate_of(client, order)
        openssl_verify(tmp_path, cert, client)
        container = client.get(order["container_ref"]).json()
        refs = {s["name"]: s["secret_ref"] for s in container["secret_refs"]}
        key = serialization.load_pem_private_key(
            client.get(refs["private_key"] + "/payload").content, None)
        assert key.public_key() == cert.public_key()

    def test_request_type_defaults_to_custom(self, embedded):
        client = embedded.client("p")
        response = client.post("/v1/orders", json={
            "type": "certificate", "meta": {"name": "nothing"}})
        assert response.status_code == 400

    def test_csr_with_ca_and_profile(self, embedded, tmp_path):
        client = embedded.client("p")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        csr = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cli")])
        ).sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        order = certificate_order(client, {
            "request_type": "custom", "request_data": csr.decode(),
            "ca_id": LOCAL_CA_ROOT, "profile": "client"})
        assert order["status"] == "ACTIVE", order
        cert, chain = certificate_of(client, order)
        openssl_verify(tmp_path, cert, client)
        usage = cert.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
        assert list(usage) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]


class TestUpdateAndDelete:
    def test_put_checks_in_order(self, embedded, tmp_path):
        client = embedded.client("p")
        order = certificate_order(client, {
            "request_type": "simple-cmc",
            "request_data": openssl_csr(tmp_path)})
        ref = order["order_ref"]
        cases = [
            ({"type": "key", "meta": {"requestor_name": "x"}},
             "Cannot modify order type."),
            ({"type": "certificate", "meta": {"subject_dn": "CN=x"}},
             "Cannot modify order field(s): subject_dn."),
            ({"type": "certificate", "meta": {"requestor_name": "x"}},
             "Only PENDING orders can be updated. Order is in the ACTIVE "
             "state."),
        ]
        for body, description in cases:
            response = client.put(ref, json=body)
            assert response.status_code == 400
            assert response.json()["description"] == description

    def test_delete_keeps_certificate_container(self, embedded, tmp_path):
        client = embedded.client("p")
        order = certificate_order(client, {
            "request_type": "simple-cmc",
            "request_data": openssl_csr(tmp_path)})
        assert client.delete(order["order_ref"]).status_code == 204
        assert client.get(order["order_ref"]).status_code == 404
        assert client.get(order["container_ref"]).status_code == 200
