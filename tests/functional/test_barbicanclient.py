"""python-barbicanclient 6.0.0, in its own virtualenv, against the API.

The client runs in a separate interpreter with only its own dependencies,
as a user would install it; the script below prints what it saw as JSON.
"""

import json
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization

SCRIPT = r"""
import json, sys, time
from barbicanclient import client

c = client.Client(endpoint=sys.argv[1], project_id=sys.argv[2])
out = {}
secret_ref = c.secrets.create(name="s1", payload="hello client").store()
out["secret_ref"] = secret_ref
out["secret_payload"] = c.secrets.get(secret_ref).payload

order_ref = c.orders.create_asymmetric(
    name="pair", algorithm="rsa", bit_length=2048).submit()
for _ in range(600):
    order = c.orders.get(order_ref)
    if order.status != "PENDING":
        break
    time.sleep(0.1)
out["order_ref"] = order_ref
out["order_status"] = order.status
container = c.containers.get(order.container_ref)
out["container_class"] = type(container).__name__
out["private_key"] = container.private_key.payload.decode()
out["public_key"] = container.public_key.payload.decode()

key_ref = c.orders.create_key(name="aes", algorithm="aes",
                              bit_length=256).submit()
for _ in range(600):
    key_order = c.orders.get(key_ref)
    if key_order.status != "PENDING":
        break
    time.sleep(0.1)
out["key_status"] = key_order.status
out["key_length"] = len(c.secrets.get(key_order.secret_ref).payload)

cert_ref = c.orders.create_certificate(
    name="web", request_type="simple-cmc",
    request_data=open(sys.argv[3]).read()).submit()
for _ in range(600):
    cert_order = c.orders.get(cert_ref)
    if cert_order.status != "PENDING":
        break
    time.sleep(0.1)
out["cert_status"] = cert_order.status
cert_container = c.containers.get(cert_order.container_ref)
out["cert_container_class"] = type(cert_container).__name__
out["certificate"] = cert_container.certificate.payload.decode()

cas = c.cas.list()
ca = c.cas.get(cas[0].ca_ref)
out["ca"] = {"name": ca.name, "description": ca.description,
             "plugin_name": ca.plugin_name, "count": len(cas)}
out["orders"] = [o.order_ref for o in c.orders.list()]
print(json.dumps(out))
"""


class TestBarbicanClient:
    def test_secret_key_certificate_and_ca_flow(self, embedded,
                                                client_python, tmp_path):
        csr = tmp_path / "csr.pem"
        subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", str(tmp_path / "key.pem"),
                        "-subj", "/CN=client.example.com", "-out",
                        str(csr)], check=True, capture_output=True)
        result = subprocess.run(
            [client_python, "-c", SCRIPT, embedded.url, "client-project",
             str(csr)], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)

        assert out["secret_payload"] == "hello client"
        assert out["order_status"] == "ACTIVE"
        assert out["container_class"] == "RSAContainer"
        key = serialization.load_pem_private_key(
            out["private_key"].encode(), None)
        assert key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode() == out["public_key"]
        assert out["key_status"] == "ACTIVE"
        assert out["key_length"] == 32
        assert out["cert_status"] == "ACTIVE"
        assert out["cert_container_class"] == "CertificateContainer"
        cert = x509.load_pem_x509_certificate(out["certificate"].encode())
        assert cert.subject.rfc4514_string() == "CN=client.example.com"
        assert out["ca"] == {"name": "barbican-certs local CA",
                             "description": "Root CA of the local CA plugin",
                             "plugin_name": "local_ca", "count": 1}
        assert out["order_ref"] in out["orders"]
        assert len(out["orders"]) == 3
