"""Tests of barbican_certs.plugin.local_ca against a real state directory.

Keys are generated at test time; issued certificates are checked field by
field and with ``openssl verify``.
"""

import base64
import datetime
import errno
import ipaddress
import json
import logging
import os
import pathlib
import stat
import subprocess
import sys
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID
import pytest

from barbican_certs.common import config
from barbican_certs.common import exception
from barbican_certs.pki import cmc as pki_cmc
from barbican_certs.pki import csr as pki_csr
from barbican_certs.plugin import local_ca
from barbican_certs.plugin.interface import certificate_manager as cm

CONF = config.CONF
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
STATUS = cm.CertificateStatus


@pytest.fixture(autouse=True)
def state_path(tmp_path):
    CONF.set_override("state_path", str(tmp_path / "state"))
    yield tmp_path / "state"
    CONF.clear_override("state_path")


@pytest.fixture
def local_ca_conf():
    """Set [local_ca] options for one test."""
    names = []

    def override(**values):
        for name, value in values.items():
            CONF.set_override(name, value, group="local_ca")
            names.append(name)

    yield override
    for name in names:
        CONF.clear_override(name, group="local_ca")


@pytest.fixture
def plugin():
    return local_ca.LocalCAPlugin()


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def make_csr(key, subject="CN=www.example.com,O=Example",
             dns_names=(), ip_addresses=()):
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name.from_rfc4514_string(subject))
    names = [x509.DNSName(n) for n in dns_names] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(names), critical=False)
    digest = None if isinstance(key, ed25519.Ed25519PrivateKey) else (
        hashes.SHA256())
    return builder.sign(key, digest)


def der_of(csr):
    return csr.public_bytes(serialization.Encoding.DER)


def simple_dto(csr, plugin_ca_id=None, request_type="simple-cmc"):
    return cm.BarbicanMetaDTO(request_type, der_of(csr), plugin_ca_id)


def custom_dto(plugin_ca_id=None):
    return cm.BarbicanMetaDTO("custom", None, plugin_ca_id)


def load_cert(result):
    assert result.status == STATUS.CERTIFICATE_GENERATED, (
        result.status_message)
    return x509.load_pem_x509_certificate(result.certificate)


def ext(cert, ext_class):
    return cert.extensions.get_extension_for_class(ext_class)


def chain_of(pem):
    """The certificates of a PEM PKCS#7 (a SET OF: order is not kept)."""
    return set(pkcs7.load_pem_pkcs7_certificates(pem))


def root_cert(plugin):
    return x509.load_pem_x509_certificate(
        plugin.get_default_signing_cert().encode("ascii"))


def openssl_verify(tmp_path, leaf, trusted, untrusted=(), purpose=None):
    """Run ``openssl verify``; return (ok, output)."""
    def write(name, certs):
        path = tmp_path / name
        path.write_bytes(b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in certs))
        return str(path)

    command = ["openssl", "verify", "-x509_strict",
               "-CAfile", write("trusted.pem", [trusted])]
    if untrusted:
        command += ["-untrusted", write("untrusted.pem", untrusted)]
    if purpose:
        command += ["-purpose", purpose]
    command.append(write("leaf.pem", [leaf]))
    proc = subprocess.run(command, capture_output=True, text=True,
                          check=False)
    return proc.returncode == 0, proc.stdout + proc.stderr


def issue(plugin, csr, meta=None, plugin_meta=None, plugin_ca_id=None):
    return plugin.issue_simple_cmc_request(
        "order-1", meta or {"request_type": "simple-cmc"},
        {} if plugin_meta is None else plugin_meta,
        simple_dto(csr, plugin_ca_id))


class TestListOpts:

    def test_list_opts_gives_local_ca_group_with_help(self):
        [(group, opts)] = local_ca.list_opts()

        assert group == "local_ca"
        assert {o.name for o in opts} >= {
            "ca_key_type", "ca_rsa_key_size", "ca_subject_dn",
            "ca_validity_days", "default_validity_days", "default_profile"}
        assert all(o.help for o in opts)

    def test_defaults_match_spec(self):
        assert CONF.local_ca.ca_key_type == "ec"
        assert CONF.local_ca.ca_rsa_key_size == 3072
        assert CONF.local_ca.ca_subject_dn == "CN=barbican-certs local CA"
        assert CONF.local_ca.ca_validity_days == 3650
        assert CONF.local_ca.default_validity_days == 90
        assert CONF.local_ca.default_profile == "server-client"


