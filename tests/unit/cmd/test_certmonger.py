"""Tests of barbican_certs.cmd.certmonger, the certmonger helper.

Each operation runs :func:`certmonger.main` against a real service started
by :mod:`tests.functional.harness`: the embedded default, and one whose
first CA is the scripted test CA (``tests/test_ca``) so that orders stay
pending as long as a test needs.  "Unreachable" is a free port with
nothing listening.  Only answers the real service never gives (5xx, 401,
a body that is not JSON) come from a small stub HTTP server.
"""

import http.server
import importlib.metadata
import json
import os
import subprocess
import sys
import threading
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID
import pytest

from barbican_certs.cmd import certmonger
from tests.functional.harness import Service
from tests.functional.harness import free_port

VERSION = importlib.metadata.version("barbican-certs")


def make_csr(common_name: str = "cm.example.com"
             ) -> tuple[str, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name(
               [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode(), key


def dead_url() -> str:
    """A URL on a free port where nothing listens."""
    return "http://127.0.0.1:%d" % free_port()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The embedded default: local CA, SQLite, worker in the API."""
    service = Service(str(tmp_path_factory.mktemp("embedded")))
    service.start()
    yield service
    service.stop()


FORBIDDEN_PROJECT = "cm-forbidden"


class Scripted:
    """A service whose first CA is the scripted test CA.

    Its policy also refuses orders of project ``FORBIDDEN_PROJECT``.
    """

    def __init__(self, workdir: str) -> None:
        policy_file = os.path.join(workdir, "policy.yaml")
        with open(policy_file, "w") as f:
            f.write('"orders:post": "rule:admin_or_creator and not '
                    'project_id:%s"\n' % FORBIDDEN_PROJECT)
        self.service = Service(workdir, {
            "certificate": {
                "enabled_certificate_plugins": "test_ca,local_ca",
                "retry_initial_seconds": 0.5, "retry_max_seconds": 1},
            "oslo_policy": {"policy_file": policy_file}})
        self.state = self.service.sections["DEFAULT"]["state_path"]
        self.url = self.service.url

    def script(self, **actions) -> None:
        os.makedirs(self.state, exist_ok=True)
        with open(os.path.join(self.state, "test_ca.json"), "w") as f:
            json.dump(actions, f)

    def calls(self, order_ref: str) -> list[str]:
        order_id = order_ref.rsplit("/", 1)[1]
        with open(os.path.join(self.state, "test_ca.calls")) as f:
            return [line.split()[0] for line in f
                    if line.split()[1] == order_id]


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    harness = Scripted(str(tmp_path_factory.mktemp("scripted")))
    harness.script()
    harness.service.start()
    yield harness
    harness.service.stop()


@pytest.fixture
def project() -> str:
    return "cm-" + uuid.uuid4().hex[:12]


@pytest.fixture
def run(monkeypatch, capsys, project):
    """Run the helper in-process: ``run(url, *args, operation=..., ...)``.

    Keyword arguments set ``CERTMONGER_<NAME>``; every other
    ``CERTMONGER_*`` variable is unset.  Returns (status, stdout).
    """
    def run(url: str, *args: str, **env: str) -> tuple[int, str]:
        for name in list(os.environ):
            if name.startswith("CERTMONGER_"):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv("CERTMONGER_" + name.upper(), value)
        capsys.readouterr()
        status = certmonger.main(["--url", url, "--project-id", project,
                                  *args])
        return status, capsys.readouterr().out
    return run


def first_ca(service: Service, project: str) -> str:
    cas = service.client(project).get("/v1/cas").json()["cas"]
    return cas[0].rsplit("/", 1)[1]


def ca_of_plugin(service: Service, project: str, plugin: str) -> str:
    client = service.client(project)
    for ref in client.get("/v1/cas").json()["cas"]:
        if client.get(ref).json()["plugin_name"] == plugin:
            return ref.rsplit("/", 1)[1]
    raise AssertionError("no CA of plugin %s" % plugin)


def ca_certificate(service: Service, ca_id: str) -> x509.Certificate:
    response = service.client("any").get("/v1/cas/%s/cacert" % ca_id)
    assert response.status_code == 200
    return x509.load_pem_x509_certificate(response.content)


def only_order(service: Service, project: str) -> dict:
    orders = service.client(project).get("/v1/orders").json()["orders"]
    assert len(orders) == 1
    return orders[0]


def single_line(output: str) -> str:
    assert output.endswith("\n") and output.count("\n") == 1, output
    return output[:-1]


class TestIdentify:
    def test_identify_names_helper_and_version(self, run):
        status, out = run(dead_url(), operation="IDENTIFY")
        assert status == 0
        assert out == "barbican-certs-certmonger-submit %s\n" % VERSION

    def test_identify_runs_as_module(self):
        env = dict(os.environ, CERTMONGER_OPERATION="IDENTIFY")
        result = subprocess.run(
            [sys.executable, "-m", "barbican_certs.cmd.certmonger", "--url",
             dead_url(), "--project-id", "p"],
            env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ("barbican-certs-certmonger-submit %s\n"
                                 % VERSION)


class TestSubmit:
    def test_submit_issues_certificate_then_chain(self, run, embedded,
                                                  project):
        csr, key = make_csr()
        status, out = run(embedded.url, csr=csr)
        assert status == 0, out
        certificate, *chain = x509.load_pem_x509_certificates(out.encode())
        ca = ca_certificate(embedded, first_ca(embedded, project))
        assert chain == [ca]
        certificate.verify_directly_issued_by(ca)
        assert certificate.public_key() == key.public_key()
        assert certificate.subject.rfc4514_string() == "CN=cm.example.com"
        order = only_order(embedded, project)
        assert order["status"] == "ACTIVE"
        assert order["meta"] == {"request_type": "simple-cmc",
                                 "request_data": csr}

    def test_submit_is_default_operation(self, run, embedded):
        csr, _key = make_csr()
        status, out = run(embedded.url, csr=csr, operation="")
        assert status == 0, out
        assert "BEGIN CERTIFICATE" in out

    def test_submit_profile_orders_from_first_ca(self, run, embedded,
                                                 project):
        csr, _key = make_csr()
        status, out = run(embedded.url, csr=csr, ca_profile="server")
        assert status == 0, out
        certificate = x509.load_pem_x509_certificates(out.encode())[0]
        usage = certificate.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
        assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
        meta = only_order(embedded, project)["meta"]
        assert meta["profile"] == "server"
        assert meta["ca_id"] == first_ca(embedded, project)

    def test_submit_ca_id_orders_from_that_ca(self, run, scripted, project):
        scripted.script(issue=["rejected"])
        local_ca = ca_of_plugin(scripted.service, project, "local_ca")
        csr, _key = make_csr()
        status, out = run(scripted.url, "--ca-id", local_ca, csr=csr)
        assert status == 0, out
        assert only_order(scripted.service, project)["meta"]["ca_id"] == (
            local_ca)

    def test_submit_unknown_profile_is_rejected(self, run, embedded):
        csr, _key = make_csr()
        status, out = run(embedded.url, csr=csr, ca_profile="no-such")
        assert status == 2
        assert single_line(out)

    def test_submit_bad_csr_is_rejected(self, run, embedded, project):
        status, out = run(embedded.url, csr="not a certificate request")
        assert status == 2
        assert single_line(out) == (
            "Unable to decode request data. (HTTP 400 from POST "
            "%s/v1/orders)" % embedded.url)
        orders = embedded.client(project).get("/v1/orders").json()
        assert orders["total"] == 0

    def test_submit_unknown_ca_is_rejected(self, run, embedded):
        csr, _key = make_csr()
        status, out = run(embedded.url, "--ca-id", str(uuid.uuid4()),
                          csr=csr)
        assert status == 2
        assert "The ca_id provided in the request is invalid" in (
            single_line(out))

    @pytest.mark.parametrize("project", [FORBIDDEN_PROJECT])
    def test_submit_forbidden_is_unconfigured(self, run, scripted):
        csr, _key = make_csr()
        status, out = run(scripted.url, csr=csr)
        assert status == 4
        assert single_line(out).endswith(
            "(HTTP 403 from POST %s/v1/orders)" % scripted.url)

    def test_submit_without_csr_is_unconfigured(self, run, embedded):
        status, out = run(embedded.url)
        assert status == 4
        assert single_line(out).startswith("CERTMONGER_CSR is not set")

    def test_submit_unreachable_service(self, run):
        url = dead_url()
        csr, _key = make_csr()
        status, out = run(url, csr=csr)
        assert status == 3
        assert single_line(out).startswith(
            "Cannot reach the service at %s: " % url)

    def test_submit_profile_unreachable_service(self, run):
        csr, _key = make_csr()
        status, out = run(dead_url(), csr=csr, ca_profile="server")
        assert status == 3
        assert single_line(out).startswith("Cannot reach the service")


class TestPending:
    def test_submit_pending_then_poll_issues(self, run, scripted, project):
        scripted.script(issue=["pending"],
                        check_status=["pending", "generated"])
        csr, key = make_csr()
        status, out = run(scripted.url, "--wait", "0", "--poll-delay", "7",
                          csr=csr)
        assert status == 5, out
        delay, cookie = out.splitlines()
        assert delay == "7"
        assert cookie == only_order(scripted.service, project)["order_ref"]

        status, out = run(scripted.url, "--wait", "30", csr=csr,
                          operation="POLL", ca_cookie=cookie)
        assert status == 0, out
        certificate = x509.load_pem_x509_certificates(out.encode())[0]
        assert certificate.public_key() == key.public_key()
        assert scripted.calls(cookie) == ["issue", "check_status",
                                          "check_status"]

    def test_submit_waits_for_pending_order(self, run, scripted):
        scripted.script(issue=["pending"],
                        check_status=["pending", "generated"])
        csr, _key = make_csr()
        status, out = run(scripted.url, "--wait", "30", csr=csr)
        assert status == 0, out
        assert out.startswith("-----BEGIN CERTIFICATE-----\n")

    def test_poll_still_pending_gives_same_cookie(self, run, scripted):
        scripted.script(issue=["pending"], check_status=["pending"])
        csr, _key = make_csr()
        status, out = run(scripted.url, "--wait", "0", csr=csr)
        assert status == 5
        cookie = out.splitlines()[1]
        assert out == "60\n%s\n" % cookie

        status, out = run(scripted.url, "--wait", "0.3", "--poll-delay",
                          "2", operation="POLL", ca_cookie=cookie + "\n")
        assert status == 5
        assert out == "2\n%s\n" % cookie

    def test_rejected_order_gives_reason(self, run, scripted):
        scripted.script(issue=["rejected"])
        csr, _key = make_csr()
        status, out = run(scripted.url, "--wait", "0", csr=csr)
        assert status == 5
        cookie = out.splitlines()[1]

        status, out = run(scripted.url, "--wait", "30", operation="POLL",
                          ca_cookie=cookie)
        assert status == 2
        assert out == "CA rejected request data as invalid\n"

    def test_poll_unreachable_service_retries_soon(self, run):
        cookie = "http://127.0.0.1:9/v1/orders/%s" % uuid.uuid4()
        status, out = run(dead_url(), operation="POLL", ca_cookie=cookie)
        assert status == 5
        assert out == "30\n%s\n" % cookie
        status, out = run(dead_url(), "--poll-delay", "4", operation="POLL",
                          ca_cookie=cookie)
        assert status == 5
        assert out == "4\n%s\n" % cookie

    def test_poll_reads_order_from_configured_url(self, run, embedded,
                                                  project):
        csr, _key = make_csr()
        assert run(embedded.url, csr=csr)[0] == 0
        order_id = only_order(embedded, project)["order_ref"].rsplit("/")[-1]
        cookie = "https://elsewhere.invalid/v1/orders/%s" % order_id
        status, out = run(embedded.url, operation="POLL", ca_cookie=cookie)
        assert status == 0, out
        assert "BEGIN CERTIFICATE" in out

    def test_poll_unknown_order_is_rejected(self, run, embedded):
        cookie = "%s/v1/orders/%s" % (embedded.url, uuid.uuid4())
        status, out = run(embedded.url, operation="POLL", ca_cookie=cookie)
        assert status == 2
        assert "(HTTP 404 from GET %s)" % cookie in single_line(out)

    @pytest.mark.parametrize("cookie", [
        "not a cookie", "http://x/v1/orders/not-a-uuid",
        "http://x/v1/secrets/%s" % uuid.uuid4()])
    def test_poll_bad_cookie_is_rejected(self, run, embedded, cookie):
        status, out = run(embedded.url, operation="POLL", ca_cookie=cookie)
        assert status == 2
        assert single_line(out) == ("The cookie %r is not a barbican-certs "
                                    "order reference" % cookie)

    def test_poll_without_cookie_submits(self, run, embedded, project):
        csr, _key = make_csr()
        status, out = run(embedded.url, operation="POLL", csr=csr)
        assert status == 0, out
        assert only_order(embedded, project)["status"] == "ACTIVE"


class TestCAInformation:
    def test_fetch_roots_gives_nickname_and_ca_certificate(self, run,
                                                           embedded,
                                                           project):
        status, out = run(embedded.url, operation="FETCH-ROOTS")
        assert status == 0
        nickname, pem = out.split("\n", 1)
        assert nickname == "barbican-certs local CA"
        ca = ca_certificate(embedded, first_ca(embedded, project))
        assert x509.load_pem_x509_certificates(pem.encode()) == [ca]
        assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
        assert pem.endswith("-----END CERTIFICATE-----\n")

    def test_fetch_roots_of_ca_id(self, run, scripted, project):
        status, out = run(scripted.url, operation="FETCH-ROOTS")
        assert status == 0
        assert out.startswith("Scripted test CA\n")
        local_ca = ca_of_plugin(scripted.service, project, "local_ca")
        status, out = run(scripted.url, "--ca-id", local_ca,
                          operation="FETCH-ROOTS")
        assert status == 0
        assert out.startswith("barbican-certs local CA\n")

    def test_supported_templates_lists_profiles(self, run, embedded,
                                                project):
        status, out = run(embedded.url, operation="GET-SUPPORTED-TEMPLATES")
        assert status == 0
        profiles = embedded.client(project).get(
            "/v1/cas/%s/profiles" % first_ca(embedded, project)).json()
        assert out.splitlines() == [p["name"]
                                    for p in profiles["profiles"]]
        assert sorted(out.splitlines()) == ["client", "server",
                                            "server-client"]

    def test_default_template_is_server_client(self, run, embedded):
        status, out = run(embedded.url, operation="GET-DEFAULT-TEMPLATE")
        assert status == 0
        assert out == "server-client\n"

    @pytest.mark.parametrize("operation", ["GET-SUPPORTED-TEMPLATES",
                                           "GET-DEFAULT-TEMPLATE"])
    def test_templates_of_ca_without_profiles(self, run, scripted,
                                              operation):
        status, out = run(scripted.url, operation=operation)
        assert status == 0
        assert out == ""

    @pytest.mark.parametrize("operation", [
        "FETCH-ROOTS", "GET-SUPPORTED-TEMPLATES", "GET-DEFAULT-TEMPLATE"])
    def test_ca_information_unreachable(self, run, operation):
        status, out = run(dead_url(), operation=operation)
        assert status == 3
        assert single_line(out).startswith("Cannot reach the service")

    def test_fetch_roots_unknown_ca_is_rejected(self, run, embedded):
        ca_id = str(uuid.uuid4())
        status, out = run(embedded.url, "--ca-id", ca_id,
                          operation="FETCH-ROOTS")
        assert status == 2
        assert "(HTTP 404 from GET %s/v1/cas/%s)" % (embedded.url, ca_id) in (
            single_line(out))


class TestCommandLine:
    @pytest.mark.parametrize("operation", [
        "GET-NEW-REQUEST-REQUIREMENTS", "GET-RENEW-REQUEST-REQUIREMENTS",
        "FETCH-SCEP-CA-CAPS", "FETCH-SCEP-CA-CERTS", "submit", "FROB"])
    def test_other_operations_are_unsupported(self, run, operation):
        assert run(dead_url(), operation=operation) == (6, "")

    @pytest.mark.parametrize("argv,message", [
        ([], "the following arguments are required: --url, --project-id"),
        (["--url", "localhost:9311", "--project-id", "p"],
         "argument --url: not an http(s) URL: 'localhost:9311'"),
        (["--url", "http://h", "--project-id", "p", "--ca-id", "x"],
         "argument --ca-id: not a CA id (UUID): 'x'"),
        (["--url", "http://h", "--project-id", "p", "--timeout", "0"],
         "argument --timeout: must be at least 0.001"),
        (["--url", "http://h", "--project-id", "p", "--poll-delay", "x"],
         "argument --poll-delay: not a number: 'x'"),
    ])
    def test_bad_options_are_unconfigured(self, monkeypatch, capsys, argv,
                                          message):
        monkeypatch.setenv("CERTMONGER_OPERATION", "SUBMIT")
        assert certmonger.main(argv) == 4
        out = capsys.readouterr().out
        assert out == "barbican-certs-certmonger-submit: %s\n" % message

    @pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
    def test_url_forms(self, run, embedded, suffix):
        status, out = run(embedded.url + suffix,
                          operation="GET-DEFAULT-TEMPLATE")
        assert (status, out) == (0, "server-client\n")


class StubHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with the server's ``answer``."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, content_type, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stub():
    """A stub HTTP server for answers the real service never gives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def stub_url(server) -> str:
    return "http://127.0.0.1:%d" % server.server_address[1]


ERROR_BODY = json.dumps({"code": 503, "title": "Service Unavailable",
                         "description": "Try later"}).encode()


class TestServiceAnswers:
    @pytest.mark.parametrize("answer,status,message", [
        ((503, "application/json", ERROR_BODY), 3,
         "Try later (HTTP 503 from POST %s/v1/orders)"),
        ((500, "text/html", b"<html>oops</html>"), 3,
         "Internal Server Error (HTTP 500 from POST %s/v1/orders)"),
        ((401, "application/json", json.dumps(
            {"code": 401, "title": "Unauthorized",
             "description": "Authentication required"}).encode()), 4,
         "Authentication required (HTTP 401 from POST %s/v1/orders); "
         "this helper sends no Keystone token (not supported yet)"),

        ((202, "text/html", b"<html>hello</html>"), 3,
         "Unexpected answer from the service for /v1/orders: not JSON"),
        ((202, "application/json", b"{}"), 3,
         "Unexpected answer from the service: the new order has no "
         "order_ref"),
    ])
    def test_submit_answers(self, run, stub, answer, status, message):
        stub.answer = answer
        csr, _key = make_csr()
        assert run(stub_url(stub), csr=csr) == (
            status, (message % stub_url(stub) if "%s" in message
                     else message) + "\n")

    @pytest.mark.parametrize("answer", [
        (503, "application/json", ERROR_BODY),
        (200, "application/json", b'{"status": "SOMETHING"}'),
        (200, "application/json", b'{"status": "ACTIVE"}'),
        (200, "text/plain", b"hello"),
    ])
    def test_poll_answers_retry(self, run, stub, answer):
        stub.answer = answer
        cookie = "%s/v1/orders/%s" % (stub_url(stub), uuid.uuid4())
        assert run(stub_url(stub), "--poll-delay", "600", operation="POLL",
                   ca_cookie=cookie) == (5, "30\n%s\n" % cookie)
