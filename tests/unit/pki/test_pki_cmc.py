"""Tests of barbican_certs.pki.cmc against messages made by openssl cms."""

import base64
import dataclasses
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import univ
from pyasn1_modules import rfc4055
from pyasn1_modules import rfc5280
from pyasn1_modules import rfc5652
from pyasn1_modules import rfc6402
import pytest

from barbican_certs.common import exception
from barbican_certs.pki import cmc
from barbican_certs.pki import csr as pki_csr
from barbican_certs.plugin.interface.certificate_manager import (
    CertificateStatus,
)

PKI_RESPONSE_OID = "1.3.6.1.5.5.7.12.3"
ID_DATA_OID = "1.2.840.113549.1.7.1"
CMC_RA_EKU = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.28")
ONE_DAY = datetime.timedelta(days=1)
ALL_FAIL_INFOS = [name for name, _ in rfc6402.CMCFailInfo.namedValues.items()]
CLIENT_FAIL_INFOS = [name for name in ALL_FAIL_INFOS
                     if name not in ("internalCAError", "tryLater")]


def _reason(error: pytest.ExceptionInfo) -> str:
    return error.value.kwargs["reason"]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _oid(dotted: str) -> bytes:
    return der_encoder.encode(univ.ObjectIdentifier(dotted))


def _integer(value: int) -> bytes:
    return der_encoder.encode(univ.Integer(value))


def _signer_info(signed_data):
    return signed_data["signerInfos"][0]


def _set_signature_algorithm(oid: str, parameters: bytes | None = None):
    def change(signed_data):
        algorithm = _signer_info(signed_data)["signatureAlgorithm"]
        algorithm["algorithm"] = univ.ObjectIdentifier(oid)
        if parameters is not None:
            algorithm["parameters"] = parameters
    return change


@pytest.fixture(scope="module")
def ca(pki):
    key = ec.generate_private_key(ec.SECP256R1())
    return pki.certificate(key, "Test Issuing CA", ca=True), key


@pytest.fixture(scope="module")
def leaf(pki, ca):
    certificate, key = ca
    return pki.certificate(pki.ec_key, "client.example",
                           issuer=(certificate, key))


def _pss_request(pki):
    """A self-signed request with an RSASSA-PSS signature by openssl."""
    key = pki.rsa_key
    content = pki.pki_data([pki.csr(key)])
    throwaway = pki.certificate(key, "throwaway")
    return pki.openssl_sign(content, throwaway, key, nocerts=True,
                            options=["-keyopt", "rsa_padding_mode:pss",
                                     "-keyopt", "rsa_pss_saltlen:32"])


def _response_controls(der: bytes) -> dict:
    """The controls of a Full PKI Response, by type, as value DER."""
    content_info = der_decoder.decode(der, asn1Spec=rfc5652.ContentInfo())[0]
    signed_data = der_decoder.decode(content_info["content"],
                                     asn1Spec=rfc5652.SignedData())[0]
    response = der_decoder.decode(
        signed_data["encapContentInfo"]["eContent"],
        asn1Spec=rfc6402.PKIResponse())[0]
    return {c["attrType"]: bytes(c["attrValues"][0])
            for c in response["controlSequence"]}


def _without(*fields):
    """A rewrite() change that drops optional SignedData fields."""
    def change(signed_data):
        stripped = rfc5652.SignedData()
        for name, value in signed_data.items():
            if name not in fields and value.isValue:
                stripped[name] = value
        return stripped
    return change


def _pss_parameters(hash_oid=None, mgf_oid=str(rfc4055.id_mgf1),
                    mgf_hash_oid="2.16.840.1.101.3.4.2.1",
                    trailer=1) -> bytes:
    params = rfc4055.RSASSA_PSS_params()
    if hash_oid:
        params["hashAlgorithm"]["algorithm"] = univ.ObjectIdentifier(
            hash_oid)
    if mgf_oid:
        mask = params["maskGenAlgorithm"]
        mask["algorithm"] = univ.ObjectIdentifier(mgf_oid)
        if mgf_hash_oid:
            inner = rfc5280.AlgorithmIdentifier()
            inner["algorithm"] = univ.ObjectIdentifier(mgf_hash_oid)
            mask["parameters"] = der_encoder.encode(inner)
    params["saltLength"] = 32
    params["trailerField"] = trailer
    return der_encoder.encode(params)


def _unknown_key_der(certificate: x509.Certificate) -> bytes:
    """The certificate with its key algorithm changed to an unknown OID."""
    value = der_decoder.decode(
        certificate.public_bytes(serialization.Encoding.DER),
        asn1Spec=rfc5280.Certificate())[0]
    spki = value["tbsCertificate"]["subjectPublicKeyInfo"]
    spki["algorithm"]["algorithm"] = univ.ObjectIdentifier("1.2.3.4")
    return der_encoder.encode(value)


def _with_unknown_key(certificate: x509.Certificate):
    """A rewrite() change giving one bag certificate an unknown key."""
    original = certificate.public_bytes(serialization.Encoding.DER)

    def change(signed_data):
        for choice in signed_data["certificates"]:
            if der_encoder.encode(choice["certificate"]) == original:
                choice["certificate"] = der_decoder.decode(
                    _unknown_key_der(certificate),
                    asn1Spec=rfc5280.Certificate())[0]
    return change


