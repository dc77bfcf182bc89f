"""Property tests: hostile input only ever raises the documented errors.

Random bytes and text, and valid messages with bytes flipped, inserted,
removed or cut off, go through every parser of barbican_certs.pki.  Each
parser must either succeed or raise one of the exception classes its
docstring names; anything else would surface as a 500.
"""

import base64

from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import univ
from pyasn1_modules import rfc5280
import pytest

from barbican_certs.common import exception
from barbican_certs.pki import cmc
from barbican_certs.pki import csr

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

REQUEST_ERRORS = (exception.UnableToDecodeRequestData,
                  exception.InvalidPKCS10Data)
CMC_REQUEST_ERRORS = (exception.InvalidCMCData, exception.InvalidPKCS10Data)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """The original with a few bytes flipped, inserted, removed or cut."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data.insert(position, draw(st.integers(0, 255)))
        elif action == "delete" and data:
            del data[position]
        elif action == "cut":
            del data[position:]
    return bytes(data)


@pytest.fixture(scope="module")
def samples(pki, tmp_path_factory):
    """Valid messages of every kind, made once for the module."""
    anchor_ca = pki.certificate(pki.anchor_key, "Issuing CA", ca=True)
    leaf = pki.certificate(pki.ec_key, "leaf.example",
                           issuer=(anchor_ca, pki.anchor_key))
    extension = x509.SubjectAlternativeName([x509.DNSName("a.example")])
    return {
        "csr": pki.csr(extensions=[extension]),
        "self_signed": pki.self_signed_request(transaction_id=3,
                                               sender_nonce=b"nonce"),
        "ra_signed": pki.ra_signed_request(),
        "success": cmc.build_full_pki_response(
            status="success", signer_key=pki.anchor_key,
            signer_certificate=anchor_ca, certificates=[leaf],
            body_part_ids=[1], transaction_id=3, recipient_nonce=b"nonce"),
        "pending": cmc.build_full_pki_response(
            status="pending", signer_key=pki.anchor_key,
            signer_certificate=anchor_ca, pend_token=b"token",
            pend_time=leaf.not_valid_after_utc),
        "certs_only": cmc.build_certs_only_response([leaf, anchor_ca]),
        "extensions": _extensions_der(),
    }


def _extensions_der() -> bytes:
    sequence = rfc5280.Extensions()
    for oid, value in (
            (ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
             x509.SubjectAlternativeName([x509.DNSName("a.example")])),
            (ExtensionOID.BASIC_CONSTRAINTS,
             x509.BasicConstraints(ca=False, path_length=None))):
        item = rfc5280.Extension()
        item["extnID"] = univ.ObjectIdentifier(oid.dotted_string)
        item["extnValue"] = value.public_bytes()
        sequence.append(item)
    return der_encoder.encode(sequence)


class TestDecodeRequestDataFuzz:

    @FUZZ
    @given(data=st.one_of(st.binary(), st.text()))
    def test_decode_random_input(self, data):
        try:
            assert isinstance(csr.decode_request_data(data), bytes)
        except exception.UnableToDecodeRequestData:
            pass

    @FUZZ
    @given(body=st.text(alphabet="ABCDabcd0123+/=- \n:"),
           label=st.text(alphabet="ABC -", max_size=8))
    def test_decode_pem_like_text(self, body, label):
        text = "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, body,
                                                            label)
        try:
            csr.decode_request_data(text)
        except exception.UnableToDecodeRequestData:
            pass


class TestLoadPKCS10Fuzz:

    @FUZZ
    @given(data=st.one_of(st.binary(), st.text()))
    def test_load_random_input(self, data):
        try:
            csr.load_pkcs10(data)
        except REQUEST_ERRORS:
            pass

    @FUZZ
    @given(data=st.data())
    def test_load_mutated_request(self, samples, data):
        der = data.draw(mutated(samples["csr"]))
        try:
            csr.load_pkcs10(base64.b64encode(der))
        except REQUEST_ERRORS:
            pass


class TestParseFullPKIRequestFuzz:

    @FUZZ
    @given(der=st.binary())
    def test_parse_random_bytes(self, pki, der):
        try:
            cmc.parse_full_pki_request(der, [pki.anchor])
        except CMC_REQUEST_ERRORS:
            pass

    @FUZZ
    @given(data=st.data(), kind=st.sampled_from(["self_signed", "ra_signed"]))
    def test_parse_mutated_request(self, pki, samples, data, kind):
        der = data.draw(mutated(samples[kind]))
        try:
            result = cmc.parse_full_pki_request(der, [pki.anchor])
        except CMC_REQUEST_ERRORS:
            return
        assert result.requests


class TestParseCMCResponseFuzz:

    @FUZZ
    @given(der=st.binary())
    def test_parse_random_bytes(self, der):
        try:
            cmc.parse_cmc_response(der)
        except exception.InvalidCMCData:
            pass

    @FUZZ
    @given(data=st.data(),
           kind=st.sampled_from(["success", "pending", "certs_only"]))
    def test_parse_mutated_response(self, pki, samples, data, kind):
        der = data.draw(mutated(samples[kind]))
        try:
            cmc.parse_cmc_response(der, pki.ec_key.public_key(), {})
        except exception.InvalidCMCData:
            pass


class TestParseSubjectDNFuzz:

    @FUZZ
    @given(text=st.one_of(
        st.text(),
        st.text(alphabet='CNOU=,+\\#"; 0123456789abcdef.', max_size=40)))
    def test_parse_random_text(self, text):
        try:
            assert isinstance(csr.parse_subject_dn(text), x509.Name)
        except exception.InvalidSubjectDN:
            pass

    @FUZZ
    @given(rdns=st.lists(
        st.lists(st.tuples(
            st.sampled_from([NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME,
                             NameOID.ORGANIZATIONAL_UNIT_NAME,
                             NameOID.EMAIL_ADDRESS, NameOID.DOMAIN_COMPONENT,
                             NameOID.TITLE, NameOID.USER_ID]),
            st.text(st.characters(exclude_categories=("Cs",)), min_size=1,
                    max_size=20)),
            min_size=1, max_size=3, unique_by=lambda item: item[0]),
        min_size=1, max_size=4))
    def test_parse_round_trips_any_name(self, rdns):
        name = x509.Name([
            x509.RelativeDistinguishedName(
                [x509.NameAttribute(oid, value) for oid, value in rdn])
            for rdn in rdns])
        assert csr.parse_subject_dn(name.rfc4514_string()) == name


class TestParseExtensionsFuzz:

    @FUZZ
    @given(data=st.one_of(
        st.text(),
        st.binary().map(lambda b: base64.b64encode(b).decode("ascii"))))
    def test_parse_random_input(self, data):
        try:
            csr.parse_extensions(data)
        except exception.InvalidExtensionsData:
            pass

    @FUZZ
    @given(data=st.data())
    def test_parse_mutated_extensions(self, samples, data):
        der = data.draw(mutated(samples["extensions"]))
        try:
            csr.parse_extensions(base64.b64encode(der).decode("ascii"))
        except exception.InvalidExtensionsData:
            pass