class TestRootCA:

    def test_get_ca_info_creates_root_on_first_use(self, plugin,
                                                   state_path):
        root_dir = state_path / "local_ca" / "root"
        assert not root_dir.exists()

        info = plugin.get_ca_info()

        assert list(info) == [local_ca.ROOT_CA_ID]
        root = info["root"]
        assert root["name"] == "barbican-certs local CA"
        assert root["description"]
        cert = x509.load_pem_x509_certificate(
            root["ca_signing_certificate"].encode("ascii"))
        assert chain_of(root["intermediates"].encode("ascii")) == {cert}
        assert now() < root["expiration"] <= now() + datetime.timedelta(
            days=1)
        key_mode = stat.S_IMODE(os.stat(root_dir / "ca_key.pem").st_mode)
        assert key_mode == 0o600

    def test_root_is_self_signed_p256_ca(self, plugin, tmp_path):
        cert = root_cert(plugin)

        assert cert.subject == cert.issuer == x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME,
                                "barbican-certs local CA")])
        assert isinstance(cert.public_key().curve, ec.SECP256R1)
        constraints = ext(cert, x509.BasicConstraints)
        assert constraints.critical and constraints.value.ca
        usage = ext(cert, x509.KeyUsage).value
        assert usage.key_cert_sign and usage.crl_sign
        validity = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert validity.days == 3650
        assert cert.serial_number.bit_length() == 159
        assert openssl_verify(tmp_path, cert, cert)[0]

    def test_root_reused_by_next_instance(self, plugin):
        first = plugin.get_default_signing_cert()

        second = local_ca.LocalCAPlugin().get_default_signing_cert()

        assert first == second

    def test_root_created_with_rsa_when_configured(self, plugin,
                                                   local_ca_conf):
        local_ca_conf(ca_key_type="rsa", ca_rsa_key_size=2048,
                      ca_subject_dn="CN=Test Root,O=Example")

        cert = root_cert(plugin)

        assert isinstance(cert.public_key(), rsa.RSAPublicKey)
        assert cert.public_key().key_size == 2048
        assert cert.subject.rfc4514_string() == "CN=Test Root,O=Example"
        assert plugin.get_default_ca_name() == "Test Root"

    def test_root_name_falls_back_to_dn_without_cn(self, plugin,
                                                   local_ca_conf):
        local_ca_conf(ca_subject_dn="O=Example,C=DE")

        assert plugin.get_default_ca_name() == "O=Example,C=DE"

    def test_root_refuses_bad_subject_dn_config(self, plugin,
                                                local_ca_conf):
        local_ca_conf(ca_subject_dn="not a DN")

        with pytest.raises(exception.ConfigurationError):
            plugin.get_ca_info()

    def test_create_root_keeps_files_of_first_writer(self, plugin,
                                                     state_path):
        first = plugin.get_default_signing_cert()
        root_dir = str(state_path / "local_ca" / "root")

        local_ca._create_root(root_dir)

        assert local_ca.LocalCAPlugin().get_default_signing_cert() == first
        leftovers = [n for n in os.listdir(state_path / "local_ca")
                     if n.startswith(".tmp-")]
        assert leftovers == []

    def test_create_root_cleans_up_when_rename_fails(self, plugin,
                                                     state_path,
                                                     monkeypatch):
        def refuse(src, dst):
            raise PermissionError(errno.EACCES, "read-only", dst)

        monkeypatch.setattr(os, "rename", refuse)

        with pytest.raises(PermissionError):
            plugin.get_ca_info()

        assert os.listdir(state_path / "local_ca") == []

    def test_processes_starting_at_once_agree_on_root(self, state_path):
        script = (
            "import sys\n"
            "from barbican_certs.common import config\n"
            "from barbican_certs.plugin import local_ca\n"
            "config.CONF.set_override('state_path', sys.argv[1])\n"
            "print(local_ca.LocalCAPlugin().get_default_signing_cert())\n")
        repo = str(pathlib.Path(local_ca.__file__).parents[2])
        env = dict(os.environ, PYTHONPATH=repo)
        procs = [subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", script, str(state_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=repo, env=env) for _ in range(4)]
        outputs = [p.communicate(timeout=120) for p in procs]

        assert [p.returncode for p in procs] == [0] * 4, outputs
        certs = {out for out, _ in outputs}
        assert len(certs) == 1
        assert "BEGIN CERTIFICATE" in certs.pop()

    def test_root_refuses_unreadable_key_file(self, plugin, state_path):
        plugin.get_ca_info()
        (state_path / "local_ca" / "root" / "ca_key.pem").write_text("junk")

        with pytest.raises(cm.CertificateGeneralException) as info:
            local_ca.LocalCAPlugin().get_ca_info()

        assert "unreadable" in info.value.client_message

    def test_root_refuses_key_not_matching_certificate(self, plugin,
                                                       state_path):
        plugin.get_ca_info()
        other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        (state_path / "local_ca" / "root" / "ca_key.pem").write_bytes(other)

        with pytest.raises(cm.CertificateGeneralException) as info:
            local_ca.LocalCAPlugin().get_ca_info()

        assert "does not match" in info.value.client_message

    def test_get_default_intermediates_holds_root(self, plugin):
        pem = plugin.get_default_intermediates().encode("ascii")

        assert chain_of(pem) == {root_cert(plugin)}


class TestIssueSimpleCMC:

    def test_issue_copies_request_and_adds_extensions(self, plugin,
                                                      tmp_path):
        key = ec.generate_private_key(ec.SECP256R1())
        csr = make_csr(key, dns_names=["www.example.com", "example.com"],
                       ip_addresses=["192.0.2.7", "2001:db8::1"])
        plugin_meta = {}

        result = issue(plugin, csr, plugin_meta=plugin_meta)

        cert = load_cert(result)
        root = root_cert(plugin)
        assert cert.version == x509.Version.v3
        assert cert.subject == csr.subject
        assert cert.issuer == root.subject
        assert cert.public_key() == key.public_key()
        san = ext(cert, x509.SubjectAlternativeName)
        assert san.value == ext(csr, x509.SubjectAlternativeName).value
        assert not san.critical
        constraints = ext(cert, x509.BasicConstraints)
        assert constraints.critical and not constraints.value.ca
        usage = ext(cert, x509.KeyUsage)
        assert usage.critical
        assert usage.value.digital_signature and usage.value.key_agreement
        assert not usage.value.key_encipherment
        assert ext(cert, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
            [SERVER_AUTH, CLIENT_AUTH])
        assert ext(cert, x509.SubjectKeyIdentifier).value == (
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()))
        assert ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier == (
            ext(root, x509.SubjectKeyIdentifier).value.digest)
        assert cert.serial_number.bit_length() == 159
        assert chain_of(result.intermediates) == {root}
        assert plugin_meta["serial"] == format(cert.serial_number, "x")
        assert plugin_meta["plugin_ca_id"] == "root"
        for purpose in ("sslserver", "sslclient"):
            ok, output = openssl_verify(tmp_path, cert, root,
                                        purpose=purpose)
            assert ok, output

    def test_issue_is_valid_for_default_days(self, plugin):
        before = now().replace(microsecond=0)

        cert = load_cert(issue(plugin, make_csr(
            ec.generate_private_key(ec.SECP256R1()))))

        assert cert.not_valid_before_utc <= before
        expected = before + datetime.timedelta(days=90)
        assert abs(cert.not_valid_after_utc - expected) < (
            datetime.timedelta(seconds=5))

    def test_issue_uses_configured_days(self, plugin, local_ca_conf):
        local_ca_conf(default_validity_days=7)

        cert = load_cert(issue(plugin, make_csr(
            ec.generate_private_key(ec.SECP256R1()))))

        lifetime = cert.not_valid_after_utc - now()
        assert datetime.timedelta(days=6, hours=23) < lifetime <= (
            datetime.timedelta(days=7))

    def test_issue_clamps_validity_to_ca(self, plugin, local_ca_conf,
                                         tmp_path):
        local_ca_conf(ca_validity_days=30)

        cert = load_cert(issue(plugin, make_csr(
            ec.generate_private_key(ec.SECP256R1()))))

        root = root_cert(plugin)
        assert cert.not_valid_after_utc == root.not_valid_after_utc
        assert cert.not_valid_before_utc >= root.not_valid_before_utc
        assert openssl_verify(tmp_path, cert, root)[0]

    def test_issue_serials_differ(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()))

        serials = {load_cert(issue(plugin, csr)).serial_number
                   for _ in range(5)}

        assert len(serials) == 5
        assert {s.bit_length() for s in serials} == {159}

    def test_issue_rsa_key_gets_key_encipherment(self, plugin, rsa_key,
                                                 tmp_path):
        cert = load_cert(issue(plugin, make_csr(rsa_key)))

        usage = ext(cert, x509.KeyUsage).value
        assert usage.digital_signature and usage.key_encipherment
        assert not usage.key_agreement
        assert cert.public_key() == rsa_key.public_key()
        assert openssl_verify(tmp_path, cert, root_cert(plugin))[0]

    def test_issue_ed25519_key_gets_signature_only(self, plugin):
        key = ed25519.Ed25519PrivateKey.generate()

        cert = load_cert(issue(plugin, make_csr(key)))

        usage = ext(cert, x509.KeyUsage).value
        assert usage.digital_signature
        assert not (usage.key_agreement or usage.key_encipherment)

    @pytest.mark.parametrize("profile,ekus,good,bad", [
        ("server", [SERVER_AUTH], "sslserver", "sslclient"),
        ("client", [CLIENT_AUTH], "sslclient", "sslserver"),
    ])
    def test_issue_applies_profile(self, plugin, tmp_path, profile, ekus,
                                   good, bad):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()),
                       dns_names=["www.example.com"])

        cert = load_cert(issue(plugin, csr, meta={"profile": profile}))

        assert list(ext(cert, x509.ExtendedKeyUsage).value) == ekus
        root = root_cert(plugin)
        assert openssl_verify(tmp_path, cert, root, purpose=good)[0]
        assert not openssl_verify(tmp_path, cert, root, purpose=bad)[0]

    def test_issue_uses_configured_default_profile(self, plugin,
                                                   local_ca_conf):
        local_ca_conf(default_profile="client")

        cert = load_cert(issue(plugin, make_csr(
            ec.generate_private_key(ec.SECP256R1()))))

        assert list(ext(cert, x509.ExtendedKeyUsage).value) == [CLIENT_AUTH]

    def test_issue_marks_san_critical_for_empty_subject(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()), subject="",
                       dns_names=["host.example.com"])

        cert = load_cert(issue(plugin, csr))

        assert len(cert.subject) == 0
        assert ext(cert, x509.SubjectAlternativeName).critical

    def test_issue_refuses_request_without_subject_or_san(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()), subject="")

        result = issue(plugin, csr)

        assert result.status == STATUS.CLIENT_DATA_ISSUE_SEEN
        assert "no subject" in result.status_message

    def test_issue_refuses_bad_signature(self, plugin):
        der = bytearray(der_of(make_csr(
            ec.generate_private_key(ec.SECP256R1()))))
        der[-3] ^= 0x01
        dto = cm.BarbicanMetaDTO("simple-cmc", bytes(der), None)

        result = plugin.issue_simple_cmc_request("order-1", {}, {}, dto)

        assert result.status == STATUS.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message.startswith("Invalid PKCS10 Data")

    def test_issue_refuses_missing_request(self, plugin):
        dto = cm.BarbicanMetaDTO("simple-cmc", None, None)

        result = plugin.issue_simple_cmc_request("order-1", {}, {}, dto)

        assert result.status == STATUS.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message == "Invalid PKCS10 Data: Bad format"

    def test_issue_refuses_unknown_profile(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()))

        result = issue(plugin, csr, meta={"profile": "codesign"})

        assert result.status == STATUS.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message == "Invalid profile: codesign"

    def test_issue_answers_invalid_operation_for_unknown_ca(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()))

        result = issue(plugin, csr, plugin_ca_id=str(uuid.uuid4()))

        assert result.status == STATUS.INVALID_OPERATION

    def test_issue_raises_when_ca_expired(self, plugin, monkeypatch):
        plugin.get_ca_info()
        later = local_ca._now() + datetime.timedelta(days=3651)
        monkeypatch.setattr(local_ca, "_now", lambda: later)

        with pytest.raises(cm.CertificateGeneralException) as info:
            issue(plugin, make_csr(ec.generate_private_key(ec.SECP256R1())))

        assert "expired" in info.value.client_message

    def test_issue_logs_certificate_without_key(self, plugin, caplog):
        caplog.set_level(logging.INFO, logger=local_ca.__name__)

        cert = load_cert(issue(plugin, make_csr(
            ec.generate_private_key(ec.SECP256R1()))))

        [record] = [r for r in caplog.records if "issued" in r.getMessage()]
        message = record.getMessage()
        assert record.levelno == logging.INFO
        assert format(cert.serial_number, "x") in message
        assert cert.fingerprint(hashes.SHA256()).hex() in message
        assert "CN=barbican-certs local CA" in message
        assert cert.not_valid_after_utc.isoformat() in message


