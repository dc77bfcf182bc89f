"""Tests of barbican_certs.pki.csr: request data, PKCS#10, DNs, extensions."""

import base64
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.x509.oid import ExtensionOID
from cryptography.x509.oid import NameOID
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import univ
from pyasn1_modules import rfc2986
from pyasn1_modules import rfc5280
import pytest

from barbican_certs.common import exception
from barbican_certs.pki import csr


def _pem(der: bytes, label: str = "CERTIFICATE REQUEST") -> str:
    body = base64.encodebytes(der).decode("ascii")
    return "-----BEGIN %s-----\n%s-----END %s-----\n" % (label, body, label)


def _reason(error: pytest.ExceptionInfo) -> str:
    return error.value.kwargs["reason"]


def _with_csr_part(der: bytes, change) -> bytes:
    """Re-encode a CSR after change() edited its pyasn1 structure."""
    request = der_decoder.decode(
        der, asn1Spec=rfc2986.CertificationRequest())[0]
    change(request)
    return der_encoder.encode(request)


def _extensions_b64(*extensions: x509.Extension) -> str:
    sequence = rfc5280.Extensions()
    for extension in extensions:
        item = rfc5280.Extension()
        item["extnID"] = univ.ObjectIdentifier(extension.oid.dotted_string)
        item["critical"] = extension.critical
        item["extnValue"] = extension.value.public_bytes()
        sequence.append(item)
    return base64.b64encode(der_encoder.encode(sequence)).decode("ascii")


class TestCheckBERStructure:

    @pytest.mark.parametrize("data", [
        b"", b"\x05\x00", b"\x30\x03\x02\x01\x01",
        b"\x30\x80\x02\x01\x01\x00\x00",
        b"\x30\x80\x30\x80\x00\x00\x00\x00",
        b"\x1f\x81\x01\x00",
        b"\x30\x81\x03\x02\x01\x01",
    ])
    def test_check_accepts_framing(self, data):
        csr.check_ber_structure(data)

    @pytest.mark.parametrize("data", [
        b"\x30", b"\x1f\x81", b"\x30\x05\x02\x01",
        b"\x04\x80\x00\x00", b"\x30\x89" + b"\x01" * 9,
        b"\x30\x88\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x30\x82\x01",
    ])
    def test_check_rejects_broken_framing(self, data):
        with pytest.raises(ValueError):
            csr.check_ber_structure(data)

    def test_check_rejects_deep_nesting(self):
        data = b"\x30\x80" * 5 + b"\x00\x00" * 5
        csr.check_ber_structure(data, max_depth=5)
        with pytest.raises(csr.BERNestingError):
            csr.check_ber_structure(data, max_depth=4)


class TestDecodeRequestData:

    def test_decode_pem_text(self, pki):
        der = pki.csr()
        assert csr.decode_request_data(_pem(der)) == der

    def test_decode_pem_bytes(self, pki):
        der = pki.csr()
        assert csr.decode_request_data(_pem(der).encode()) == der

    def test_decode_pem_with_any_label(self, pki):
        der = pki.csr()
        text = _pem(der, "NEW CERTIFICATE REQUEST")
        assert csr.decode_request_data(text) == der

    def test_decode_pem_with_explanatory_text(self, pki):
        der = pki.csr()
        text = "Certificate Request:\n  Subject: CN=x\n" + _pem(der) + "\n"
        assert csr.decode_request_data(text) == der

    def test_decode_base64_of_pem(self, pki):
        der = pki.csr()
        encoded = base64.b64encode(_pem(der).encode()).decode()
        assert csr.decode_request_data(encoded) == der

    def test_decode_base64_of_der(self, pki):
        der = pki.csr()
        assert csr.decode_request_data(base64.b64encode(der)) == der

    def test_decode_base64_with_line_breaks(self, pki):
        der = pki.csr()
        text = base64.encodebytes(der).decode().replace("\n", "\r\n  ")
        assert csr.decode_request_data(text) == der

    @pytest.mark.parametrize("data", [
        "", "   \n", "not base64!", "QUJD=x", "====", b"\x30\x03\x02\x01",
        "\udcff", None, 42, ["x"],
    ])
    def test_decode_rejects_undecodable(self, data):
        with pytest.raises(exception.UnableToDecodeRequestData) as error:
            csr.decode_request_data(data)
        assert error.value.client_message == "Unable to decode request data."

    def test_decode_rejects_two_pem_blocks(self, pki):
        der = pki.csr()
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.decode_request_data(_pem(der) + _pem(der))

    def test_decode_rejects_unterminated_pem(self, pki):
        text = _pem(pki.csr()).replace("-----END", "-----FIN")
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.decode_request_data(text)

    def test_decode_rejects_mismatched_labels(self, pki):
        text = _pem(pki.csr()).replace("END CERTIFICATE REQUEST",
                                        "END CERTIFICATE")
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.decode_request_data(text)

    def test_decode_rejects_pem_headers(self, pki):
        text = _pem(pki.csr()).replace(
            "REQUEST-----\n", "REQUEST-----\nProc-Type: 4,ENCRYPTED\n\n", 1)
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.decode_request_data(text)

    def test_decode_rejects_pem_with_bad_body(self):
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.decode_request_data(
                "-----BEGIN X-----\n%%%%\n-----END X-----\n")

    def test_decode_rejects_empty_pem(self):
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.decode_request_data("-----BEGIN X-----\n-----END X-----\n")