class TestParseFullPKIRequestSelfSigned:

    def test_parse_self_signed_ec_request(self, pki):
        request_der = pki.csr()
        der = pki.self_signed_request(csrs=[request_der], transaction_id=7,
                                      sender_nonce=b"client nonce")
        request = cmc.parse_full_pki_request(der)
        assert request.signer == "self"
        assert request.signer_certificate is None
        assert request.transaction_id == 7
        assert request.sender_nonce == b"client nonce"
        assert request.other_controls == ()
        assert [r.body_part_id for r in request.requests] == [1]
        assert request.requests[0].csr.public_key() == (
            pki.ec_key.public_key())
        assert request.requests[0].der == request_der

    def test_parse_self_signed_rsa_request(self, pki):
        der = pki.self_signed_request(key=pki.rsa_key,
                                      csrs=[pki.csr(pki.rsa_key)])
        assert cmc.parse_full_pki_request(der).signer == "self"

    def test_parse_self_signed_rsa_pss_request(self, pki):
        assert cmc.parse_full_pki_request(_pss_request(pki)).signer == "self"

    @pytest.mark.parametrize("digest", ["sha384", "sha512", "sha224"])
    def test_parse_other_digests(self, pki, digest):
        content = pki.pki_data([pki.csr()])
        throwaway = pki.certificate(pki.ec_key, "throwaway")
        der = pki.openssl_sign(content, throwaway, pki.ec_key,
                               options=["-md", digest])
        assert cmc.parse_full_pki_request(der).signer == "self"

    def test_parse_self_signed_ed25519_request(self, pki):
        key = pki.ed25519_key
        content = pki.pki_data([pki.csr(key)])
        der = pki.sign_ourselves(content, key,
                                 key_id=pki_csr.key_identifier(
                                     key.public_key()))
        assert cmc.parse_full_pki_request(der).signer == "self"

    def test_parse_ecdsa_signed_with_key_algorithm_oid(self, pki, rewrite):
        der = rewrite(pki.self_signed_request(),
                      _set_signature_algorithm("1.2.840.10045.2.1"))
        assert cmc.parse_full_pki_request(der).signer == "self"

    def test_parse_uses_subject_key_identifier_extension(self, pki):
        key_id = b"\x01" * 20
        request = pki.csr(extensions=[x509.SubjectKeyIdentifier(key_id)])
        content = pki.pki_data([request])
        throwaway = pki.certificate(pki.ec_key, "throwaway", ski=key_id)
        der = pki.openssl_sign(content, throwaway, pki.ec_key, nocerts=True)
        assert cmc.parse_full_pki_request(der).signer == "self"

    def test_parse_refuses_method1_id_when_extension_present(self, pki):
        request = pki.csr(extensions=[x509.SubjectKeyIdentifier(b"\x01")])
        der = pki.self_signed_request(csrs=[request])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "Signer not found"

    def test_parse_several_requests_signed_by_second(self, pki):
        other = ec.generate_private_key(ec.SECP384R1())
        csrs = [pki.csr(other, "first.example"), pki.csr()]
        der = pki.self_signed_request(csrs=csrs, body_part_ids=[5, 9])
        request = cmc.parse_full_pki_request(der)
        assert [r.body_part_id for r in request.requests] == [5, 9]
        assert request.requests[0].csr.public_key() == other.public_key()

    def test_parse_keeps_other_controls(self, pki):
        identification = der_encoder.encode(univ.OctetString(b"id"))
        der = pki.self_signed_request(
            controls=[(rfc6402.id_cmc_regInfo, identification)])
        request = cmc.parse_full_pki_request(der)
        assert request.other_controls == (
            (str(rfc6402.id_cmc_regInfo), b"\x31\x04" + identification),)