class TestRouteToLocalCA:

    def test_route_sends_stored_key_to_simple_cmc(self, plugin, tmp_path):
        key = ec.generate_private_key(ec.SECP256R1())
        der = pki_csr.build_pkcs10(
            key, pki_csr.parse_subject_dn("CN=stored"))
        dto = cm.BarbicanMetaDTO("stored-key", der, None)

        result = cm.route_issuance(plugin, "order-1",
                                   {"request_type": "stored-key"}, {}, dto)

        cert = load_cert(result)
        assert cert.public_key() == key.public_key()
        assert openssl_verify(tmp_path, cert, root_cert(plugin))[0]

    @pytest.mark.parametrize("meta,expected", [
        ({"request_type": "simple-cmc"}, True),
        ({"request_type": "stored-key"}, True),
        ({"request_type": "custom"}, True),
        ({}, True),
        ({"request_type": "full-cmc"}, True),
        ({"request_type": "crmf"}, False),
    ])
    def test_supports_declared_types(self, plugin, meta, expected):
        assert plugin.supports(meta) is expected


class TestIssueFullCMC:
    @pytest.fixture
    def vectors(self, tmp_path):
        from tests.cmc_vectors import PKIFactory
        return PKIFactory(tmp_path)

    def _issue(self, plugin, der, plugin_meta=None):
        dto = cm.BarbicanMetaDTO("full-cmc", der, None)
        meta = {} if plugin_meta is None else plugin_meta
        return cm.route_issuance(plugin, "order-1",
                                 {"request_type": "full-cmc"}, meta, dto)

    def test_self_signed_request_gets_signed_response(self, plugin, vectors,
                                                      tmp_path):
        der = vectors.self_signed_request(transaction_id=42,
                                          sender_nonce=b"nonce-from-client")
        plugin_meta: dict[str, str] = {}
        result = self._issue(plugin, der, plugin_meta)

        assert result.status is cm.CertificateStatus.CERTIFICATE_GENERATED
        cert = load_cert(result)
        assert cert.public_key() == vectors.ec_key.public_key()
        assert openssl_verify(tmp_path, cert, root_cert(plugin))[0]

        # The response itself: signed by the CA, readable by the core.
        response = base64.b64decode(plugin_meta["cmc_response"])
        content = vectors.openssl_verify(response, cafile=root_cert(plugin))
        assert content
        again = pki_cmc.parse_cmc_response(response, cert.public_key(), {})
        assert again.status is cm.CertificateStatus.CERTIFICATE_GENERATED
        assert again.certificate == result.certificate

    def test_several_requests_get_failed_response(self, plugin, vectors):
        der = vectors.self_signed_request(csrs=[
            vectors.csr(), vectors.csr(common_name="second.example")])
        plugin_meta: dict[str, str] = {}
        result = self._issue(plugin, der, plugin_meta)
        assert result.status is cm.CertificateStatus.CLIENT_DATA_ISSUE_SEEN
        assert "cmc_response" in plugin_meta

    def test_tampered_request_is_refused(self, plugin, vectors):
        der = bytearray(vectors.self_signed_request())
        der[-1] ^= 0x01
        result = self._issue(plugin, bytes(der))
        assert result.status is cm.CertificateStatus.CLIENT_DATA_ISSUE_SEEN