class TestLoadPKCS10:

    @pytest.mark.parametrize("key_name", ["rsa_key", "ec_key", "ed25519_key"])
    def test_load_accepts_strong_keys(self, pki, key_name):
        key = getattr(pki, key_name)
        request = csr.load_pkcs10(_pem(pki.csr(key)))
        assert request.public_key() == key.public_key()

    @pytest.mark.parametrize("curve", [ec.SECP384R1(), ec.SECP521R1()])
    def test_load_accepts_other_nist_curves(self, pki, curve):
        key = ec.generate_private_key(curve)
        assert csr.load_pkcs10(_pem(pki.csr(key))).is_signature_valid

    def test_load_accepts_rsa_pss_signature(self, pki):
        request = (x509.CertificateSigningRequestBuilder()
                   .subject_name(pki.name("pss.example"))
                   .sign(pki.rsa_key, hashes.SHA256(),
                         rsa_padding=padding.PSS(
                             mgf=padding.MGF1(hashes.SHA256()),
                             salt_length=32)))
        der = request.public_bytes(serialization.Encoding.DER)
        assert csr.load_pkcs10(base64.b64encode(der)).subject == (
            pki.name("pss.example"))

    def test_load_accepts_base64_of_pem(self, pki):
        encoded = base64.b64encode(_pem(pki.csr()).encode())
        assert csr.load_pkcs10(encoded).subject == pki.name("client.example")

    def test_load_rejects_undecodable(self):
        with pytest.raises(exception.UnableToDecodeRequestData):
            csr.load_pkcs10("***")

    @pytest.mark.parametrize("garbage", [b"garbage!", b"\x30\x00", b"\x00"])
    def test_load_rejects_base64_of_garbage(self, garbage):
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.load_pkcs10(base64.b64encode(garbage))
        assert error.value.client_message == (
            "Invalid PKCS10 Data: Bad format")

    def test_load_rejects_trailing_data(self, pki):
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.load_pkcs10(base64.b64encode(pki.csr() + b"\x00"))
        assert _reason(error) == "Bad format"

    def test_load_rejects_bad_signature(self, pki):
        der = bytearray(pki.csr(pki.rsa_key))
        der[-1] ^= 0x01
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.load_pkcs10(base64.b64encode(bytes(der)))
        assert error.value.client_message == (
            "Invalid PKCS10 Data: Signing key incorrect")

    def test_load_rejects_request_signed_by_other_key(self, pki):
        other = ec.generate_private_key(ec.SECP256R1())

        def swap_key(request):
            spki = der_decoder.decode(
                other.public_key().public_bytes(
                    serialization.Encoding.DER,
                    serialization.PublicFormat.SubjectPublicKeyInfo),
                asn1Spec=rfc5280.SubjectPublicKeyInfo())[0]
            request["certificationRequestInfo"]["subjectPKInfo"] = spki

        der = _with_csr_part(pki.csr(), swap_key)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_pkcs10(der)
        assert _reason(error) == "Signing key incorrect"

    def test_load_rejects_sha1_signature(self, pki):
        der = pki.openssl_csr(pki.rsa_key, "-sha1")
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.load_pkcs10(base64.b64encode(der))
        assert _reason(error) == (
            "SHA-1 signatures are not accepted; sign the request with "
            "SHA-256 or stronger")

    def test_load_rejects_weak_rsa_key(self, pki):
        key = rsa.generate_private_key(65537, 1024)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.load_pkcs10(_pem(pki.csr(key)))
        assert error.value.client_message == (
            "Invalid PKCS10 Data: RSA key of 1024 bits is too weak; at "
            "least 2048 required")

    def test_load_rejects_other_curve(self, pki):
        key = ec.generate_private_key(ec.SECP256K1())
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.load_pkcs10(_pem(pki.csr(key)))
        assert _reason(error) == (
            "EC curve secp256k1 is not accepted; use P-256, P-384 or P-521")

    def test_load_rejects_ed448_key(self, pki):
        key = ed448.Ed448PrivateKey.generate()
        request = (x509.CertificateSigningRequestBuilder()
                   .subject_name(pki.name("x")).sign(key, None))
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_pkcs10(request.public_bytes(serialization.Encoding.DER))
        assert _reason(error) == (
            "Ed448 keys are not accepted; use RSA, EC or Ed25519")

    def test_load_rejects_dsa_key(self, pki):
        key = dsa.generate_private_key(1024)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_pkcs10(pki.csr(key))
        assert _reason(error) == (
            "DSA keys are not accepted; use RSA, EC or Ed25519")

    def test_load_rejects_unknown_key_algorithm(self, pki):
        def change_key_oid(request):
            spki = request["certificationRequestInfo"]["subjectPKInfo"]
            spki["algorithm"]["algorithm"] = univ.ObjectIdentifier("1.2.3.4")

        der = _with_csr_part(pki.csr(), change_key_oid)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_pkcs10(der)
        assert _reason(error) == "Unsupported public key algorithm"

    def test_load_rejects_unknown_signature_algorithm(self, pki):
        def change_signature_oid(request):
            request["signatureAlgorithm"]["algorithm"] = (
                univ.ObjectIdentifier("1.2.3.4"))

        der = _with_csr_part(pki.csr(), change_signature_oid)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_pkcs10(der)
        assert _reason(error) == "Unsupported signature algorithm"

    def test_load_rejects_malformed_extension_request(self, pki):
        broken = x509.UnrecognizedExtension(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x04\x01x")
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_pkcs10(pki.csr(extensions=[broken]))
        assert _reason(error) == "Malformed extension request"


class TestCheckPublicKey:

    def test_check_accepts_rsa_at_limits(self):
        for bits in (csr.MIN_RSA_BITS, csr.MAX_RSA_BITS):
            numbers = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) + 1)
            csr.check_public_key(numbers.public_key())

    def test_check_rejects_huge_rsa_key(self):
        numbers = rsa.RSAPublicNumbers(65537, (1 << 16400) + 1)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_public_key(numbers.public_key())
        assert _reason(error) == (
            "RSA key of 16401 bits is too large; at most 16384 accepted")

    def test_check_rejects_key_agreement_key(self):
        key = x25519.X25519PrivateKey.generate().public_key()
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.check_public_key(key)
        assert _reason(error) == (
            "X25519 keys are not accepted; use RSA, EC or Ed25519")