class TestParseFullPKIRequestRA:

    def test_parse_ra_signed_by_issuer_and_serial(self, pki):
        der = pki.ra_signed_request(transaction_id=1)
        request = cmc.parse_full_pki_request(der, [pki.anchor])
        assert request.signer == "ra"
        assert request.signer_certificate == pki.ra_cert
        assert request.transaction_id == 1

    def test_parse_ra_signed_by_key_id(self, pki):
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, pki.ra_cert, pki.ra_key)
        request = cmc.parse_full_pki_request(der, [pki.anchor])
        assert request.signer_certificate == pki.ra_cert

    def test_parse_ra_without_key_id_extension(self, pki):
        key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(key, "RA without SKI", ski=False,
                                  issuer=(pki.anchor, pki.anchor_key))
        der = pki.sign_ourselves(
            pki.pki_data([pki.csr()]), key, certificate=ra_cert,
            certificates=[ra_cert],
            key_id=pki_csr.key_identifier(key.public_key()))
        request = cmc.parse_full_pki_request(der, [pki.anchor])
        assert request.signer_certificate == ra_cert

    def test_parse_ra_that_is_a_trust_anchor(self, pki):
        der = pki.ra_signed_request()
        request = cmc.parse_full_pki_request(der, [pki.ra_cert])
        assert request.signer == "ra"

    def test_parse_ra_through_intermediate(self, pki):
        sub_key = ec.generate_private_key(ec.SECP256R1())
        sub_ca = pki.certificate(sub_key, "Sub CA", ca=True,
                                 issuer=(pki.anchor, pki.anchor_key))
        ra_key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(
            ra_key, "Sub RA", issuer=(sub_ca, sub_key),
            eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE],
            key_usage=x509.KeyUsage(True, False, False, False, False, False,
                                    False, False, False))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, ra_key, keyid=False,
                               extra_certs=[sub_ca])
        assert cmc.parse_full_pki_request(der, [pki.anchor]).signer == "ra"

    def test_parse_refuses_untrusted_ra(self, pki):
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(pki.ra_signed_request())
        assert error.value.client_message == (
            "Invalid CMC Data: Signer is not a trusted registration "
            "authority")

    def test_parse_refuses_ra_under_impostor_anchor(self, pki):
        impostor_key = ec.generate_private_key(ec.SECP256R1())
        impostor = pki.certificate(impostor_key, "Test RA Anchor", ca=True)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(pki.ra_signed_request(), [impostor])
        assert _reason(error) == (
            "Signer is not a trusted registration authority")

    def test_parse_refuses_ra_issued_by_non_ca(self, pki):
        issuer_key = ec.generate_private_key(ec.SECP256R1())
        issuer = pki.certificate(issuer_key, "Not a CA")
        ra_key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(ra_key, "RA", issuer=(issuer, issuer_key))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, ra_key, keyid=False)
        with pytest.raises(exception.InvalidCMCData):
            cmc.parse_full_pki_request(der, [issuer])

    def test_parse_refuses_issuer_without_basic_constraints(self, pki):
        issuer_key = ec.generate_private_key(ec.SECP256R1())
        issuer = pki.certificate(issuer_key, "Old root", constraints=False)
        ra_key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(ra_key, "RA", issuer=(issuer, issuer_key))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, ra_key, keyid=False)
        with pytest.raises(exception.InvalidCMCData):
            cmc.parse_full_pki_request(der, [issuer])

    @pytest.mark.parametrize("anchor_args", [
        {"path_length": 0},
        {"key_usage": x509.KeyUsage(True, False, False, False, False, False,
                                    True, False, False)},
    ])
    def test_parse_refuses_anchor_that_may_not_issue(self, pki, anchor_args):
        anchor_key = ec.generate_private_key(ec.SECP256R1())
        anchor = pki.certificate(anchor_key, "Limited root", ca=True,
                                 **anchor_args)
        sub_key = ec.generate_private_key(ec.SECP256R1())
        sub_ca = pki.certificate(sub_key, "Sub CA", ca=True,
                                 issuer=(anchor, anchor_key))
        ra_key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(ra_key, "RA", issuer=(sub_ca, sub_key))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, ra_key, keyid=False,
                               extra_certs=[sub_ca])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [anchor])
        assert _reason(error) == (
            "Signer is not a trusted registration authority")

    def test_parse_accepts_path_length_that_fits(self, pki):
        anchor_key = ec.generate_private_key(ec.SECP256R1())
        anchor = pki.certificate(
            anchor_key, "Root", ca=True, path_length=1,
            key_usage=x509.KeyUsage(False, False, False, False, False, True,
                                    True, False, False))
        sub_key = ec.generate_private_key(ec.SECP256R1())
        sub_ca = pki.certificate(sub_key, "Sub CA", ca=True, path_length=0,
                                 issuer=(anchor, anchor_key))
        ra_key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(ra_key, "RA", issuer=(sub_ca, sub_key))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, ra_key, keyid=False,
                               extra_certs=[sub_ca])
        assert cmc.parse_full_pki_request(der, [anchor]).signer == "ra"

    def test_parse_ignores_duplicate_certificates(self, pki, rewrite):
        def duplicate(signed_data):
            certificates = signed_data["certificates"]
            certificates.append(certificates[0])

        der = rewrite(pki.ra_signed_request(), duplicate)
        assert cmc.parse_full_pki_request(der, [pki.anchor]).signer == "ra"

    def test_parse_refuses_certificate_breaking_der_rules(self, pki, tlv):
        der = pki.ra_signed_request()
        rdn = pki.anchor.subject.public_bytes()[2:]
        common_name = _oid("2.5.4.3")
        filler = len(rdn) - 13
        replacement = b"\x31\x00" + tlv(0x31, tlv(
            0x30, common_name + tlv(0x0C, b"x" * filler)))
        assert len(replacement) == len(rdn)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der.replace(rdn, replacement),
                                       [pki.anchor])
        assert _reason(error) == "Malformed certificate"

    def test_parse_refuses_ra_with_unknown_key(self, pki, rewrite):
        der = rewrite(pki.ra_signed_request(), _with_unknown_key(pki.ra_cert))
        odd = x509.load_der_x509_certificate(_unknown_key_der(pki.ra_cert))
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [odd])
        assert _reason(error) == "Unsupported signer key"

    def test_parse_refuses_too_long_chain(self, pki):
        issuer, issuer_key = pki.anchor, pki.anchor_key
        chain = []
        for index in range(cmc.MAX_CHAIN_LENGTH + 1):
            key = ec.generate_private_key(ec.SECP256R1())
            issuer = pki.certificate(key, "CA %d" % index, ca=True,
                                     issuer=(issuer, issuer_key))
            issuer_key = key
            chain.append(issuer)
        ra_key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(ra_key, "Deep RA",
                                  issuer=(issuer, issuer_key))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, ra_key, keyid=False,
                               extra_certs=chain)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == (
            "Signer is not a trusted registration authority")

    def test_parse_refuses_expired_ra(self, pki):
        key = ec.generate_private_key(ec.SECP256R1())
        expired = pki.certificate(
            key, "Expired RA", issuer=(pki.anchor, pki.anchor_key),
            not_before=_now() - 3 * ONE_DAY, not_after=_now() - ONE_DAY)
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, expired, key, keyid=False)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Signer certificate chain is not valid now"

    @pytest.mark.parametrize("eku, key_usage", [
        ([ExtendedKeyUsageOID.SERVER_AUTH], None),
        (None, x509.KeyUsage(False, False, True, False, False, False, False,
                             False, False)),
    ])
    def test_parse_refuses_ra_without_usage(self, pki, eku, key_usage):
        key = ec.generate_private_key(ec.SECP256R1())
        ra_cert = pki.certificate(key, "Web server", eku=eku,
                                  key_usage=key_usage,
                                  issuer=(pki.anchor, pki.anchor_key))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, ra_cert, key, keyid=False)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == (
            "Signer certificate may not sign CMC requests")

    def test_parse_refuses_missing_ra_certificate(self, pki):
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, pki.ra_cert, pki.ra_key,
                               keyid=False, nocerts=True)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Signer not found"

    def test_parse_refuses_malformed_certificate_in_bag(self, pki):
        broken = x509.UnrecognizedExtension(
            x509.oid.ExtensionOID.KEY_USAGE, b"\x05\x00")
        bad = (x509.CertificateBuilder()
               .subject_name(pki.name("bad")).issuer_name(pki.name("bad"))
               .public_key(pki.ec_key.public_key()).serial_number(1)
               .not_valid_before(_now()).not_valid_after(_now() + ONE_DAY)
               .add_extension(broken, critical=False)
               .sign(pki.ec_key, hashes.SHA256()))
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, pki.ra_cert, pki.ra_key,
                               keyid=False, extra_certs=[bad])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Malformed certificate"

    def test_parse_skips_odd_certificates_in_bag(self, pki, rewrite):
        def add_odd_certificates(signed_data):
            other = rfc5652.CertificateChoices()
            other["other"]["otherCertFormat"] = univ.ObjectIdentifier(
                "1.2.3.4")
            other["other"]["otherCert"] = der_encoder.encode(univ.Null(""))
            signed_data["certificates"].append(other)
            plain = pki.certificate(pki.ec_key, "odd", ski=False)
            odd = der_decoder.decode(
                plain.public_bytes(serialization.Encoding.DER),
                asn1Spec=rfc5280.Certificate())[0]
            spki = odd["tbsCertificate"]["subjectPublicKeyInfo"]
            spki["algorithm"]["algorithm"] = univ.ObjectIdentifier(
                "1.2.3.4")
            choice = rfc5652.CertificateChoices()
            choice["certificate"] = odd
            signed_data["certificates"].append(choice)

        content = pki.pki_data([pki.csr()])
        der = rewrite(pki.openssl_sign(content, pki.ra_cert, pki.ra_key),
                      add_odd_certificates)
        assert cmc.parse_full_pki_request(der, [pki.anchor]).signer == "ra"


