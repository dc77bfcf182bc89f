"""certmonger itself, with barbican-certs-certmonger-submit as its CA.

The Debian certmonger daemon runs in the foreground without any D-Bus
(``-n -L -P <socket>``), with its requests, CAs, own local CA, lock and
temporary files in a temporary folder (``CERTMONGER_*`` variables of
certmonger(8)); ``getcert`` reaches it through ``CERTMONGER_PVT_ADDRESS``.
The tests skip only when certmonger is not installed; CI installs it
(Debian package ``certmonger``), and under ``CI=true`` a skip fails.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Iterator

import pytest

from tests.functional.harness import Service

START_TIMEOUT = 30
ISSUE_TIMEOUT = 90
SBIN = os.pathsep.join(["/usr/sbin", "/sbin"])


def _binary(name: str) -> str:
    path = shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep
                        + SBIN)
    if path is None:
        pytest.skip("%s is not installed (Debian package certmonger)" % name)
    return path


class Certmonger:
    """A private certmonger daemon and the getcert client that drives it."""

    def __init__(self, workdir: str, socket_dir: str) -> None:
        self.daemon = _binary("certmonger")
        self.getcert_bin = _binary("getcert")
        self.workdir = workdir
        self.socket = os.path.join(socket_dir, "socket")
        self.log_path = os.path.join(workdir, "certmonger.log")
        self.env = dict(os.environ)
        for variable, name in [("CERTMONGER_REQUESTS_DIR", "requests"),
                               ("CERTMONGER_CAS_DIR", "cas"),
                               ("CERTMONGER_LOCAL_CA_DIR", "local"),
                               ("CERTMONGER_CONFIG_DIR", "config"),
                               ("CERTMONGER_TMPDIR", "tmp")]:
            os.makedirs(os.path.join(workdir, name))
            self.env[variable] = os.path.join(workdir, name)
        self.env["CERTMONGER_SYSTEM_LOCK_FILE"] = os.path.join(workdir,
                                                               "lock")
        self.env["CERTMONGER_PVT_ADDRESS"] = "unix:path=" + self.socket
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            # -d 3 logs each helper run: operation, cookie, exit status.
            self.proc = subprocess.Popen(
                [self.daemon, "-n", "-L", "-P", self.socket, "-d", "3",
                 "-p", os.path.join(self.workdir, "pid")],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.socket):
            assert self.proc.poll() is None, self.log()
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def getcert(self, *args: str) -> str:
        result = subprocess.run([self.getcert_bin, *args], env=self.env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (result.stdout, result.stderr)
        return result.stdout

    def add_ca(self, name: str, helper: list[str], *data: str) -> None:
        """Add the helper as CA ``name``; wait until certmonger stored
        ``data``, the lines of its CA file that the helper's IDENTIFY,
        FETCH-ROOTS and template operations give.

        certmonger restarts the requests of a CA whenever that CA's data
        changes, killing a helper that is submitting (which leaves an
        order behind); requests therefore start once the data is in.
        """
        # The installed console script, as an operator would name it.
        script = os.path.join(os.path.dirname(sys.executable),
                              "barbican-certs-certmonger-submit")
        command = " ".join([script, *helper])
        self.getcert("add-ca", "-c", name, "-e", command)
        self.wait_ca_file(name, "ca_aka=barbican-certs-certmonger-submit ",
                          *data)

    def wait_status(self, request_id: str, *statuses: str) -> str:
        """Poll ``getcert list`` until the request is in one of statuses."""
        deadline = time.monotonic() + ISSUE_TIMEOUT
        while True:
            listing = self.getcert("list", "-i", request_id)
            if any("status: %s\n" % s in listing for s in statuses):
                return listing
            assert time.monotonic() < deadline, "%s\n%s" % (listing,
                                                           self.log())
            time.sleep(0.2)

    def wait_file(self, path: str, text: str) -> None:
        """Wait until certmonger has written ``text`` into ``path``."""
        deadline = time.monotonic() + ISSUE_TIMEOUT
        while True:
            if os.path.exists(path):
                with open(path) as f:
                    if text in f.read():
                        return
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.2)

    def wait_ca_file(self, name: str, *texts: str) -> str:
        """The file certmonger keeps CA ``name`` in, once it has texts."""
        deadline = time.monotonic() + ISSUE_TIMEOUT
        cas = self.env["CERTMONGER_CAS_DIR"]
        while True:
            for entry in os.listdir(cas):
                with open(os.path.join(cas, entry)) as f:
                    content = f.read()
                if all(text in content for text in
                       ("id=%s\n" % name, *texts)):
                    return content
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.2)


@pytest.fixture
def certmonger(tmp_path) -> Iterator[Certmonger]:
    # The socket path must fit sockaddr_un (108 bytes): a short folder.
    socket_dir = tempfile.mkdtemp(prefix="cm-")
    workdir = tmp_path / "certmonger"
    workdir.mkdir()
    daemon = Certmonger(str(workdir), socket_dir)
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()
        shutil.rmtree(socket_dir, ignore_errors=True)


def _ca_pem(service: Service, project: str, tmp_path) -> str:
    client = service.client(project)
    ca_ref = client.get("/v1/cas").json()["cas"][0]
    response = client.get(ca_ref + "/cacert")
    assert response.status_code == 200
    path = tmp_path / "ca.pem"
    path.write_bytes(response.content)
    return str(path)


def _openssl_verify(ca_file: str, cert_file: str) -> None:
    result = subprocess.run(["openssl", "verify", "-CAfile", ca_file,
                             cert_file], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "%s: OK" % cert_file


def _request(certmonger: Certmonger, tmp_path, request_id: str) -> None:
    certmonger.getcert("request", "-c", "barbican", "-I", request_id,
                       "-f", str(tmp_path / "cert.pem"),
                       "-k", str(tmp_path / "key.pem"),
                       "-F", str(tmp_path / "roots.pem"),
                       "-N", "CN=%s.example.com" % request_id)


def test_certmonger_obtains_certificate(certmonger, embedded, tmp_path):
    # IDENTIFY, FETCH-ROOTS (nickname, then the root) and the templates.
    certmonger.add_ca("barbican", ["--url", embedded.url,
                                   "--project-id", "cm"],
                      "ca_root_certs=barbican-certs local CA\n",
                      "ca_profiles=client,server,server-client\n",
                      "ca_default_profile=server-client\n")
    _request(certmonger, tmp_path, "web")
    listing = certmonger.wait_status("web", "MONITORING", "CA_REJECTED",
                                     "CA_UNREACHABLE", "CA_UNCONFIGURED")

    assert "status: MONITORING\n" in listing
    assert "subject: CN=web.example.com\n" in listing
    assert "issuer: CN=barbican-certs local CA\n" in listing
    ca_file = _ca_pem(embedded, "cm", tmp_path)
    _openssl_verify(ca_file, str(tmp_path / "cert.pem"))
    orders = embedded.client("cm").get("/v1/orders").json()["orders"]
    assert [o["status"] for o in orders] == ["ACTIVE"]

    # certmonger writes the root from FETCH-ROOTS to the -F file.
    with open(ca_file) as f:
        certmonger.wait_file(str(tmp_path / "roots.pem"), f.read())
    assert ("default profile/template/certtype: server-client\n"
            in certmonger.getcert("list-cas", "-c", "barbican"))


@pytest.fixture
def scripted(tmp_path) -> Iterator[tuple[Service, str]]:
    """A service whose first CA is the scripted test CA, and its state."""
    service = Service(str(tmp_path), {"certificate": {
        "enabled_certificate_plugins": "test_ca,local_ca",
        "retry_initial_seconds": 0.5, "retry_max_seconds": 1}})
    state = service.sections["DEFAULT"]["state_path"]
    os.makedirs(state)
    yield service, state
    service.stop()


def _script(state: str, script: str) -> None:
    with open(os.path.join(state, "test_ca.json"), "w") as f:
        f.write(script)


def test_certmonger_polls_pending_order(certmonger, scripted, tmp_path):
    service, state = scripted
    _script(state, '{"issue": ["pending"], '
                   '"check_status": ["pending", "generated"]}')
    service.start()
    certmonger.add_ca("barbican", ["--url", service.url, "--project-id",
                                   "cm", "--wait", "0", "--poll-delay", "1"],
                      "ca_root_certs=Scripted test CA\n")
    _request(certmonger, tmp_path, "pending")
    listing = certmonger.wait_status("pending", "MONITORING", "CA_REJECTED",
                                     "CA_UNREACHABLE", "CA_UNCONFIGURED")

    assert "status: MONITORING\n" in listing
    _openssl_verify(_ca_pem(service, "cm", tmp_path),
                    str(tmp_path / "cert.pem"))
    orders = service.client("cm").get("/v1/orders").json()["orders"]
    assert [o["status"] for o in orders] == ["ACTIVE"]
    order_ref = orders[0]["order_ref"]
    # SUBMIT answered 5 with the order ref as cookie, then POLL got it.
    log = certmonger.log()
    assert "Child status = 5." in log
    assert '"CERTMONGER_OPERATION" to "POLL"' in log
    assert '"CERTMONGER_CA_COOKIE" to "%s"' % order_ref in log
    with open(os.path.join(state, "test_ca.calls")) as f:
        calls = [line.split()[0] for line in f]
    assert calls == ["issue", "check_status", "check_status"]


def test_certmonger_reports_rejection(certmonger, scripted, tmp_path):
    service, state = scripted
    _script(state, '{"issue": ["rejected"]}')
    service.start()
    certmonger.add_ca("barbican", ["--url", service.url, "--project-id",
                                   "cm"], "ca_root_certs=Scripted test CA\n")
    _request(certmonger, tmp_path, "refused")
    listing = certmonger.wait_status("refused", "MONITORING", "CA_REJECTED",
                                     "CA_UNREACHABLE", "CA_UNCONFIGURED")

    assert "status: CA_REJECTED\n" in listing
    assert "ca-error: CA rejected request data as invalid\n" in listing
    assert not (tmp_path / "cert.pem").exists()