class TestBuildPKCS10:

    @pytest.mark.parametrize("key_name", ["rsa_key", "ec_key", "ed25519_key"])
    def test_build_signs_with_key(self, pki, key_name):
        key = getattr(pki, key_name)
        subject = csr.parse_subject_dn("CN=stored.example,O=Example,C=US")
        der = csr.build_pkcs10(key, subject)
        request = csr.check_pkcs10(der)
        assert request.subject == subject
        assert request.public_key() == key.public_key()
        assert len(request.extensions) == 0

    def test_build_uses_sha256(self, pki):
        request = csr.check_pkcs10(
            csr.build_pkcs10(pki.ec_key, pki.name("x")))
        assert isinstance(request.signature_hash_algorithm, hashes.SHA256)

    def test_build_uses_pure_ed25519(self, pki):
        request = csr.check_pkcs10(
            csr.build_pkcs10(pki.ed25519_key, pki.name("x")))
        assert request.signature_hash_algorithm is None

    def test_build_adds_extension_request(self, pki):
        extensions = x509.Extensions([
            x509.Extension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, False,
                           x509.SubjectAlternativeName(
                               [x509.DNSName("a.example")])),
            x509.Extension(x509.ObjectIdentifier("1.2.3.4"), True,
                           x509.UnrecognizedExtension(
                               x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00")),
        ])
        der = csr.build_pkcs10(pki.ec_key, pki.name("x"), extensions)
        assert list(csr.check_pkcs10(der).extensions) == list(extensions)

    def test_build_rejects_weak_key(self, pki):
        key = rsa.generate_private_key(65537, 1024)
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            csr.build_pkcs10(key, pki.name("x"))
        assert "too weak" in _reason(error)

    def test_build_rejects_dsa_key(self, pki):
        with pytest.raises(exception.InvalidPKCS10Data):
            csr.build_pkcs10(dsa.generate_private_key(1024), pki.name("x"))

    def test_build_rejects_non_key(self, pki):
        with pytest.raises(TypeError):
            csr.build_pkcs10(b"not a key", pki.name("x"))


class TestKeyIdentifier:

    @pytest.mark.parametrize("key_name", ["rsa_key", "ec_key", "ed25519_key"])
    def test_key_identifier_is_sha1_of_key_bits(self, pki, key_name):
        public_key = getattr(pki, key_name).public_key()
        spki = der_decoder.decode(
            public_key.public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo),
            asn1Spec=rfc5280.SubjectPublicKeyInfo())[0]
        bits = spki["subjectPublicKey"].asOctets()
        expected = hashlib.sha1(bits, usedforsecurity=False).digest()
        assert csr.key_identifier(public_key) == expected