class TestParseFullPKIRequestRejections:

    def test_parse_refuses_changed_content(self, pki):
        request = pki.csr()
        original = pki.pki_data([request], transaction_id=7)
        changed = pki.pki_data([request], transaction_id=8)
        der = pki.openssl_sign(original, pki.ra_cert, pki.ra_key)
        tampered = der.replace(original, changed)
        assert tampered != der
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(tampered, [pki.anchor])
        assert _reason(error) == "Message digest does not match"

    def test_parse_refuses_unknown_signer(self, pki):
        stranger = ec.generate_private_key(ec.SECP256R1())
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, pki.certificate(stranger, "x"),
                               stranger, nocerts=True)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "Signer not found"

    def test_parse_refuses_wrong_signer_key(self, pki):
        stranger = ec.generate_private_key(ec.SECP256R1())
        key_id = pki_csr.key_identifier(pki.ec_key.public_key())
        liar = pki.certificate(stranger, "liar", ski=key_id)
        der = pki.openssl_sign(pki.pki_data([pki.csr()]), liar, stranger,
                               nocerts=True)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "Signature does not verify"

    def test_parse_refuses_wrong_content_type(self, pki):
        content = pki.pki_data([pki.csr()])
        throwaway = pki.certificate(pki.ec_key, "throwaway")
        der = pki.openssl_sign(content, throwaway, pki.ec_key,
                               econtent_type=ID_DATA_OID)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "Content type is not id-cct-PKIData"

    def test_parse_refuses_content_type_attribute_mismatch(self, pki,
                                                           rewrite):
        content = pki.pki_data([pki.csr()])
        throwaway = pki.certificate(pki.ec_key, "throwaway")
        der = pki.openssl_sign(content, throwaway, pki.ec_key,
                               econtent_type=ID_DATA_OID)

        def claim_pki_data(signed_data):
            signed_data["encapContentInfo"]["eContentType"] = (
                rfc6402.id_cct_PKIData)

        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(rewrite(der, claim_pki_data))
        assert _reason(error) == "Content type attribute does not match"

    def test_parse_refuses_truncated_request(self, pki):
        der = pki.self_signed_request()
        for cut in (1, 10, len(der) // 2):
            with pytest.raises(exception.InvalidCMCData) as error:
                cmc.parse_full_pki_request(der[:-cut])
            assert _reason(error) == "Malformed CMC request"

    def test_parse_refuses_deep_indefinite_nesting(self):
        der = b"\x30\x80" * 100000 + b"\x00\x00" * 100000
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "CMC request nested too deeply"

    def test_parse_refuses_deep_definite_nesting(self, tlv):
        der = b"\x05\x00"
        for _ in range(cmc.MAX_NESTING_DEPTH + 1):
            der = tlv(0x30, der)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "CMC request nested too deeply"

    def test_parse_refuses_deep_nesting_inside_content(self, pki, tlv):
        nested = b"\x05\x00"
        for _ in range(cmc.MAX_NESTING_DEPTH + 1):
            nested = tlv(0x30, nested)
        throwaway = pki.certificate(pki.ec_key, "throwaway")
        der = pki.openssl_sign(nested, throwaway, pki.ec_key)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "PKIData nested too deeply"

    @pytest.mark.parametrize("der", [
        b"", b"garbage", b"\x30\x00", b"\x30\x84\xff\xff\xff\xff",
        b"\x30\x89\x01\x02\x03\x04\x05\x06\x07\x08\x09", b"\x1f\x81",
        b"\x30\x02\x04\x80",
    ])
    def test_parse_refuses_garbage(self, der):
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "Malformed CMC request"

    def test_parse_refuses_non_bytes(self, pki):
        with pytest.raises(exception.InvalidCMCData):
            cmc.parse_full_pki_request(pki.self_signed_request().hex())

    def test_parse_refuses_trailing_data(self, pki):
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(pki.self_signed_request()
                                       + b"\x05\x00")
        assert _reason(error) == "Malformed CMC request"

    def test_parse_refuses_other_cms_type(self, pki):
        der = pkcs7.serialize_certificates([pki.ra_cert],
                                           serialization.Encoding.DER)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "Content type is not id-cct-PKIData"

    def test_parse_refuses_enveloped_data(self, tlv):
        enveloped = _oid("1.2.840.113549.1.7.3")
        der = tlv(0x30, enveloped + tlv(0xA0, b"\x30\x00"))
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == "CMC request is not CMS SignedData"

    def test_parse_refuses_bad_pkcs10_inside(self, pki):
        request = bytearray(pki.csr())
        request[-1] ^= 0x01
        der = pki.ra_signed_request(csrs=[bytes(request)])
        with pytest.raises(exception.InvalidPKCS10Data) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Signing key incorrect"

    def test_parse_refuses_weak_pkcs10_inside(self, pki):
        key = ec.generate_private_key(ec.SECP256K1())
        der = pki.ra_signed_request(csrs=[pki.csr(key)])
        with pytest.raises(exception.InvalidPKCS10Data):
            cmc.parse_full_pki_request(der, [pki.anchor])

    def test_parse_refuses_crmf(self, pki, tlv):
        crm = tlv(0xA1, tlv(0x30, _integer(1) + b"\x30\x00"))
        der = pki.ra_signed_request(raw_requests=[crm])
        with pytest.raises(exception.CRMFNotSupported) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert error.value.client_message == (
            "Invalid CMC Data: CRMF requests are not supported")

    def test_parse_refuses_other_request_message(self, pki, tlv):
        orm = tlv(0xA2, _integer(2) + _oid("1.2.3.4") + b"\x05\x00")
        der = pki.ra_signed_request(raw_requests=[orm])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Other request messages are not supported"

    def test_parse_refuses_no_request(self, pki):
        content = pki.pki_data([])
        der = pki.openssl_sign(content, pki.ra_cert, pki.ra_key)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "No certification request"

    def test_parse_refuses_duplicate_body_part_ids(self, pki):
        der = pki.ra_signed_request(csrs=[pki.csr(), pki.csr()],
                                    body_part_ids=[3, 3])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Duplicate bodyPartID"

    @pytest.mark.parametrize("args, reason", [
        ({"cms_sequence": 1}, "Nested CMS content is not supported"),
        ({"other_msgs": 1}, "Other messages are not supported"),
    ])
    def test_parse_refuses_unsupported_parts(self, pki, args, reason):
        der = pki.ra_signed_request(**args)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == reason

    @pytest.mark.parametrize("control, reason", [
        (rfc6402.id_cmc_transactionId, "Duplicate transactionId"),
        (rfc6402.id_cmc_senderNonce, "Duplicate senderNonce"),
    ])
    def test_parse_refuses_duplicate_controls(self, pki, control, reason):
        value = (_integer(5) if control == rfc6402.id_cmc_transactionId
                 else der_encoder.encode(univ.OctetString(b"n")))
        der = pki.ra_signed_request(transaction_id=5, sender_nonce=b"n",
                                    controls=[(control, value)])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == reason

    def test_parse_refuses_control_with_two_values(self, pki):
        content = pki.pki_data([pki.csr()], transaction_id=1)
        data = der_decoder.decode(content, asn1Spec=rfc6402.PKIData())[0]
        data["controlSequence"][0]["attrValues"].append(_integer(2))
        der = pki.openssl_sign(der_encoder.encode(data), pki.ra_cert,
                               pki.ra_key)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Malformed transactionId"

    def test_parse_accepts_indefinite_lengths(self, pki, tlv):
        der = pki.self_signed_request()
        header = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
        body = der[header:]
        oid_length = 2 + body[1]
        wrapped = body[oid_length:]
        wrapped_header = 2 + (wrapped[1] & 0x7F if wrapped[1] & 0x80 else 0)
        indefinite = (b"\x30\x80" + body[:oid_length] + b"\xa0\x80"
                      + wrapped[wrapped_header:] + b"\x00\x00\x00\x00")
        assert cmc.parse_full_pki_request(indefinite).signer == "self"

    def test_parse_refuses_malformed_control(self, pki):
        der = pki.ra_signed_request(controls=[
            (rfc6402.id_cmc_transactionId, b"\x04\x01x")])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Malformed transactionId"

    def test_parse_refuses_detached_content(self, pki, rewrite):
        def detach(signed_data):
            encap = rfc5652.EncapsulatedContentInfo()
            encap["eContentType"] = (
                signed_data["encapContentInfo"]["eContentType"])
            signed_data["encapContentInfo"] = encap

        der = rewrite(pki.ra_signed_request(), detach)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == (
            "Detached CMC request content is not supported")

    def test_parse_refuses_two_signers(self, pki, rewrite):
        def add_signer(signed_data):
            signed_data["signerInfos"].append(_signer_info(signed_data))

        der = rewrite(pki.ra_signed_request(), add_signer)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Exactly one signer is required"

    def test_parse_refuses_missing_signed_attributes(self, pki, rewrite):
        def drop_attributes(signed_data):
            info = _signer_info(signed_data)
            stripped = rfc5652.SignerInfo()
            for field in ("version", "sid", "digestAlgorithm",
                          "signatureAlgorithm", "signature"):
                stripped[field] = info[field]
            signed_data["signerInfos"][0] = stripped

        der = rewrite(pki.ra_signed_request(), drop_attributes)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Signed attributes are missing"

    def test_parse_refuses_duplicate_message_digest(self, pki, rewrite):
        def duplicate_digest(signed_data):
            attributes = _signer_info(signed_data)["signedAttrs"]
            for attribute in list(attributes):
                if attribute["attrType"] == rfc5652.id_messageDigest:
                    copy = attribute.clone()
                    copy["attrType"] = attribute["attrType"]
                    copy["attrValues"].append(der_encoder.encode(
                        univ.OctetString(b"other")))
                    attributes.append(copy)

        der = rewrite(pki.ra_signed_request(), duplicate_digest)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Signed attributes are malformed"

    def test_parse_refuses_sha1_digest(self, pki):
        content = pki.pki_data([pki.csr()])
        der = pki.openssl_sign(content, pki.ra_cert, pki.ra_key,
                               options=["-md", "sha1"])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "SHA-1 digests are not accepted"

    def test_parse_refuses_unknown_digest(self, pki, rewrite):
        def use_md5(signed_data):
            _signer_info(signed_data)["digestAlgorithm"]["algorithm"] = (
                univ.ObjectIdentifier("1.2.840.113549.2.5"))

        der = rewrite(pki.ra_signed_request(), use_md5)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Unsupported digest algorithm"

    @pytest.mark.parametrize("oid, reason", [
        ("1.2.3.4", "Unsupported signature algorithm"),
        ("1.2.840.10045.4.3.3",
         "Signature and digest algorithms do not match"),
        ("1.2.840.113549.1.1.11",
         "Signature algorithm does not match the signer key"),
    ])
    def test_parse_refuses_bad_signature_algorithm(self, pki, rewrite, oid,
                                                   reason):
        der = rewrite(pki.ra_signed_request(), _set_signature_algorithm(oid))
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == reason

    def test_parse_refuses_corrupted_signature(self, pki, rewrite):
        def corrupt(signed_data):
            info = _signer_info(signed_data)
            signature = bytearray(bytes(info["signature"]))
            signature[-1] ^= 0x01
            info["signature"] = bytes(signature)

        der = rewrite(pki.ra_signed_request(), corrupt)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der, [pki.anchor])
        assert _reason(error) == "Signature does not verify"

    @pytest.mark.parametrize("parameters, reason", [
        (None, "SHA-1 digests are not accepted"),
        (_pss_parameters(None), "SHA-1 digests are not accepted"),
        (_pss_parameters("2.16.840.1.101.3.4.2.1", mgf_oid=None),
         "SHA-1 digests are not accepted"),
        (_pss_parameters("2.16.840.1.101.3.4.2.2"),
         "Signature and digest algorithms do not match"),
        (_pss_parameters("2.16.840.1.101.3.4.2.1", mgf_oid="1.2.3.4"),
         "Unsupported RSASSA-PSS parameters"),
        (_pss_parameters("2.16.840.1.101.3.4.2.1", mgf_hash_oid=None),
         "Unsupported RSASSA-PSS parameters"),
        (_pss_parameters("2.16.840.1.101.3.4.2.1", trailer=2),
         "Unsupported RSASSA-PSS parameters"),
        (b"\x04\x00", "Malformed RSASSA-PSS parameters"),
    ])
    def test_parse_refuses_bad_pss_parameters(self, pki, rewrite,
                                              parameters, reason):
        def set_parameters(signed_data):
            algorithm = _signer_info(signed_data)["signatureAlgorithm"]
            replacement = rfc5280.AlgorithmIdentifier()
            replacement["algorithm"] = algorithm["algorithm"]
            if parameters is not None:
                replacement["parameters"] = parameters
            _signer_info(signed_data)["signatureAlgorithm"] = replacement

        der = rewrite(_pss_request(pki), set_parameters)
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_full_pki_request(der)
        assert _reason(error) == reason

    def test_parse_accepts_rewritten_pss_parameters(self, pki, rewrite):
        der = rewrite(_pss_request(pki), _set_signature_algorithm(
            "1.2.840.113549.1.1.10",
            _pss_parameters("2.16.840.1.101.3.4.2.1")))
        assert cmc.parse_full_pki_request(der).signer == "self"