class TestIssueCustom:

    def test_issue_signs_request_data_with_profile(self, plugin, tmp_path):
        key = ec.generate_private_key(ec.SECP384R1())
        csr = make_csr(key, dns_names=["api.example.com"])
        pem = csr.public_bytes(serialization.Encoding.PEM).decode()
        meta = {"request_type": "custom", "request_data": pem,
                "profile": "server"}

        result = plugin.issue_certificate_request("order-1", meta, {},
                                                  custom_dto())

        cert = load_cert(result)
        assert cert.public_key() == key.public_key()
        assert list(ext(cert, x509.ExtendedKeyUsage).value) == [SERVER_AUTH]
        assert openssl_verify(tmp_path, cert, root_cert(plugin),
                              purpose="sslserver")[0]

    def test_issue_accepts_base64_der_request_data(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()))
        meta = {"request_data": base64.b64encode(der_of(csr)).decode()}

        cert = load_cert(plugin.issue_certificate_request(
            "order-1", meta, {}, custom_dto()))

        assert cert.subject == csr.subject

    def test_issue_generates_ec_key_by_default(self, plugin, tmp_path):
        meta = {"subject_dn": "CN=gen.example.com,O=Example",
                "dns_names": ["gen.example.com", "*.gen.example.com"],
                "ip_addresses": ["198.51.100.4"]}
        dto = custom_dto()

        cert = load_cert(plugin.issue_certificate_request(
            "order-1", meta, {}, dto))

        assert dto.generated_key_pem.startswith(b"-----BEGIN PRIVATE KEY")
        key = serialization.load_pem_private_key(dto.generated_key_pem, None)
        assert isinstance(key.curve, ec.SECP256R1)
        assert cert.public_key() == key.public_key()
        assert cert.subject.rfc4514_string() == "CN=gen.example.com,O=Example"
        assert ext(cert, x509.SubjectAlternativeName).value == (
            x509.SubjectAlternativeName([
                x509.DNSName("gen.example.com"),
                x509.DNSName("*.gen.example.com"),
                x509.IPAddress(ipaddress.ip_address("198.51.100.4"))]))
        assert ext(cert, x509.KeyUsage).value.key_agreement
        assert openssl_verify(tmp_path, cert, root_cert(plugin),
                              purpose="sslserver")[0]

    @pytest.mark.parametrize("algorithm,size,key_class", [
        ("rsa", 2048, rsa.RSAPrivateKey),
        ("ec", 384, ec.EllipticCurvePrivateKey),
        ("ec", 521, ec.EllipticCurvePrivateKey),
    ])
    def test_issue_generates_requested_key(self, plugin, algorithm, size,
                                           key_class):
        meta = {"subject_dn": "CN=gen", "key_algorithm": algorithm,
                "key_size": size}
        dto = custom_dto()

        cert = load_cert(plugin.issue_certificate_request(
            "order-1", meta, {}, dto))

        key = serialization.load_pem_private_key(dto.generated_key_pem, None)
        assert isinstance(key, key_class)
        assert key.key_size == size
        assert cert.public_key() == key.public_key()

    def test_issue_generates_for_san_only(self, plugin):
        meta = {"dns_names": ["only.example.com"]}

        cert = load_cert(plugin.issue_certificate_request(
            "order-1", meta, {}, custom_dto()))

        assert len(cert.subject) == 0
        assert ext(cert, x509.SubjectAlternativeName).critical

    def test_issue_refuses_order_with_neither_request_nor_subject(
            self, plugin):
        dto = custom_dto()

        result = plugin.issue_certificate_request(
            "order-1", {"request_type": "custom", "profile": "server"}, {},
            dto)

        assert result.status == STATUS.CLIENT_DATA_ISSUE_SEEN
        assert "request_data" in result.status_message
        assert dto.generated_key_pem is None

    def test_issue_refuses_bad_request_data(self, plugin):
        result = plugin.issue_certificate_request(
            "order-1", {"request_data": "@@@"}, {}, custom_dto())

        assert result.status == STATUS.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message == "Unable to decode request data."

    def test_issue_answers_invalid_operation_for_unknown_ca(self, plugin):
        dto = custom_dto(plugin_ca_id=str(uuid.uuid4()))

        result = plugin.issue_certificate_request(
            "order-1", {"subject_dn": "CN=x"}, {}, dto)

        assert result.status == STATUS.INVALID_OPERATION
        assert dto.generated_key_pem is None

    def test_issue_never_logs_generated_key(self, plugin, caplog):
        caplog.set_level(logging.DEBUG)
        dto = custom_dto()

        plugin.issue_certificate_request(
            "order-1", {"subject_dn": "CN=secret-holder"}, {}, dto)

        text = "\n".join(r.getMessage() for r in caplog.records)
        assert "issued" in text
        assert "PRIVATE KEY" not in text
        body = b"".join(dto.generated_key_pem.splitlines()[1:-1]).decode()
        assert body[:40] not in text