class TestFingerprint:

    def test_fingerprint_is_sha256_hex(self):
        assert csr.fingerprint(b"abc") == hashlib.sha256(b"abc").hexdigest()
        assert len(csr.fingerprint(b"")) == 64


class TestParseSubjectDN:

    def test_parse_reverses_rdn_order(self):
        name = csr.parse_subject_dn("CN=example.com,O=Example,C=US")
        assert list(name) == [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
            x509.NameAttribute(NameOID.COMMON_NAME, "example.com"),
        ]

    def test_parse_multi_valued_rdn(self):
        name = csr.parse_subject_dn("CN=a+UID=jdoe,DC=example,DC=com")
        assert len(name.rdns) == 3
        assert name.rdns[-1] == x509.RelativeDistinguishedName([
            x509.NameAttribute(NameOID.COMMON_NAME, "a"),
            x509.NameAttribute(NameOID.USER_ID, "jdoe"),
        ])

    @pytest.mark.parametrize("text, value", [
        (r"CN=a\,b", "a,b"),
        (r"CN=a\+b", "a+b"),
        (r"CN=a\\b", "a\\b"),
        (r"CN=a\"b", 'a"b'),
        (r"CN=\#a", "#a"),
        (r"CN=a\;b\<c\>d\=e", "a;b<c>d=e"),
        (r"CN=\ a\ ", " a "),
        (r"CN=caf\C3\A9", "café"),
        (r"CN=nul\00", "nul\x00"),
        ("CN=a=b", "a=b"),
        ("CN=a#b", "a#b"),
        ("CN=  spaced out  ", "spaced out"),
        ("CN=#0c03616263", "abc"),
        ("CN=#130161 ", "a"),
        ("CN=é", "é"),
    ])
    def test_parse_value_forms(self, text, value):
        name = csr.parse_subject_dn(text)
        assert name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
            value)

    @pytest.mark.parametrize("attribute, oid, value", [
        ("CN", NameOID.COMMON_NAME, "x"),
        ("cn", NameOID.COMMON_NAME, "x"),
        ("C", NameOID.COUNTRY_NAME, "DE"),
        ("L", NameOID.LOCALITY_NAME, "x"),
        ("ST", NameOID.STATE_OR_PROVINCE_NAME, "x"),
        ("O", NameOID.ORGANIZATION_NAME, "x"),
        ("OU", NameOID.ORGANIZATIONAL_UNIT_NAME, "x"),
        ("DC", NameOID.DOMAIN_COMPONENT, "x"),
        ("UID", NameOID.USER_ID, "x"),
        ("STREET", NameOID.STREET_ADDRESS, "x"),
        ("emailAddress", NameOID.EMAIL_ADDRESS, "a@b.example"),
        ("EMAILADDRESS", NameOID.EMAIL_ADDRESS, "a@b.example"),
        ("serialNumber", NameOID.SERIAL_NUMBER, "1234"),
        ("SN", NameOID.SURNAME, "x"),
        ("givenName", NameOID.GIVEN_NAME, "x"),
        ("title", NameOID.TITLE, "x"),
        ("postalCode", NameOID.POSTAL_CODE, "x"),
        ("2.5.4.3", NameOID.COMMON_NAME, "x"),
        ("1.2.3.4", x509.ObjectIdentifier("1.2.3.4"), "x"),
    ])
    def test_parse_attribute_types(self, attribute, oid, value):
        name = csr.parse_subject_dn(" %s = %s " % (attribute, value))
        assert list(name) == [x509.NameAttribute(oid, value)]

    @pytest.mark.parametrize("name", [
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plain")]),
        x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'A, "B" + <C>;'),
            x509.NameAttribute(NameOID.COMMON_NAME, " #lead and trail "),
        ]),
        x509.Name([x509.RelativeDistinguishedName([
            x509.NameAttribute(NameOID.COMMON_NAME, "x\\y"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a@b.example"),
        ])]),
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nul\x00=ü")]),
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, " ")]),
    ])
    def test_parse_round_trips_rfc4514_string(self, name):
        assert csr.parse_subject_dn(name.rfc4514_string()) == name

    @pytest.mark.parametrize("text", [
        "", "   ", "CN", "X=1", "CN=a,,O=b", "CN=a;b", "CN=a<b", "CN=a\\",
        "CN=a\\zz", "CN=a\\4", "CN=#zz", "CN=#", "CN=#0401ff",
        "CN=#0c0161ff", "CN=#0c01610500", "CN=#0c05", "CN=#0c0", "C=USA",
        "CN=a+CN=a", "CN=\\C3",
        "CN=", "=x", "1..2=x", "1=x", "C N=x", "CN=a,",
        "CN=#0c88ffffffffffffffff", "CN=#" + "3080" * 40 + "0000" * 40,
    ])
    def test_parse_rejects_bad_dn(self, text):
        with pytest.raises(exception.InvalidSubjectDN) as error:
            csr.parse_subject_dn(text)
        assert error.value.client_message == "Invalid subject DN: %s" % text

    @pytest.mark.parametrize("value", [None, 42, b"CN=x"])
    def test_parse_rejects_non_text(self, value):
        with pytest.raises(exception.InvalidSubjectDN):
            csr.parse_subject_dn(value)


