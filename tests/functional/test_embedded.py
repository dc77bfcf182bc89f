"""The embedded default over real HTTP: one process, SQLite, its worker."""

import base64
import os

from cryptography.hazmat.primitives import serialization
import pytest
import sqlalchemy as sa

from tests.functional.harness import Service

ORDER_KEYS = {"order_ref", "type", "meta", "status", "created", "updated",
              "sub_status", "sub_status_message", "container_ref",
              "secret_ref", "creator_id", "error_status_code",
              "error_reason"}


def _db(service: Service) -> sa.Engine:
    path = os.path.join(service.workdir, "state", "barbican-certs.sqlite")
    return sa.create_engine("sqlite:///" + path)


class TestVersionsAndHealth:
    def test_root_lists_versions_without_headers(self, embedded):
        response = embedded.client("p").session.get(
            embedded.url + "/", headers={"X-Project-Id": ""})
        assert response.status_code == 300
        value = response.json()["versions"]["values"][0]
        assert value["id"] == "v1"
        assert value["links"][0]["href"] == embedded.url + "/v1/"

    def test_v1_answers_version_document(self, embedded):
        import requests
        response = requests.get(embedded.url + "/v1")
        assert response.status_code == 200
        assert response.json()["version"]["status"] == "stable"

    def test_healthcheck_answers_200(self, embedded):
        import requests
        assert requests.get(embedded.url + "/healthcheck").status_code == 200

    def test_request_id_header_is_set(self, embedded):
        response = embedded.client("p").get("/v1/orders")
        assert response.headers["x-openstack-request-id"].startswith("req-")


