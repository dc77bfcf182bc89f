"""The CAs API over HTTP: discovery, sub-CAs, project and preferred CAs.

Which CA served an order is read from the issued certificate's issuer.
Two CA plugins run: the local CA and the scripted test CA (its own key,
"Scripted test CA").
"""

import json
import os
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
import pytest

from tests.functional.harness import Service
from tests.functional.test_certificates import certificate_of
from tests.functional.test_certificates import openssl_csr

SERVICE_ADMIN = {"X-Roles": "key-manager:service-admin"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("cas"))
    service = Service(workdir, {"certificate": {
        "enabled_certificate_plugins": "local_ca,test_ca"}})
    os.makedirs(service.sections["DEFAULT"]["state_path"], exist_ok=True)
    with open(os.path.join(service.sections["DEFAULT"]["state_path"],
                           "test_ca.json"), "w") as f:
        json.dump({"issue": ["generated"]}, f)
    service.start()
    yield service
    service.stop()


def _cas(client) -> dict[str, dict]:
    """The CAs a client sees, by name."""
    listing = client.get("/v1/cas")
    assert listing.status_code == 200
    cas = {}
    for ref in listing.json()["cas"]:
        body = client.get(ref).json()
        meta = {k: v for item in body["meta"] for k, v in item.items()}
        cas[meta["name"]] = dict(body, **meta)
    return cas


def _issuer(client, tmp_path, **meta) -> str:
    """Order a certificate; the common name of the CA that signed it."""
    order = client.wait_order(client.create_order("certificate", dict(
        {"request_type": "simple-cmc",
         "request_data": openssl_csr(tmp_path)}, **meta)))
    assert order["status"] == "ACTIVE", order
    cert, _chain = certificate_of(client, order)
    return cert.issuer.get_attributes_for_oid(
        x509.NameOID.COMMON_NAME)[0].value


def _create_sub_ca(client, parent_ref: str, name: str) -> str:
    response = client.post("/v1/cas", json={
        "name": name, "subject_dn": "CN=%s,O=Example" % name,
        "parent_ca_ref": parent_ref, "description": "a project sub-CA"})
    assert response.status_code == 201, response.text
    return response.json()["ca_ref"]


class TestDiscovery:
    def test_list_and_show(self, service):
        cas = _cas(service.client("viewer"))
        assert set(cas) == {"barbican-certs local CA", "Scripted test CA"}
        local = cas["barbican-certs local CA"]
        assert local["plugin_name"] == "local_ca"
        assert local["status"] == "ACTIVE"
        assert "full-cmc" in local["supported_request_types"]
        assert cas["Scripted test CA"]["supported_request_types"] == [
            "simple-cmc", "stored-key"]
        assert local["ca_signing_certificate"].startswith(
            "-----BEGIN CERTIFICATE-----")

    def test_cacert_and_intermediates(self, service):
        client = service.client("viewer")
        local = _cas(client)["barbican-certs local CA"]
        cacert = client.get(local["ca_ref"] + "/cacert")
        assert cacert.status_code == 200
        assert cacert.text == local["ca_signing_certificate"]
        chain = pkcs7.load_pem_pkcs7_certificates(
            client.get(local["ca_ref"] + "/intermediates").content)
        assert chain[0] == x509.load_pem_x509_certificate(cacert.content)

    def test_profiles(self, service):
        client = service.client("viewer")
        ref = _cas(client)["barbican-certs local CA"]["ca_ref"]
        profiles = client.get(ref + "/profiles").json()["profiles"]
        names = [p["name"] for p in profiles]
        assert "server-client" in names
        one = client.get(ref + "/profiles/server").json()
        assert one["parameters"]["type"] == "object"
        assert client.get(ref + "/profiles/nope").status_code == 404