class TestValidateCustomMeta:

    @pytest.mark.parametrize("meta", [
        {"subject_dn": "CN=a"},
        {"dns_names": ["a.example.com", "*.example.com", "localhost"]},
        {"ip_addresses": ["10.0.0.1", "::1"]},
        {"subject_dn": "CN=a", "key_algorithm": "rsa", "key_size": 4096},
        {"subject_dn": "CN=a", "key_algorithm": "ec", "key_size": 521},
        {"subject_dn": "CN=a", "profile": "client", "name": "n",
         "requestor_email": "a@example.com", "request_type": "custom"},
    ])
    def test_validate_accepts_good_meta(self, plugin, meta):
        plugin.validate_custom_meta(meta)

    def test_validate_accepts_request_data(self, plugin):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()))

        plugin.validate_custom_meta({"request_data": csr.public_bytes(
            serialization.Encoding.PEM).decode(), "profile": "server"})

    @pytest.mark.parametrize("meta,text", [
        ({}, "Missing required metadata field for request_data"),
        ({"profile": "server"}, "Missing required metadata field"),
        ({"subject_dn": "", "dns_names": []}, "Missing required"),
        ({"key_algorithm": "rsa"}, "Missing required"),
        ({"request_data": "x", "subject_dn": "CN=a"},
         "request_data cannot be combined with subject_dn"),
        ({"request_data": "x", "key_size": 256},
         "request_data cannot be combined with key_size"),
        ({"request_data": 7}, "Invalid request_data"),
        ({"request_data": None}, "Invalid request_data"),
        ({"subject_dn": "CN=a", "profile": "codesign"},
         "Invalid profile: codesign"),
        ({"subject_dn": "CN=a", "profile": ["server"]}, "Invalid profile"),
        ({"dns_names": "a.example.com"}, "Invalid dns_names"),
        ({"dns_names": ["a.example.com", 5]}, "Invalid dns_names"),
        ({"dns_names": ["bad_name.example.com"]},
         "Invalid dns_names: bad_name.example.com"),
        ({"dns_names": ["-a.example.com"]}, "Invalid dns_names"),
        ({"dns_names": ["a..example.com"]}, "Invalid dns_names"),
        ({"dns_names": ["a" * 64 + ".example.com"]}, "Invalid dns_names"),
        ({"dns_names": ["ex\u00e4mple.com"]}, "Invalid dns_names"),
        ({"ip_addresses": ["300.1.1.1"]}, "Invalid ip_addresses: 300"),
        ({"subject_dn": "CN=a", "key_algorithm": "dsa"},
         "Invalid key_algorithm: dsa"),
        ({"subject_dn": "CN=a", "key_algorithm": ["ec"]},
         "Invalid key_algorithm"),
        ({"subject_dn": "CN=a", "key_algorithm": "rsa", "key_size": 1024},
         "Invalid key_size: 1024"),
        ({"subject_dn": "CN=a", "key_size": 2048}, "Invalid key_size"),
        ({"subject_dn": "CN=a", "key_size": "256"}, "Invalid key_size"),
        ({"subject_dn": "CN=a", "key_size": True}, "Invalid key_size"),
        ({"subject_dn": "CN=a", "key_size": [256]}, "Invalid key_size"),
    ])
    def test_validate_refuses_bad_meta(self, plugin, meta, text):
        with pytest.raises(exception.InvalidMetadata) as info:
            plugin.validate_custom_meta(meta)

        assert text in info.value.client_message
        assert info.value.code == 400

    @pytest.mark.parametrize("meta,error", [
        ({"request_data": "not base64!"},
         exception.UnableToDecodeRequestData),
        ({"request_data": base64.b64encode(b"garbage").decode()},
         exception.InvalidPKCS10Data),
        ({"subject_dn": "no equals sign"}, exception.InvalidSubjectDN),
        ({"subject_dn": 42}, exception.InvalidSubjectDN),
    ])
    def test_validate_passes_on_pki_errors(self, plugin, meta, error):
        with pytest.raises(error):
            plugin.validate_custom_meta(meta)