class TestErrors:
    def test_missing_project_header_is_400(self, embedded):
        import requests
        response = requests.get(embedded.url + "/v1/orders")
        assert response.status_code == 400
        assert response.json() == {"code": 400, "title": "Bad Request",
                                   "description": "Missing X-Project-Id"}

    def test_wrong_content_type_is_415(self, embedded):
        response = embedded.client("p").post(
            "/v1/orders/", data="{}", headers={"Content-Type": "text/plain"})
        assert response.status_code == 415
        assert response.json()["description"] == (
            "Unexpected content type: text/plain. Expected content types "
            "are: ['application/json']")

    def test_malformed_json_is_400(self, embedded):
        response = embedded.client("p").post(
            "/v1/orders/", data="{not json",
            headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["description"] == "Malformed JSON"

    def test_large_body_is_413_json(self, embedded):
        response = embedded.client("p").post(
            "/v1/secrets", data="x" * 70000,
            headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json()["title"] == "Request Entity Too Large"

    @pytest.mark.parametrize("method,path", [
        ("PUT", "/v1/orders"), ("DELETE", "/v1/orders/"),
        ("POST", "/v1/orders/8e9a9f4e-4a5e-4b8f-9b39-9a1f7c1d2e3f"),
        ("PUT", "/v1/secrets"),
        ("POST", "/v1/containers/8e9a9f4e-4a5e-4b8f-9b39-9a1f7c1d2e3f"),
    ])
    def test_unsupported_method_is_405(self, embedded, method, path):
        response = embedded.client("p").request(method, path, json={})
        assert response.status_code == 405
        assert response.json()["title"] == "Method Not Allowed"
        assert response.headers["Allow"]

    def test_unknown_path_is_404_json(self, embedded):
        response = embedded.client("p").get("/v1/nothing-here")
        assert response.status_code == 404
        assert response.json()["code"] == 404

    @pytest.mark.parametrize("body,description", [
        ({"type": "nope", "meta": {}}, "Invalid order type: nope"),
        ({"type": "key", "meta": {"bit_length": 256}},
         "Missing required metadata field for algorithm"),
        ({"type": "key", "meta": {"algorithm": "aes"}},
         "Missing required metadata field for bit_length"),
        ({"type": "key", "meta": {"algorithm": "aes", "bit_length": 100}},
         "Invalid bit_length: 100 (aes takes 128, 192, 256)"),
        ({"type": "asymmetric", "meta": {"algorithm": "dsa",
                                         "bit_length": 2048}},
         "Invalid algorithm: dsa"),
        ({"type": "key", "meta": {"algorithm": "aes", "bit_length": 256,
                                  "payload_content_type": "text/plain"}},
         "Invalid payload_content_type: text/plain"),
    ])
    def test_bad_order_is_400(self, embedded, body, description):
        response = embedded.client("p").post("/v1/orders/", json=body)
        assert response.status_code == 400
        assert response.json()["description"] == description

    def test_bad_uuid_is_404(self, embedded):
        assert embedded.client("p").get(
            "/v1/orders/not-a-uuid").status_code == 404


class TestSecrets:
    def test_store_and_read_text_secret(self, embedded):
        client = embedded.client("p", **{"X-User-Id": "alice"})
        response = client.post("/v1/secrets/", json={
            "name": "s1", "payload": "hello world",
            "payload_content_type": "text/plain"})
        assert response.status_code == 201
        ref = response.json()["secret_ref"]
        assert response.headers["Location"] == ref

        meta = client.get(ref).json()
        assert meta["name"] == "s1"
        assert meta["content_types"] == {"default": "text/plain"}
        assert meta["creator_id"] == "alice"
        payload = client.get(ref + "/payload",
                             headers={"Accept": "text/plain"})
        assert payload.status_code == 200
        assert payload.text == "hello world"

    def test_store_binary_secret_base64(self, embedded):
        client = embedded.client("p")
        data = os.urandom(48)
        ref = client.post("/v1/secrets", json={
            "payload": base64.b64encode(data).decode(),
            "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64"}).json()["secret_ref"]
        payload = client.get(ref + "/payload", headers={
            "Accept": "application/octet-stream"})
        assert payload.content == data
        wrong = client.get(ref + "/payload",
                           headers={"Accept": "text/plain"})
        assert wrong.status_code == 406

    def test_bad_base64_payload_is_400(self, embedded):
        response = embedded.client("p").post("/v1/secrets", json={
            "payload": "%%%", "payload_content_encoding": "base64",
            "payload_content_type": "application/octet-stream"})
        assert response.status_code == 400

    def test_secret_without_payload_then_put(self, embedded):
        client = embedded.client("p")
        ref = client.post("/v1/secrets", json={"name": "later"}).json()[
            "secret_ref"]
        assert client.get(ref + "/payload").status_code == 404
        put = client.put(ref, data=b"late data",
                         headers={"Content-Type": "text/plain"})
        assert put.status_code == 204
        assert client.get(ref + "/payload").content == b"late data"
        again = client.put(ref, data=b"x",
                           headers={"Content-Type": "text/plain"})
        assert again.status_code == 409

    def test_list_pages_and_delete(self, embedded):
        client = embedded.client("p")
        refs = [client.post("/v1/secrets", json={
            "name": "n%d" % i, "payload": "v%d" % i,
            "payload_content_type": "text/plain"}).json()["secret_ref"]
            for i in range(3)]
        page = client.get("/v1/secrets?limit=2&offset=0").json()
        assert page["total"] == 3
        assert [s["secret_ref"] for s in page["secrets"]] == refs[:2]
        assert "next" in page and "previous" not in page
        page2 = client.get(page["next"]).json()
        assert [s["secret_ref"] for s in page2["secrets"]] == refs[2:]
        assert "previous" in page2 and "next" not in page2
        clamped = client.get("/v1/secrets?limit=abc&offset=-4").json()
        assert len(clamped["secrets"]) == 3

        assert client.delete(refs[0]).status_code == 204
        assert client.get(refs[0]).status_code == 404
        assert client.get("/v1/secrets").json()["total"] == 2


class TestContainers:
    def test_create_get_delete(self, embedded):
        client = embedded.client("p")
        secret = client.post("/v1/secrets", json={
            "payload": "k", "payload_content_type": "text/plain"}).json()[
            "secret_ref"]
        response = client.post("/v1/containers/", json={
            "name": "c", "type": "rsa",
            "secret_refs": [{"name": "private_key", "secret_ref": secret}]})
        assert response.status_code == 201
        ref = response.json()["container_ref"]
        body = client.get(ref).json()
        assert body["type"] == "rsa"
        assert body["secret_refs"] == [{"name": "private_key",
                                        "secret_ref": secret}]
        assert client.delete(ref).status_code == 204
        assert client.get(ref).status_code == 404
        assert client.get(secret).status_code == 200

    def test_rsa_container_refuses_other_names(self, embedded):
        client = embedded.client("p")
        secret = client.post("/v1/secrets", json={
            "payload": "k", "payload_content_type": "text/plain"}).json()[
            "secret_ref"]
        response = client.post("/v1/containers", json={
            "type": "rsa",
            "secret_refs": [{"name": "certificate", "secret_ref": secret}]})
        assert response.status_code == 400

    def test_missing_secret_is_404(self, embedded):
        response = embedded.client("p").post("/v1/containers", json={
            "type": "generic", "secret_refs": [{
                "name": "x", "secret_ref": embedded.url + "/v1/secrets/"
                "8e9a9f4e-4a5e-4b8f-9b39-9a1f7c1d2e3f"}]})
        assert response.status_code == 404
        assert response.json()["description"] == (
            "Secret provided for 'x' doesn't exist.")


class TestOrders:
    def test_key_order_becomes_active(self, embedded):
        client = embedded.client("p")
        ref = client.create_order("key", {"name": "k", "algorithm": "aes",
                                          "bit_length": 256,
                                          "mode": "cbc"})
        body = client.wait_order(ref)
        assert body["status"] == "ACTIVE", body
        assert set(body) <= ORDER_KEYS
        assert "container_ref" not in body
        payload = client.get(body["secret_ref"] + "/payload", headers={
            "Accept": "application/octet-stream"})
        assert len(payload.content) == 32

    def test_asymmetric_order_with_passphrase(self, embedded):
        client = embedded.client("p")
        ref = client.create_order("asymmetric", {
            "name": "pair", "algorithm": "rsa", "bit_length": 2048,
            "pass_phrase": "s3cret-phrase"})
        body = client.wait_order(ref)
        assert body["status"] == "ACTIVE", body
        assert set(body) <= ORDER_KEYS and "secret_ref" not in body
        assert body["meta"] == {"name": "pair", "algorithm": "rsa",
                                "bit_length": 2048,
                                "pass_phrase": "s3cret-phrase"}
        container = client.get(body["container_ref"]).json()
        refs = {s["name"]: s["secret_ref"] for s in container["secret_refs"]}
        assert set(refs) == {"private_key", "public_key",
                             "private_key_passphrase"}
        accept = {"Accept": "application/octet-stream"}
        private_pem = client.get(refs["private_key"] + "/payload",
                                 headers=accept).content
        public_pem = client.get(refs["public_key"] + "/payload",
                                headers=accept).content
        key = serialization.load_pem_private_key(private_pem,
                                                 b"s3cret-phrase")
        assert key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo) == public_pem
        assert client.get(refs["private_key_passphrase"] + "/payload",
                          headers=accept).content == b"s3cret-phrase"

    def test_ec_asymmetric_order(self, embedded):
        client = embedded.client("p")
        body = client.wait_order(client.create_order(
            "asymmetric", {"algorithm": "ec", "bit_length": 384}))
        container = client.get(body["container_ref"]).json()
        private_ref = [s["secret_ref"] for s in container["secret_refs"]
                       if s["name"] == "private_key"][0]
        key = serialization.load_pem_private_key(
            client.get(private_ref + "/payload").content, None)
        assert key.curve.name == "secp384r1"

    def test_list_and_delete_orders(self, embedded):
        client = embedded.client("p")
        refs = [client.create_order("key", {"algorithm": "aes",
                                            "bit_length": 128})
                for _ in range(3)]
        listing = client.get("/v1/orders?limit=2").json()
        assert listing["total"] == 3
        assert [o["order_ref"] for o in listing["orders"]] == refs[:2]
        found = client.get("/v1/orders", params={"meta": '"bit_length": 128'})
        assert found.json()["total"] == 3
        assert client.delete(refs[1]).status_code == 204
        assert client.get(refs[1]).status_code == 404
        assert client.get("/v1/orders").json()["total"] == 2

    def test_other_project_sees_404(self, embedded):
        owner, other = embedded.client("a"), embedded.client("b")
        order = owner.wait_order(owner.create_order(
            "asymmetric", {"algorithm": "ec", "bit_length": 256}))
        secret = owner.post("/v1/secrets", json={
            "payload": "x", "payload_content_type": "text/plain"}).json()[
            "secret_ref"]
        for ref in (order["order_ref"], order["container_ref"], secret,
                    secret + "/payload"):
            assert other.get(ref).status_code == 404, ref
        assert other.delete(order["order_ref"]).status_code == 404
        assert other.delete(secret).status_code == 404
        assert other.get("/v1/orders").json()["total"] == 0
        assert owner.get(order["order_ref"]).status_code == 200

    def test_observer_cannot_create_orders(self, embedded):
        client = embedded.client("p", **{"X-Roles": "observer"})
        response = client.post("/v1/orders", json={
            "type": "key", "meta": {"algorithm": "aes", "bit_length": 128}})
        assert response.status_code == 403
        assert client.get("/v1/orders").status_code == 200


class TestSecrecy:
    def test_no_plaintext_in_database_nor_keys_in_logs(self, embedded):
        client = embedded.client("p")
        marker = "plaintext-marker-%s" % os.urandom(6).hex()
        client.post("/v1/secrets", json={
            "payload": marker, "payload_content_type": "text/plain"})
        passphrase = "phrase-%s" % os.urandom(6).hex()
        body = client.wait_order(client.create_order("asymmetric", {
            "algorithm": "rsa", "bit_length": 2048,
            "pass_phrase": passphrase}))
        container = client.get(body["container_ref"]).json()
        payloads = {s["name"]: client.get(s["secret_ref"] + "/payload").content
                    for s in container["secret_refs"]}
        assert payloads["private_key_passphrase"] == passphrase.encode()
        pems = [payloads["private_key"], payloads["public_key"]]

        db_path = os.path.join(embedded.workdir, "state",
                               "barbican-certs.sqlite")
        embedded.stop()
        stored = b""
        for suffix in ("", "-wal"):
            if os.path.exists(db_path + suffix):
                with open(db_path + suffix, "rb") as f:
                    stored += f.read()
        assert stored, "database file not found"
        assert marker.encode() not in stored
        assert passphrase.encode() not in stored
        for pem in pems:
            body_line = pem.splitlines()[1]
            assert body_line not in stored

        logs = embedded.logs()
        assert "PRIVATE KEY" not in logs
        assert passphrase not in logs and marker not in logs
        for pem in pems:
            assert pem.splitlines()[1].decode() not in logs


class TestCrashRecovery:
    def test_orders_complete_after_sigkill(self, tmp_path):
        service = Service(str(tmp_path), {"scheduler": {
            "lease_seconds": 5, "threads": 2}})
        service.start()
        client = service.client("p")
        refs = [client.create_order("asymmetric", {"algorithm": "rsa",
                                                   "bit_length": 4096})
                for _ in range(12)]
        service.api.kill()

        engine = _db(service)
        with engine.connect() as conn:
            pending = conn.scalar(sa.text(
                "SELECT count(*) FROM orders WHERE status = 'PENDING'"))
        assert pending > 0, "every order finished before the kill"

        service.api.start()
        service.wait_ready()
        try:
            for ref in refs:
                assert client.wait_order(ref)["status"] == "ACTIVE"
            with engine.connect() as conn:
                containers = conn.scalar(sa.text(
                    "SELECT count(*) FROM containers"))
                attempts = conn.execute(sa.text(
                    "SELECT attempts FROM orders")).scalars().all()
            assert containers == len(refs)
            assert attempts == [1] * len(refs)
        finally:
            service.stop()
            engine.dispose()