class TestBuildFullPKIResponse:

    def test_build_success_verifies_with_openssl(self, pki, ca, leaf):
        certificate, key = ca
        der = cmc.build_full_pki_response(
            status="success", signer_key=key, signer_certificate=certificate,
            certificates=[leaf], body_part_ids=[1], transaction_id=42,
            recipient_nonce=b"client nonce")
        content = pki.openssl_verify(der, cafile=certificate)
        assert pki.openssl_verify(der) == content

        controls = _response_controls(der)
        status = der_decoder.decode(
            controls[rfc6402.id_cmc_statusInfoV2],
            asn1Spec=cmc.CMCStatusInfoV2())[0]
        assert str(status["cMCStatus"]) == "success"
        assert int(status["bodyList"][0]["bodyPartID"]) == 1
        assert not status["otherInfo"].isValue
        assert controls[rfc6402.id_cmc_transactionId] == _integer(42)
        assert controls[rfc6402.id_cmc_recipientNonce] == (
            der_encoder.encode(univ.OctetString(b"client nonce")))
        assert len(controls[rfc6402.id_cmc_senderNonce]) == 18

    def test_build_uses_fresh_sender_nonce(self, ca):
        certificate, key = ca

        def nonce():
            der = cmc.build_full_pki_response(
                status="success", signer_key=key,
                signer_certificate=certificate)
            return _response_controls(der)[rfc6402.id_cmc_senderNonce]

        assert nonce() != nonce()

    def test_build_success_parses_back(self, pki, ca, leaf):
        certificate, key = ca
        der = cmc.build_full_pki_response(
            status="success", signer_key=key, signer_certificate=certificate,
            certificates=[leaf, certificate])
        result = cmc.parse_cmc_response(der, pki.ec_key.public_key())
        assert result.status == CertificateStatus.CERTIFICATE_GENERATED
        assert x509.load_pem_x509_certificate(result.certificate) == leaf
        assert pkcs7.load_pem_pkcs7_certificates(result.intermediates) == [
            certificate]

    @pytest.mark.parametrize("key_factory", [
        lambda: ec.generate_private_key(ec.SECP384R1()),
        lambda: rsa.generate_private_key(65537, 2048),
    ])
    def test_build_signs_with_other_keys(self, pki, leaf, key_factory):
        key = key_factory()
        certificate = pki.certificate(key, "Other CA", ca=True)
        der = cmc.build_full_pki_response(
            status="success", signer_key=key, signer_certificate=certificate,
            certificates=[leaf])
        pki.openssl_verify(der, cafile=certificate)
        assert cmc.parse_cmc_response(der).status == (
            CertificateStatus.CERTIFICATE_GENERATED)

    def test_build_signs_with_ed25519(self, pki, leaf):
        key = ed25519.Ed25519PrivateKey.generate()
        certificate = pki.certificate(key, "Edwards CA", ca=True)
        der = cmc.build_full_pki_response(
            status="success", signer_key=key, signer_certificate=certificate,
            certificates=[leaf])
        result = cmc.parse_cmc_response(der)
        assert x509.load_pem_x509_certificate(result.certificate) == leaf

    def test_build_pending_parses_back(self, pki, ca):
        certificate, key = ca
        der = cmc.build_full_pki_response(
            status="pending", signer_key=key, signer_certificate=certificate,
            pend_token=b"token-1",
            pend_time=_now() + datetime.timedelta(seconds=60))
        pki.openssl_verify(der, cafile=certificate)
        meta = {"other": "kept"}
        result = cmc.parse_cmc_response(der, plugin_meta=meta)
        assert result.status == CertificateStatus.WAITING_FOR_CA
        assert meta == {"other": "kept", "cmc_pend_token": base64.b64encode(
            b"token-1").decode()}
        assert 55000 <= result.retry_msec <= 60000

    def test_build_pending_with_naive_time(self, ca):
        certificate, key = ca
        naive = (_now() + datetime.timedelta(seconds=90)).replace(
            tzinfo=None)
        der = cmc.build_full_pki_response(
            status="pending", signer_key=key, signer_certificate=certificate,
            pend_token=b"t", pend_time=naive)
        assert 85000 <= cmc.parse_cmc_response(der).retry_msec <= 90000

    @pytest.mark.parametrize("fail_info", ALL_FAIL_INFOS)
    def test_build_failed_parses_back(self, pki, ca, fail_info):
        certificate, key = ca
        der = cmc.build_full_pki_response(
            status="failed", signer_key=key, signer_certificate=certificate,
            fail_info=fail_info, body_part_ids=[1, 2])
        pki.openssl_verify(der)
        result = cmc.parse_cmc_response(der)
        if fail_info in CLIENT_FAIL_INFOS:
            assert result.status == CertificateStatus.CLIENT_DATA_ISSUE_SEEN
        else:
            assert result.status == (
                CertificateStatus.CA_UNAVAILABLE_FOR_REQUEST)
        assert fail_info in result.status_message

    def test_build_no_support_parses_back(self, ca):
        certificate, key = ca
        der = cmc.build_full_pki_response(
            status="noSupport", signer_key=key,
            signer_certificate=certificate)
        result = cmc.parse_cmc_response(der)
        assert result.status == CertificateStatus.INVALID_OPERATION
        assert result.status_message == "CA does not support the request"

    @pytest.mark.parametrize("args", [
        {"status": "partial"},
        {"status": "pending"},
        {"status": "pending", "pend_token": b"t"},
        {"status": "success", "pend_token": b"t", "pend_time": _now()},
        {"status": "failed"},
        {"status": "success", "fail_info": "badRequest"},
        {"status": "failed", "fail_info": "noSuchThing"},
        {"status": "failed", "fail_info": 2},
        {"status": "success", "body_part_ids": [-1]},
        {"status": "success", "body_part_ids": [2 ** 32]},
    ])
    def test_build_rejects_bad_arguments(self, ca, args):
        certificate, key = ca
        with pytest.raises(ValueError):
            cmc.build_full_pki_response(
                signer_key=key, signer_certificate=certificate, **args)

    def test_build_rejects_mismatched_key(self, pki, ca):
        certificate, _ = ca
        with pytest.raises(ValueError):
            cmc.build_full_pki_response(
                status="success", signer_key=pki.ec_key,
                signer_certificate=certificate)

    def test_build_rejects_unsupported_key(self, ca):
        certificate, _ = ca
        with pytest.raises(TypeError):
            cmc.build_full_pki_response(
                status="success", signer_key=dsa.generate_private_key(1024),
                signer_certificate=certificate)

    def test_signing_time_after_2049_is_generalized(self):
        moment = datetime.datetime(2050, 1, 2, 3, 4, 5,
                                   tzinfo=datetime.timezone.utc)
        time = cmc._signing_time(moment)
        assert time.getName() == "generalTime"
        assert str(time["generalTime"]) == "20500102030405Z"