class TestParseExtensions:

    def test_parse_known_and_unknown_extensions(self):
        san = x509.Extension(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME, False,
            x509.SubjectAlternativeName([x509.DNSName("a.example")]))
        constraints = x509.Extension(
            ExtensionOID.BASIC_CONSTRAINTS, True,
            x509.BasicConstraints(ca=False, path_length=None))
        unknown_oid = x509.ObjectIdentifier("1.2.3.4.5")
        unknown = x509.Extension(
            unknown_oid, False,
            x509.UnrecognizedExtension(unknown_oid, b"\x04\x02hi"))

        parsed = csr.parse_extensions(
            _extensions_b64(san, constraints, unknown))
        assert list(parsed) == [san, constraints, unknown]
        assert isinstance(parsed[2].value, x509.UnrecognizedExtension)

    def test_parse_ignores_whitespace(self):
        usage = x509.Extension(
            ExtensionOID.EXTENDED_KEY_USAGE, False,
            x509.ExtendedKeyUsage(
                [x509.ObjectIdentifier("1.3.6.1.5.5.7.3.1")]))
        encoded = _extensions_b64(usage)
        spaced = "\n".join(encoded[i:i + 8] for i in range(0, len(encoded), 8))
        assert list(csr.parse_extensions(" " + spaced + "\n")) == [usage]

    @pytest.mark.parametrize("data", [
        "", "%%%", "é", base64.b64encode(b"garbage").decode(),
        base64.b64encode(b"\x30\x00").decode(),
        base64.b64encode(b"\x30\x03\x02\x01\x01").decode(),
        base64.b64encode(b"\x30\x0a\x30\x88" + b"\xff" * 8).decode(),
        None, b"MAA=",
    ])
    def test_parse_rejects_bad_data(self, data):
        with pytest.raises(exception.InvalidExtensionsData) as error:
            csr.parse_extensions(data)
        assert error.value.client_message == "Invalid extensions data."

    def test_parse_rejects_trailing_data(self):
        usage = x509.Extension(
            ExtensionOID.BASIC_CONSTRAINTS, False,
            x509.BasicConstraints(ca=False, path_length=None))
        der = base64.b64decode(_extensions_b64(usage)) + b"\x00\x00"
        with pytest.raises(exception.InvalidExtensionsData):
            csr.parse_extensions(base64.b64encode(der).decode())

    def test_parse_rejects_duplicate_extension(self):
        usage = x509.Extension(
            ExtensionOID.BASIC_CONSTRAINTS, False,
            x509.BasicConstraints(ca=False, path_length=None))
        with pytest.raises(exception.InvalidExtensionsData):
            csr.parse_extensions(_extensions_b64(usage, usage))

    def test_parse_rejects_malformed_known_extension(self):
        broken = x509.Extension(
            ExtensionOID.KEY_USAGE, True,
            x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, b"\x05\x00"))
        with pytest.raises(exception.InvalidExtensionsData):
            csr.parse_extensions(_extensions_b64(broken))
