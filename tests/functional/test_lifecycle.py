"""The certificate order life cycle through the real worker (SPEC 3.5).

The scripted CA plugin of ``tests/test_ca`` answers as each test tells it;
everything else is the real service, on SQLite with the embedded worker
and on PostgreSQL with RabbitMQ and separate workers.
"""

import json
import os
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.functional.harness import Service

CSR_SUBJECT = "/CN=life.example.com"


def _csr(tmp_path) -> str:
    import subprocess
    out = tmp_path / "csr.pem"
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(tmp_path / "k.pem"), "-subj",
                    CSR_SUBJECT, "-out", str(out)],
                   check=True, capture_output=True)
    return out.read_text()


class Scripted:
    """A service whose first CA plugin is the scripted test CA."""

    def __init__(self, service: Service, tmp_path) -> None:
        self.service = service
        self.state = service.sections["DEFAULT"]["state_path"]
        self.client = service.client("life")
        self.csr = _csr(tmp_path)

    def script(self, **actions) -> None:
        os.makedirs(self.state, exist_ok=True)
        with open(os.path.join(self.state, "test_ca.json"), "w") as f:
            json.dump(actions, f)

    def order(self, **meta) -> str:
        return self.client.create_order("certificate", dict(
            {"request_type": "simple-cmc", "request_data": self.csr},
            **meta))

    def calls(self) -> list[list[str]]:
        path = os.path.join(self.state, "test_ca.calls")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [line.split() for line in f]

    def wait_for(self, ref: str, predicate, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            body = self.client.get(ref).json()
            if predicate(body) or time.monotonic() > deadline:
                return body
            time.sleep(0.1)


def _sections(extra: dict | None = None) -> dict:
    sections = {
        "certificate": {"enabled_certificate_plugins": "test_ca,local_ca",
                        "retry_initial_seconds": 0.5,
                        "retry_max_seconds": 1},
        "scheduler": {"interval_seconds": 0.2},
        # Notifications go to the service log, where the tests read them.
        "oslo_messaging_notifications": {"driver": "log"},
    }
    for section, values in (extra or {}).items():
        sections.setdefault(section, {}).update(values)
    return sections


@pytest.fixture(params=["embedded", "scaled"])
def scripted(request, tmp_path):
    extra: dict = {}
    if request.param == "scaled":
        extra = {
            "DEFAULT": {"transport_url":
                        request.getfixturevalue("transport_url"),
                        "control_exchange": "test_" + uuid.uuid4().hex},
            "database": {"connection":
                         request.getfixturevalue("pg_schema_url")},
        }
    marker = request.node.get_closest_marker("service_sections")
    for section, values in (marker.args[0] if marker else {}).items():
        extra.setdefault(section, {}).update(values)
    service = Service(str(tmp_path), _sections(extra))
    harness = Scripted(service, tmp_path)
    harness.script()
    service.start()
    if request.param == "scaled":
        service.add_worker()
        service.add_worker()
    yield harness
    service.stop()


def _wait_log(service: Service, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while text not in service.logs() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert text in service.logs()


class TestResults:
    def test_pending_then_generated(self, scripted):
        scripted.script(issue=["pending"],
                        check_status=["pending", "generated"])
        ref = scripted.order()
        pending = scripted.wait_for(
            ref, lambda b: b.get("sub_status") == "cert_request_pending")
        assert pending["status"] == "PENDING"
        assert pending["sub_status_message"] == (
            "Request has been submitted to the CA.  Waiting for "
            "certificate to be generated")
        body = scripted.client.wait_order(ref)
        assert body["status"] == "ACTIVE"
        assert body["sub_status"] == "cert_generated"
        actions = [c[0] for c in scripted.calls()]
        assert actions == ["issue", "check_status", "check_status"]
        _wait_log(scripted.service, "certificate.ready")
        ready = [line for line in scripted.service.logs().splitlines()
                 if "certificate.ready" in line]
        assert ref in ready[0] and body["container_ref"] in ready[0]

    def test_ca_unavailable_then_generated(self, scripted):
        scripted.script(issue=["unavailable", "unavailable", "generated"])
        ref = scripted.order()
        outage = scripted.wait_for(
            ref, lambda b: b.get("sub_status") ==
            "cert_ca_unavail_for_issue")
        assert outage["status"] == "PENDING"
        body = scripted.client.wait_order(ref)
        assert body["status"] == "ACTIVE"
        assert [c[0] for c in scripted.calls()] == ["issue"] * 3
        _wait_log(scripted.service, "certificate.ca_unavailable")

    @pytest.mark.parametrize("outcome,code,sub_status", [
        ("rejected", "400", "cert_data_invalid"),
        ("invalid", "400", "cert_invalid_operation"),
        ("canceled", "409", "cert_request_canceled"),
        ("raise", "500", "cert_internal_error"),
    ])
    def test_final_errors(self, scripted, outcome, code, sub_status):
        scripted.script(issue=[outcome])
        body = scripted.client.wait_order(scripted.order())
        assert body["status"] == "ERROR"
        assert body["error_status_code"] == code
        assert body["sub_status"] == sub_status
        assert body["error_reason"] == body["sub_status_message"]
        assert "secret detail" not in body["error_reason"]
        assert "container_ref" not in body


class TestUpdateAndCancel:
    def test_put_reaches_the_ca_and_meta(self, scripted):
        scripted.script(issue=["pending"], check_status=["pending"],
                        modify=["pending"])
        ref = scripted.order(requestor_name="before")
        scripted.wait_for(ref, lambda b: b.get("sub_status") ==
                          "cert_request_pending")
        response = scripted.client.put(ref, json={
            "type": "certificate", "meta": {"requestor_name": "after"}})
        assert response.status_code == 204
        assert scripted.client.get(ref).json()["meta"][
            "requestor_name"] == "after"
        deadline = time.monotonic() + 30
        while ["modify", ref.rsplit("/", 1)[1], "after"] not in (
                scripted.calls()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ["modify", ref.rsplit("/", 1)[1], "after"] in (
            scripted.calls())

    def test_delete_cancels_at_the_ca(self, scripted):
        scripted.script(issue=["pending"], check_status=["pending"],
                        cancel=["canceled"])
        ref = scripted.order()
        scripted.wait_for(ref, lambda b: b.get("sub_status") ==
                          "cert_request_pending")
        assert scripted.client.delete(ref).status_code == 204
        assert scripted.client.get(ref).status_code == 404
        order_id = ref.rsplit("/", 1)[1]
        deadline = time.monotonic() + 30
        while ["cancel", order_id, "None"] not in scripted.calls() and (
                time.monotonic() < deadline):
            time.sleep(0.2)
        assert ["cancel", order_id, "None"] in scripted.calls()


class TestTimeout:
    @pytest.mark.service_sections({"certificate": {"pending_timeout": 3}})
    def test_pending_too_long_ends_504(self, scripted):
        scripted.script(issue=["pending"], check_status=["pending"])
        body = scripted.client.wait_order(scripted.order(), timeout=60)
        assert body["status"] == "ERROR"
        assert body["error_status_code"] == "504"
        assert body["sub_status"] == "cert_timed_out"
        assert body["sub_status_message"] == "Gave up waiting for the CA"


class TestWorkerCrash:
    def test_killed_worker_order_completes_once(self, tmp_path,
                                                pg_schema_url,
                                                transport_url):
        service = Service(str(tmp_path), _sections({
            "DEFAULT": {"transport_url": transport_url,
                        "control_exchange": "test_" + uuid.uuid4().hex},
            "database": {"connection": pg_schema_url},
            "scheduler": {"lease_seconds": 3},
        }))
        harness = Scripted(service, tmp_path)
        harness.script(issue=["slow"], slow_seconds=30)
        service.start()
        first = service.add_worker()
        engine = sa.create_engine(pg_schema_url)
        try:
            ref = harness.order()
            order_id = ref.rsplit("/", 1)[1]
            marker = os.path.join(harness.state, "slow-" + order_id)
            deadline = time.monotonic() + 30
            while not os.path.exists(marker) and (
                    time.monotonic() < deadline):
                time.sleep(0.1)
            assert os.path.exists(marker), "the worker never took it"
            first.kill()
            service.add_worker()
            body = harness.client.wait_order(ref)
            assert body["status"] == "ACTIVE"
            with engine.connect() as conn:
                containers = conn.scalar(sa.text(
                    "SELECT count(*) FROM containers"))
            assert containers == 1
            assert [c[0] for c in harness.calls()] == ["issue", "issue"]
        finally:
            service.stop()
            engine.dispose()