class TestFollowUps:

    def test_check_status_repeats_issued_certificate(self, plugin):
        plugin_meta = {}
        issued = issue(plugin, make_csr(
            ec.generate_private_key(ec.SECP256R1())),
            plugin_meta=plugin_meta)

        result = plugin.check_certificate_status(
            "order-1", {}, plugin_meta, custom_dto())

        assert result.status == STATUS.CERTIFICATE_GENERATED
        assert result.certificate == issued.certificate
        assert result.intermediates == issued.intermediates

    def test_check_status_answers_invalid_operation_without_request(
            self, plugin):
        result = plugin.check_certificate_status("order-1", {}, {},
                                                 custom_dto())

        assert result.status == STATUS.INVALID_OPERATION
        assert "at once" in result.status_message

    def test_check_status_without_intermediates(self, plugin):
        result = plugin.check_certificate_status(
            "order-1", {}, {"certificate": "PEM"}, custom_dto())

        assert result.certificate == b"PEM"
        assert result.intermediates is None

    @pytest.mark.parametrize("method,word", [
        ("modify_certificate_request", "modify"),
        ("cancel_certificate_request", "cancel"),
    ])
    def test_follow_up_answers_invalid_operation(self, plugin, method,
                                                 word):
        result = getattr(plugin, method)("order-1", {}, {}, custom_dto())

        assert result.status == STATUS.INVALID_OPERATION
        assert word in result.status_message