class TestBuildCertsOnlyResponse:

    def test_build_certs_only_readable_by_openssl(self, pki, ca, leaf):
        der = cmc.build_certs_only_response([leaf, ca[0]])
        printed = pki.openssl_print_certs(der)
        assert b"subject=CN = client.example" in printed
        assert b"subject=CN = Test Issuing CA" in printed

    def test_build_certs_only_parses_back(self, ca, leaf):
        result = cmc.parse_cmc_response(
            cmc.build_certs_only_response([ca[0], leaf]))
        assert result.status == CertificateStatus.CERTIFICATE_GENERATED
        assert x509.load_pem_x509_certificate(result.certificate) == leaf
        assert pkcs7.load_pem_pkcs7_certificates(result.intermediates) == [
            ca[0]]

    def test_build_certs_only_rejects_empty(self):
        with pytest.raises(ValueError):
            cmc.build_certs_only_response([])


def _status_info(tlv, status: int, other: bytes = b"",
                 text: bytes = b"") -> bytes:
    body_list = tlv(0x30, _integer(1))
    string = tlv(0x0C, text) if text else b""
    return tlv(0x30, _integer(status) + body_list + string + other)


def _signed_response(pki, ca, controls, certificates=()) -> bytes:
    """A Full PKI Response signed by openssl around our controls."""
    response = rfc6402.PKIResponse()
    for body_part_id, (attr_type, value) in enumerate(controls, start=1):
        control = rfc6402.TaggedAttribute()
        control["bodyPartID"] = body_part_id
        control["attrType"] = attr_type
        control["attrValues"].append(value)
        response["controlSequence"].append(control)
    certificate, key = ca
    return pki.openssl_sign(der_encoder.encode(response), certificate, key,
                            econtent_type=PKI_RESPONSE_OID, keyid=False,
                            extra_certs=certificates)


