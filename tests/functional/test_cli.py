"""The ``barbican`` and ``openstack`` CLIs, unchanged, against the API.

Both come from their own virtualenv (python-barbicanclient 6.0.0 and
python-openstackclient), as a user would install them.
"""

import os
import subprocess
import time

from cryptography import x509
import pytest

from tests.functional.harness import Service
from tests.functional.test_certificates import openssl_csr
from tests.functional.test_certificates import openssl_verify

PROJECT = "cli-project"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    service = Service(str(tmp_path_factory.mktemp("cli")), {
        # The openstack CLI with --os-auth-type none sends no project.
        "api": {"noauth_default_project_id": PROJECT}})
    service.start()
    yield service
    service.stop()


class CLI:
    def __init__(self, client_bin: str, url: str) -> None:
        self.barbican_argv = [os.path.join(client_bin, "barbican"),
                              "--no-auth", "-E", url, "--os-project-id",
                              PROJECT]
        self.openstack_argv = [os.path.join(client_bin, "openstack"),
                               "--os-auth-type", "none", "--os-endpoint",
                               url + "/v1"]

    @staticmethod
    def _run(argv: list[str], check: bool) -> subprocess.CompletedProcess:
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=120)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def barbican(self, *args: str, check: bool = True
                 ) -> subprocess.CompletedProcess:
        return self._run(self.barbican_argv + list(args), check)

    def openstack(self, *args: str, check: bool = True
                  ) -> subprocess.CompletedProcess:
        return self._run(self.openstack_argv + list(args), check)

    def value(self, *args: str) -> str:
        return self.barbican(*args, "-f", "value").stdout.strip()


@pytest.fixture
def cli(client_bin, service) -> CLI:
    return CLI(client_bin, service.url)


def _wait_active(cli: CLI, order_ref: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = cli.value("secret", "order", "get", order_ref, "-c",
                           "Status")
        if status != "PENDING":
            assert status == "ACTIVE"
            return
        time.sleep(0.3)
    raise AssertionError("order still PENDING")


def test_certificate_order_flow(cli, service, tmp_path):
    csr = tmp_path / "request.pem"
    csr.write_text(openssl_csr(tmp_path))
    order_ref = cli.value("secret", "order", "create", "certificate",
                          "--request-type", "simple-cmc", "--request-file",
                          str(csr), "-c", "Order href")
    assert order_ref.startswith(service.url + "/v1/orders/")
    _wait_active(cli, order_ref)

    container_ref = cli.value("secret", "order", "get", order_ref, "-c",
                              "Container href")
    certificate_ref = cli.value("secret", "container", "get",
                                container_ref, "-c", "Certificate")
    out = tmp_path / "certificate.pem"
    cli.barbican("secret", "get", "--file", str(out), certificate_ref)
    cert = x509.load_pem_x509_certificate(out.read_bytes())
    assert cert.subject.rfc4514_string() == "CN=web.example.com"
    openssl_verify(tmp_path, cert, service.client(PROJECT))

    listed = cli.value("secret", "order", "list", "-c", "Order href")
    assert order_ref in listed.splitlines()
    cli.barbican("secret", "order", "delete", order_ref)
    gone = cli.barbican("secret", "order", "get", order_ref, check=False)
    assert "Not Found" in gone.stdout + gone.stderr


def test_ca_list_and_get(cli):
    refs = cli.value("ca", "list", "-c", "CA href").splitlines()
    assert len(refs) == 1
    name = cli.value("ca", "get", refs[0], "-c", "Name")
    assert name == "barbican-certs local CA"
    assert cli.value("ca", "get", refs[0], "-c", "Plugin Name") == (
        "local_ca")


def test_bad_request_shows_title_and_description(cli, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                   "-----END CERTIFICATE REQUEST-----\n")
    result = cli.barbican("secret", "order", "create", "certificate",
                          "--request-type", "simple-cmc", "--request-file",
                          str(bad), check=False)
    assert result.returncode != 0
    assert "Bad Request: Invalid PKCS10 Data: Bad format" in result.stderr


def test_openstack_cli_without_project_uses_default(cli, service,
                                                    tmp_path):
    client = service.client(PROJECT)
    order_ref = client.create_order("key", {"algorithm": "aes",
                                            "bit_length": 256})
    listed = cli.openstack("secret", "order", "list", "-f", "value",
                           "-c", "Order href").stdout
    assert order_ref in listed.splitlines()


def test_openstack_cli_without_project_refused_by_default(client_bin,
                                                          embedded):
    cli = CLI(client_bin, embedded.url)
    result = cli.openstack("secret", "order", "list", check=False)
    assert result.returncode != 0
    assert "Missing X-Project-Id" in result.stderr