class TestSubCAs:
    def test_sub_ca_signs_orders_with_chain(self, service, tmp_path):
        client = service.client("sub-owner")
        root = _cas(client)["barbican-certs local CA"]
        sub_ref = _create_sub_ca(client, root["ca_ref"], "Owner Sub CA")
        sub_id = sub_ref.rsplit("/", 1)[1]
        assert sub_ref in client.get("/v1/cas").json()["cas"]

        order = client.wait_order(client.create_order("certificate", {
            "request_type": "simple-cmc", "ca_id": sub_id,
            "request_data": openssl_csr(tmp_path)}))
        assert order["status"] == "ACTIVE", order
        cert, chain = certificate_of(client, order)
        assert cert.issuer.rfc4514_string() == "CN=Owner Sub CA,O=Example"

        # root -> sub-CA -> leaf, with what the API serves.
        root_file = tmp_path / "root.pem"
        root_file.write_bytes(client.get(root["ca_ref"] + "/cacert").content)
        sub_file = tmp_path / "sub.pem"
        sub_file.write_bytes(client.get(sub_ref + "/cacert").content)
        leaf_file = tmp_path / "leaf.pem"
        leaf_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        result = subprocess.run(
            ["openssl", "verify", "-CAfile", str(root_file), "-untrusted",
             str(sub_file), str(leaf_file)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert {c.subject.rfc4514_string() for c in chain} >= {
            "CN=Owner Sub CA,O=Example"}

    def test_other_project_cannot_see_use_or_delete(self, service,
                                                    tmp_path):
        owner, other = service.client("owner2"), service.client("other2")
        root_ref = _cas(owner)["barbican-certs local CA"]["ca_ref"]
        sub_ref = _create_sub_ca(owner, root_ref, "Private Sub CA")
        sub_id = sub_ref.rsplit("/", 1)[1]

        assert sub_ref not in other.get("/v1/cas").json()["cas"]
        for path in ("", "/cacert", "/intermediates", "/profiles"):
            assert other.get(sub_ref + path).status_code == 404, path
        response = other.post("/v1/orders", json={
            "type": "certificate", "meta": {
                "request_type": "simple-cmc", "ca_id": sub_id,
                "request_data": openssl_csr(tmp_path)}})
        assert response.status_code == 403
        assert response.json()["description"] == (
            "Order creation issue seen - Subordinate CA is not owned by "
            "this project.")
        deleted = other.delete(sub_ref)
        assert deleted.status_code == 403
        assert deleted.json()["description"].endswith(
            "Subordinate CA is not owned by this project.")
        under = other.post("/v1/cas", json={
            "name": "x", "subject_dn": "CN=x", "parent_ca_ref": sub_ref})
        assert under.status_code == 403
        assert owner.get(sub_ref).status_code == 200

    def test_delete_sub_ca_and_not_root(self, service):
        client = service.client("deleter")
        root_ref = _cas(client)["barbican-certs local CA"]["ca_ref"]
        sub_ref = _create_sub_ca(client, root_ref, "Short Lived CA")
        assert client.delete(sub_ref).status_code == 204
        assert client.get(sub_ref).status_code == 404
        assert client.delete(root_ref).status_code == 403
        assert client.get(root_ref).status_code == 200

    def test_sub_ca_of_scripted_plugin_is_refused(self, service):
        client = service.client("deleter")
        ref = _cas(client)["Scripted test CA"]["ca_ref"]
        response = client.post("/v1/cas", json={
            "name": "x", "subject_dn": "CN=x", "parent_ca_ref": ref})
        assert response.status_code == 400


class TestPreferredRouting:
    def test_project_preferred_then_global_preferred(self, service,
                                                     tmp_path):
        chooser = service.client("chooser")
        bystander = service.client("bystander")
        cas = _cas(chooser)
        scripted = cas["Scripted test CA"]["ca_ref"]
        local = cas["barbican-certs local CA"]["ca_ref"]
        # Without preferences the first plugin, the local CA, signs.
        assert _issuer(chooser, tmp_path) == "barbican-certs local CA"

        assert chooser.post(scripted + "/set-preferred").status_code == 204
        assert chooser.get("/v1/cas/preferred").json() == {
            "ca_ref": scripted}
        assert _issuer(chooser, tmp_path) == "Scripted test CA"
        assert _issuer(bystander, tmp_path) == "barbican-certs local CA"

        admin = service.client("chooser", **SERVICE_ADMIN)
        assert admin.post(scripted + "/set-global-preferred"
                          ).status_code == 204
        assert admin.get("/v1/cas/global-preferred").json() == {
            "ca_ref": scripted}
        assert _issuer(bystander, tmp_path) == "Scripted test CA"

        # The project's own choice wins over the global one.
        assert chooser.post(local + "/set-preferred").status_code == 204
        assert _issuer(chooser, tmp_path) == "barbican-certs local CA"

        assert admin.post("/v1/cas/unset-global-preferred"
                          ).status_code == 204
        assert admin.get("/v1/cas/global-preferred").status_code == 404
        assert _issuer(bystander, tmp_path) == "barbican-certs local CA"

    def test_project_ca_list(self, service, tmp_path):
        client = service.client("lister")
        admin = service.client("lister", **SERVICE_ADMIN)
        cas = _cas(client)
        scripted = cas["Scripted test CA"]["ca_ref"]
        local = cas["barbican-certs local CA"]["ca_ref"]

        assert client.post(scripted + "/add-to-project").status_code == 204
        assert client.get("/v1/cas").json()["cas"] == [scripted]
        assert admin.get(scripted + "/projects").json() == {
            "projects": ["lister"]}
        refused = client.post(local + "/set-preferred")
        assert refused.status_code == 400
        ordered = client.post("/v1/orders", json={
            "type": "certificate", "meta": {
                "request_type": "simple-cmc",
                "ca_id": local.rsplit("/", 1)[1],
                "request_data": openssl_csr(tmp_path)}})
        assert ordered.status_code == 400

        assert client.post(scripted + "/remove-from-project"
                           ).status_code == 204
        assert len(client.get("/v1/cas").json()["cas"]) == 2
        assert client.post(scripted + "/remove-from-project"
                           ).status_code == 404