class TestParseCMCResponse:

    def test_parse_leaf_without_request_key(self, ca, leaf):
        result = cmc.parse_cmc_response(cmc.build_certs_only_response([leaf]))
        assert x509.load_pem_x509_certificate(result.certificate) == leaf
        assert result.intermediates is None

    def test_parse_leaf_without_basic_constraints(self, pki, ca):
        plain = pki.certificate(pki.ec_key, "plain.example",
                                constraints=False, issuer=(ca[0], ca[1]))
        result = cmc.parse_cmc_response(
            cmc.build_certs_only_response([ca[0], plain]))
        assert x509.load_pem_x509_certificate(result.certificate) == plain

    def test_parse_refuses_foreign_request_key(self, ca, leaf):
        other = ec.generate_private_key(ec.SECP256R1()).public_key()
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(cmc.build_certs_only_response([leaf]),
                                   other)
        assert _reason(error) == "No certificate for the request key"

    def test_parse_refuses_ambiguous_leaf(self, pki, ca, leaf):
        other = pki.certificate(pki.rsa_key, "other.example",
                                issuer=(ca[0], ca[1]))
        der = cmc.build_certs_only_response([leaf, other])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(der)
        assert _reason(error) == "Cannot tell which certificate was issued"
        result = cmc.parse_cmc_response(der, pki.rsa_key.public_key())
        assert x509.load_pem_x509_certificate(result.certificate) == other

    def test_parse_sub_ca_certificate_as_leaf(self, ca):
        result = cmc.parse_cmc_response(
            cmc.build_certs_only_response([ca[0]]))
        assert x509.load_pem_x509_certificate(result.certificate) == ca[0]

    def test_parse_leaves_out_non_ca_response_signer(self, pki, ca, leaf):
        signer_key = ec.generate_private_key(ec.SECP256R1())
        signer = pki.certificate(signer_key, "Response signer",
                                 issuer=(ca[0], ca[1]))
        der = cmc.build_full_pki_response(
            status="success", signer_key=signer_key,
            signer_certificate=signer, certificates=[leaf, ca[0]])
        result = cmc.parse_cmc_response(der)
        assert x509.load_pem_x509_certificate(result.certificate) == leaf
        assert pkcs7.load_pem_pkcs7_certificates(result.intermediates) == [
            ca[0]]

    def test_parse_refuses_success_without_certificates(self, pki, ca,
                                                        rewrite, tlv):
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2, _status_info(tlv, 0))])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(rewrite(der, _without("certificates")))
        assert _reason(error) == "No certificate in the response"

    def test_parse_without_status_is_success(self, pki, ca, leaf):
        der = _signed_response(pki, ca, [], certificates=[leaf])
        result = cmc.parse_cmc_response(der, pki.ec_key.public_key())
        assert result.status == CertificateStatus.CERTIFICATE_GENERATED

    def test_parse_refuses_no_status_and_no_certificate(self, pki, ca,
                                                        rewrite):
        der = _signed_response(pki, ca, [])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(rewrite(der, _without("certificates")))
        assert _reason(error) == "No status in CMC response"

    def test_parse_worst_status_wins(self, pki, ca, leaf, tlv):
        fail = _status_info(tlv, 2, other=_integer(2))
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2, _status_info(tlv, 0)),
            (rfc6402.id_cmc_statusInfoV2, fail),
        ], certificates=[leaf])
        result = cmc.parse_cmc_response(der)
        assert result.status == CertificateStatus.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message == "CA rejected the request: badRequest"

    def test_parse_status_info_version_1(self, pki, ca, tlv):
        info = rfc6402.CMCStatusInfo()
        info["cMCStatus"] = "failed"
        info["bodyList"].append(1)
        info["statusString"] = "go away"
        info["otherInfo"]["failInfo"] = "tryLater"
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfo, der_encoder.encode(info))])
        assert cmc.parse_cmc_response(der).status == (
            CertificateStatus.CA_UNAVAILABLE_FOR_REQUEST)

    @pytest.mark.parametrize("tagged", [False, True])
    def test_parse_skips_extended_fail_info(self, pki, ca, tlv, tagged):
        extended = _oid("1.2.3.4") + b"\x05\x00"
        other = tlv(0xA1 if tagged else 0x30, extended)
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2,
             _status_info(tlv, 2, other=other, text=b"details"))])
        result = cmc.parse_cmc_response(der)
        assert result.status == CertificateStatus.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message == (
            "CA rejected the request: no reason given")

    def test_parse_unknown_fail_info(self, pki, ca, tlv):
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2,
             _status_info(tlv, 2, other=_integer(99)))])
        result = cmc.parse_cmc_response(der)
        assert result.status == CertificateStatus.CLIENT_DATA_ISSUE_SEEN
        assert result.status_message == "CA rejected the request: 99"

    @pytest.mark.parametrize("status, name", [
        (5, "confirmRequired"), (6, "popRequired"), (7, "partial"),
        (9, "9")])
    def test_parse_other_statuses_are_invalid_operations(self, pki, ca, tlv,
                                                         status, name):
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2, _status_info(tlv, status))])
        result = cmc.parse_cmc_response(der)
        assert result.status == CertificateStatus.INVALID_OPERATION
        assert result.status_message == "Unsupported CMC status %s" % name

    def test_parse_pending_without_pend_info(self, pki, ca, tlv):
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2, _status_info(tlv, 3))])
        meta = {}
        result = cmc.parse_cmc_response(der, plugin_meta=meta)
        assert result.retry_msec == cmc.DEFAULT_RETRY_MSEC
        assert meta == {}

    @pytest.mark.parametrize("moment, minimum, maximum", [
        (b"20000101000000Z", 0, 0),
        (b"29991231235959", 10 ** 12, 10 ** 14),
    ])
    def test_parse_pend_time(self, pki, ca, tlv, moment, minimum, maximum):
        pend_info = tlv(0x30, tlv(0x04, b"tok") + tlv(0x18, moment))
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2,
             _status_info(tlv, 3, other=pend_info))])
        result = cmc.parse_cmc_response(der)
        assert result.status == CertificateStatus.WAITING_FOR_CA
        assert minimum <= result.retry_msec <= maximum

    def test_parse_pending_without_plugin_meta(self, ca):
        der = cmc.build_full_pki_response(
            status="pending", signer_key=ca[1], signer_certificate=ca[0],
            pend_token=b"t", pend_time=_now())
        assert cmc.parse_cmc_response(der).status == (
            CertificateStatus.WAITING_FOR_CA)

    def test_parse_refuses_malformed_status(self, pki, ca):
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_statusInfoV2, b"\x04\x01x")])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(der)
        assert _reason(error) == "Malformed status"

    def test_parse_refuses_request_as_response(self, pki):
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(pki.self_signed_request())
        assert _reason(error) == "Not a CMC response"

    def test_parse_refuses_tampered_response(self, ca, leaf):
        der = cmc.build_full_pki_response(
            status="success", signer_key=ca[1], signer_certificate=ca[0],
            certificates=[leaf], transaction_id=7)
        tampered = der.replace(_integer(7), _integer(8))
        assert tampered != der
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(tampered)
        assert _reason(error) == "Message digest does not match"

    def test_parse_response_without_signer_certificate(self, pki, ca, leaf,
                                                       tlv):
        response = rfc6402.PKIResponse()
        content = der_encoder.encode(response)
        der = pki.openssl_sign(content, ca[0], ca[1], nocerts=True,
                               econtent_type=PKI_RESPONSE_OID,
                               extra_certs=[leaf])
        result = cmc.parse_cmc_response(der)
        assert x509.load_pem_x509_certificate(result.certificate) == leaf

    def test_parse_ignores_other_controls(self, pki, ca, leaf, tlv):
        der = _signed_response(pki, ca, [
            (rfc6402.id_cmc_transactionId, _integer(3)),
            (rfc6402.id_cmc_statusInfoV2, _status_info(tlv, 0)),
        ], certificates=[leaf])
        assert cmc.parse_cmc_response(der).status == (
            CertificateStatus.CERTIFICATE_GENERATED)

    def test_parse_refuses_signer_with_unknown_key(self, ca, leaf,
                                                   rewrite):
        der = cmc.build_full_pki_response(
            status="success", signer_key=ca[1], signer_certificate=ca[0],
            certificates=[leaf])
        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(rewrite(der, _with_unknown_key(ca[0])))
        assert _reason(error) == "Unsupported signer key"

    def test_parse_skips_certificate_with_unknown_key(self, pki, ca, leaf,
                                                      rewrite):
        def add_odd_certificate(signed_data):
            odd = der_decoder.decode(
                leaf.public_bytes(serialization.Encoding.DER),
                asn1Spec=rfc5280.Certificate())[0]
            spki = odd["tbsCertificate"]["subjectPublicKeyInfo"]
            spki["algorithm"]["algorithm"] = univ.ObjectIdentifier("1.2.3.4")
            odd["tbsCertificate"]["serialNumber"] = 99
            choice = rfc5652.CertificateChoices()
            choice["certificate"] = odd
            signed_data["certificates"].append(choice)

        der = rewrite(cmc.build_certs_only_response([leaf]),
                      add_odd_certificate)
        result = cmc.parse_cmc_response(der, pki.ec_key.public_key())
        assert x509.load_pem_x509_certificate(result.certificate) == leaf

    @pytest.mark.parametrize("der", [b"", b"junk", b"\x30\x80" * 5000])
    def test_parse_refuses_unparsable(self, der):
        with pytest.raises(exception.InvalidCMCData):
            cmc.parse_cmc_response(der)

    def test_parse_refuses_detached_response(self, ca, leaf, rewrite):
        der = cmc.build_full_pki_response(
            status="success", signer_key=ca[1], signer_certificate=ca[0],
            certificates=[leaf])

        def detach(signed_data):
            encap = rfc5652.EncapsulatedContentInfo()
            encap["eContentType"] = (
                signed_data["encapContentInfo"]["eContentType"])
            signed_data["encapContentInfo"] = encap

        with pytest.raises(exception.InvalidCMCData) as error:
            cmc.parse_cmc_response(rewrite(der, detach))
        assert _reason(error) == (
            "Detached CMC response content is not supported")