class TestProfiles:

    def test_get_profiles_lists_three_profiles(self, plugin):
        profiles = plugin.get_profiles("root")

        assert [p["name"] for p in profiles] == [
            "client", "server", "server-client"]
        for profile in profiles:
            assert set(profile) == {"name", "description", "request_types",
                                    "parameters"}
            assert profile["request_types"] == [
                "simple-cmc", "full-cmc", "stored-key", "custom"]

    def test_get_profiles_schema_describes_custom_parameters(self, plugin):
        [profile] = [p for p in plugin.get_profiles("root")
                     if p["name"] == "server"]
        schema = profile["parameters"]

        assert schema["type"] == "object"
        assert set(schema["properties"]) == {
            "profile", "request_data", "subject_dn", "dns_names",
            "ip_addresses", "key_algorithm", "key_size"}
        assert schema["properties"]["profile"]["const"] == "server"
        assert len(schema["oneOf"]) == 2
        assert json.loads(json.dumps(schema)) == schema

    def test_get_profiles_raises_for_unknown_ca(self, plugin):
        with pytest.raises(exception.NotFound):
            plugin.get_profiles(str(uuid.uuid4()))

    def test_get_profiles_raises_for_malformed_ca_id(self, plugin):
        with pytest.raises(exception.NotFound):
            plugin.get_profiles("../root")


@pytest.fixture
def sub_ca(plugin):
    return plugin.create_ca(cm.CACreateDTO(
        name="Team CA", subject_dn="CN=Team CA,O=Example",
        description="CA of the team"))