class TestConstants:

    def test_cmc_archive_has_rfc6402_value(self):
        assert str(cmc.ID_KP_CMC_ARCHIVE) == "1.3.6.1.5.5.7.3.29"
        assert str(rfc6402.id_kp_cmcArchive) != str(cmc.ID_KP_CMC_ARCHIVE)

    def test_cmc_ra_eku(self):
        assert cmc.CMC_RA_EKU == CMC_RA_EKU

    def test_status_info_v2_decodes_extended_fail_info(self, tlv):
        extended = tlv(0xA1, _oid("1.2.3.4") + b"\x05\x00")
        value = der_decoder.decode(_status_info(tlv, 2, other=extended),
                                   asn1Spec=cmc.CMCStatusInfoV2())[0]
        assert value["otherInfo"].getName() == "extendedFailInfo"


class TestFullPKIRequest:

    def test_request_values_compare_and_hash(self, pki):
        der = pki.self_signed_request(transaction_id=1)
        first = cmc.parse_full_pki_request(der)
        second = cmc.parse_full_pki_request(der)
        assert first == second
        assert hash(first) == hash(second)
        assert "transaction_id=1" in repr(first)

    def test_request_is_immutable(self, pki):
        request = cmc.parse_full_pki_request(pki.self_signed_request())
        with pytest.raises(dataclasses.FrozenInstanceError):
            request.signer = "ra"