class TestSubordinateCA:

    def test_supports_create_ca(self, plugin):
        assert plugin.supports_create_ca() is True

    def test_create_ca_signs_with_root_path_length_zero(
            self, plugin, sub_ca, state_path, tmp_path):
        root = root_cert(plugin)
        cert = x509.load_pem_x509_certificate(
            sub_ca["ca_signing_certificate"].encode("ascii"))

        assert str(uuid.UUID(sub_ca["plugin_ca_id"])) == (
            sub_ca["plugin_ca_id"])
        assert sub_ca["name"] == "Team CA"
        assert sub_ca["description"] == "CA of the team"
        assert cert.subject.rfc4514_string() == "CN=Team CA,O=Example"
        assert cert.issuer == root.subject
        constraints = ext(cert, x509.BasicConstraints)
        assert constraints.critical
        assert constraints.value.ca and constraints.value.path_length == 0
        assert ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier == (
            ext(root, x509.SubjectKeyIdentifier).value.digest)
        assert chain_of(sub_ca["intermediates"].encode("ascii")) == {
            cert, root}
        key_file = (state_path / "local_ca" / "subcas"
                    / sub_ca["plugin_ca_id"] / "ca_key.pem")
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert openssl_verify(tmp_path, cert, root)[0]

    def test_create_ca_clamps_validity_to_root(self, plugin, local_ca_conf):
        local_ca_conf(ca_validity_days=20, subca_validity_days=400)

        info = plugin.create_ca(cm.CACreateDTO("s", "CN=s"))

        cert = x509.load_pem_x509_certificate(
            info["ca_signing_certificate"].encode("ascii"))
        assert cert.not_valid_after_utc == (
            root_cert(plugin).not_valid_after_utc)

    def test_issue_from_sub_ca_chains_to_root(self, plugin, sub_ca,
                                              tmp_path):
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()),
                       dns_names=["svc.example.com"])
        plugin_meta = {}

        result = issue(plugin, csr, plugin_meta=plugin_meta,
                       plugin_ca_id=sub_ca["plugin_ca_id"])

        cert = load_cert(result)
        root = root_cert(plugin)
        [sub_cert] = chain_of(result.intermediates) - {root}
        assert sub_cert.subject.rfc4514_string() == "CN=Team CA,O=Example"
        assert cert.issuer == sub_cert.subject
        assert ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier == (
            ext(sub_cert, x509.SubjectKeyIdentifier).value.digest)
        assert plugin_meta["plugin_ca_id"] == sub_ca["plugin_ca_id"]
        ok, output = openssl_verify(tmp_path, cert, root,
                                    untrusted=[sub_cert],
                                    purpose="sslserver")
        assert ok, output
        assert not openssl_verify(tmp_path, cert, root)[0]

    def test_issue_from_sub_ca_clamps_validity(self, plugin, local_ca_conf):
        local_ca_conf(subca_validity_days=10)
        info = plugin.create_ca(cm.CACreateDTO("s", "CN=s"))
        sub_cert = x509.load_pem_x509_certificate(
            info["ca_signing_certificate"].encode("ascii"))

        cert = load_cert(issue(
            plugin, make_csr(ec.generate_private_key(ec.SECP256R1())),
            plugin_ca_id=info["plugin_ca_id"]))

        assert cert.not_valid_after_utc == sub_cert.not_valid_after_utc

    def test_custom_issue_from_sub_ca(self, plugin, sub_ca):
        dto = custom_dto(plugin_ca_id=sub_ca["plugin_ca_id"])

        cert = load_cert(plugin.issue_certificate_request(
            "order-1", {"subject_dn": "CN=k"}, {}, dto))

        assert cert.issuer.rfc4514_string() == "CN=Team CA,O=Example"

    def test_sub_ca_visible_to_next_instance(self, plugin, sub_ca):
        other = local_ca.LocalCAPlugin()

        result = issue(other, make_csr(
            ec.generate_private_key(ec.SECP256R1())),
            plugin_ca_id=sub_ca["plugin_ca_id"])

        assert load_cert(result).issuer.rfc4514_string() == (
            "CN=Team CA,O=Example")

    def test_get_ca_info_lists_only_root(self, plugin, sub_ca):
        assert list(plugin.get_ca_info()) == ["root"]

    def test_get_profiles_serves_sub_ca(self, plugin, sub_ca):
        assert len(plugin.get_profiles(sub_ca["plugin_ca_id"])) == 3

    def test_create_ca_refuses_sub_ca_parent(self, plugin, sub_ca):
        dto = cm.CACreateDTO("nested", "CN=nested",
                             parent_ca_id=sub_ca["plugin_ca_id"])

        with pytest.raises(exception.InvalidReference):
            plugin.create_ca(dto)

    def test_create_ca_accepts_root_parent(self, plugin):
        info = plugin.create_ca(cm.CACreateDTO("s", "CN=s",
                                               parent_ca_id="root"))

        assert info["plugin_ca_id"] != "root"

    def test_create_ca_refuses_bad_subject(self, plugin):
        with pytest.raises(exception.InvalidSubjectDN):
            plugin.create_ca(cm.CACreateDTO("s", "nonsense"))

    def test_delete_ca_removes_key_and_stops_issuance(
            self, plugin, sub_ca, state_path):
        ca_id = sub_ca["plugin_ca_id"]
        other = local_ca.LocalCAPlugin()
        csr = make_csr(ec.generate_private_key(ec.SECP256R1()))
        load_cert(issue(other, csr, plugin_ca_id=ca_id))

        plugin.delete_ca(ca_id)

        assert os.listdir(state_path / "local_ca" / "subcas") == []
        result = issue(other, csr, plugin_ca_id=ca_id)
        assert result.status == STATUS.INVALID_OPERATION
        with pytest.raises(exception.NotFound):
            other.get_profiles(ca_id)

    def test_delete_ca_twice_warns(self, plugin, sub_ca, caplog):
        plugin.delete_ca(sub_ca["plugin_ca_id"])
        caplog.set_level(logging.WARNING, logger=local_ca.__name__)

        plugin.delete_ca(sub_ca["plugin_ca_id"])

        assert "already gone" in caplog.text

    def test_delete_ca_refuses_root(self, plugin):
        with pytest.raises(exception.NotAuthorized):
            plugin.delete_ca("root")

    @pytest.mark.parametrize("ca_id", [
        "../root", "", "A0000000-0000-0000-0000-000000000000"])
    def test_delete_ca_refuses_foreign_id(self, plugin, ca_id):
        with pytest.raises(cm.CertificateGeneralException):
            plugin.delete_ca(ca_id)
