"""Certificate Management over CMS: RFC 5272 as updated by RFC 6402.

The CMC utilities of SPEC section 5, so that no CA plugin parses CMC by
hand:

* :func:`parse_full_pki_request` checks a Full PKI Request (RFC 5272
  section 3.2) and returns its PKCS#10 requests, controls and signer;
* :func:`build_full_pki_response` and :func:`build_certs_only_response`
  write the Full PKI Response (section 4.2) and the Simple PKI Response
  (section 4.1) a CA answers with;
* :func:`parse_cmc_response` turns either response into a
  :class:`~barbican_certs.plugin.interface.certificate_manager.ResultDTO`.

ASN.1 comes from pyasn1-modules (``rfc5652`` for CMS, ``rfc6402`` for
CMC), with two local corrections of pyasn1-modules 0.4.2 that are not
patched into the library: :class:`CMCStatusInfoV2` tags ``extendedFailInfo``
as RFC 5272 erratum 6571 does (the library's CHOICE has two untagged
SEQUENCEs and cannot be decoded), and :data:`ID_KP_CMC_ARCHIVE` has the
value of RFC 6402 (``id-kp 29``).  Signatures are made and checked with
cryptography; its PKCS#7 builder cannot write CMC (fixed content type, no
signer identified by key identifier).

Every refusal of client data is
:class:`~barbican_certs.common.exception.InvalidCMCData` (or
:class:`~barbican_certs.common.exception.InvalidPKCS10Data` for a request
inside) with a short reason of this module, never a pyasn1 text.  Input
nested deeper than :data:`MAX_NESTING_DEPTH` is refused before pyasn1 sees
it (:func:`barbican_certs.pki.csr.check_ber_structure`).  Messages are
logged at debug level only, as SHA-256 fingerprints.
"""

import base64
from collections.abc import Sequence
import dataclasses
import datetime
import logging
import os
import typing

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import types as key_types
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyasn1 import error as asn1_error
from pyasn1.codec.ber import decoder as ber_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import base as asn1_base
from pyasn1.type import char
from pyasn1.type import namedtype
from pyasn1.type import tag
from pyasn1.type import univ
from pyasn1.type import useful
from pyasn1_modules import rfc4055
from pyasn1_modules import rfc5280
from pyasn1_modules import rfc5652
from pyasn1_modules import rfc6402

from barbican_certs.common import exception
from barbican_certs.pki import csr as pki_csr
from barbican_certs.plugin.interface.certificate_manager import (
    CertificateStatus,
)
from barbican_certs.plugin.interface.certificate_manager import ResultDTO

LOG = logging.getLogger(__name__)

#: Deepest nesting of constructed BER elements accepted.
MAX_NESTING_DEPTH = pki_csr.MAX_NESTING_DEPTH
#: Longest RA certificate chain followed to a trust anchor.
MAX_CHAIN_LENGTH = 8
#: Delay before the next status check when a pending response has no
#: pendTime (RFC 5272 section 6.1.1 requires one).
DEFAULT_RETRY_MSEC = 60000
#: ``plugin_meta`` key under which a pendToken is kept, base64.
PEND_TOKEN_META_KEY = "cmc_pend_token"  # noqa: S105  # nosec B105

ID_CCT_PKI_DATA = rfc6402.id_cct_PKIData
ID_CCT_PKI_RESPONSE = rfc6402.id_cct_PKIResponse
#: id-kp-cmcArchive ::= { id-kp 29 } (RFC 6402); pyasn1-modules 0.4.2 gives
#: it the value of id-kp-cmcRA.
ID_KP_CMC_ARCHIVE = univ.ObjectIdentifier(tuple(rfc5280.id_kp) + (29,))
#: id-kp-cmcRA ::= { id-kp 28 } (RFC 6402), the extended key usage of a CMC
#: registration authority, as a cryptography object identifier.
CMC_RA_EKU = x509.ObjectIdentifier(str(rfc6402.id_kp_cmcRA))

_BODY_PART_ID_MAX = 4294967295
_SENDER_NONCE_BYTES = 16
_RESPONSE_STATUSES = ("success", "failed", "pending", "noSupport")

_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.4": hashes.SHA224,
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_DIGEST_OIDS = {cls().name: oid for oid, cls in _DIGESTS.items()}
_SHA1_OID = "1.3.14.3.2.26"

# Signature algorithms of RFC 3370, RFC 4056, RFC 5753 and RFC 8419: the
# key family they need and the digest they imply, if any.
_SIGNATURE_ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "1.2.840.113549.1.1.1": ("rsa", None),
    "1.2.840.113549.1.1.14": ("rsa", "sha224"),
    "1.2.840.113549.1.1.11": ("rsa", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa", "sha512"),
    "1.2.840.113549.1.1.10": ("pss", None),
    "1.2.840.10045.2.1": ("ecdsa", None),
    "1.2.840.10045.4.3.1": ("ecdsa", "sha224"),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    "1.3.101.112": ("ed25519", "sha512"),
}
_SignerKey = (rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
              | ed25519.Ed25519PrivateKey)

# CMCFailInfo values (RFC 5272 section 6.1.4) by what they mean for an
# order; any other failure is the client's.
_CA_FAILURES = frozenset({"internalCAError", "tryLater"})
# Rank of CMCStatus values when a response holds several: the worst wins.
_STATUS_RANK = {"failed": 0, "noSupport": 1, "pending": 3, "success": 4}


# -- ASN.1 corrections --------------------------------------------------------

class ExtendedFailInfo(univ.Sequence):  # type: ignore[misc]
    """ExtendedFailInfo of RFC 5272 section 6.1.1."""


ExtendedFailInfo.componentType = namedtype.NamedTypes(
    namedtype.NamedType("failInfoOID", univ.ObjectIdentifier()),
    namedtype.NamedType("failInfoValue", univ.Any()),
)


class OtherStatusInfo(univ.Choice):  # type: ignore[misc]
    """OtherStatusInfo of RFC 5272 section 6.1.1 with erratum 6571.

    The erratum tags ``extendedFailInfo`` ``[1]`` so that it can be told
    from ``pendInfo``; this module never writes it.
    """


OtherStatusInfo.componentType = namedtype.NamedTypes(
    namedtype.NamedType("failInfo", rfc6402.CMCFailInfo()),
    namedtype.NamedType("pendInfo", rfc6402.PendInfo()),
    namedtype.NamedType(
        "extendedFailInfo", ExtendedFailInfo().subtype(
            implicitTag=tag.Tag(tag.tagClassContext,
                                tag.tagFormatConstructed, 1))),
)


class CMCStatusInfoV2(univ.Sequence):  # type: ignore[misc]
    """CMCStatusInfoV2 of RFC 5272 section 6.1.1, decodable."""


CMCStatusInfoV2.componentType = namedtype.NamedTypes(
    namedtype.NamedType("cMCStatus", rfc6402.CMCStatus()),
    namedtype.NamedType(
        "bodyList",
        univ.SequenceOf(componentType=rfc6402.BodyPartReference())),
    namedtype.OptionalNamedType("statusString", char.UTF8String()),
    namedtype.OptionalNamedType("otherInfo", OtherStatusInfo()),
)


class _AnyStatusInfo(univ.Sequence):  # type: ignore[misc]
    """CMCStatusInfo or CMCStatusInfoV2, read leniently.

    ``otherInfo`` stays raw so that an ``extendedFailInfo`` in any of its
    encodings (untagged as in RFC 5272, tagged as in the erratum) is
    skipped rather than refused.
    """


_AnyStatusInfo.componentType = namedtype.NamedTypes(
    namedtype.NamedType("cMCStatus", rfc6402.CMCStatus()),
    namedtype.NamedType("bodyList", univ.Any()),
    namedtype.OptionalNamedType("statusString", char.UTF8String()),
    namedtype.OptionalNamedType("otherInfo", univ.Any()),
)


# -- results ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TaggedCertificationRequest:
    """One PKCS#10 request of a PKIData (RFC 5272 section 3.2.1.2.1).

    :ivar body_part_id: its bodyPartID.
    :ivar csr: the request, checked by
        :func:`barbican_certs.pki.csr.check_pkcs10`.
    :ivar der: the request, DER.
    """

    body_part_id: int
    csr: x509.CertificateSigningRequest
    der: bytes


@dataclasses.dataclass(frozen=True)
class FullPKIRequest:
    """A verified Full PKI Request (RFC 5272 section 3.2).

    :ivar requests: its TaggedRequests, in order.
    :ivar transaction_id: the transactionId control (section 6.6), if any.
    :ivar sender_nonce: the senderNonce control (section 6.6), if any; a
        response echoes it as recipientNonce.
    :ivar signer: ``"self"`` when signed with the key of one of the
        requests, ``"ra"`` when signed by a trusted registration authority.
    :ivar signer_certificate: the RA certificate, for ``"ra"``.
    :ivar other_controls: every other control (RFC 5272 section 6) as
        (dotted OID, DER of its attrValues SET), in order; the CA decides
        whether it can honour them.
    """

    requests: tuple[TaggedCertificationRequest, ...]
    transaction_id: int | None
    sender_nonce: bytes | None
    signer: str
    signer_certificate: x509.Certificate | None
    other_controls: tuple[tuple[str, bytes], ...] = ()


@dataclasses.dataclass(frozen=True)
class _Status:
    name: str
    fail_info: str | None = None
    pend_token: bytes | None = None
    pend_time: datetime.datetime | None = None


# -- decoding helpers ---------------------------------------------------------

def _invalid(reason: str) -> exception.InvalidCMCData:
    return exception.InvalidCMCData(reason=reason)


def _decode(data: bytes, spec: asn1_base.Asn1Type, what: str) -> typing.Any:
    try:
        pki_csr.check_ber_structure(data)
    except pki_csr.BERNestingError as err:
        raise _invalid("%s nested too deeply" % what) from err
    except ValueError as err:
        raise _invalid("Malformed %s" % what) from err

    try:
        value, rest = ber_decoder.decode(data, asn1Spec=spec)
    except asn1_error.PyAsn1Error as err:
        raise exception.InvalidCMCData(
            type(err).__name__, reason="Malformed %s" % what) from err
    if rest:
        raise _invalid("Malformed %s" % what)
    return value


def _encode(value: asn1_base.Asn1Item, what: str) -> bytes:
    """DER of a decoded value; BER input may break DER size constraints."""
    try:
        return bytes(der_encoder.encode(value))
    except asn1_error.PyAsn1Error as err:
        raise exception.InvalidCMCData(
            type(err).__name__, reason="Malformed %s" % what) from err


def _decode_signed_data(der: bytes, what: str) -> rfc5652.SignedData:
    if not isinstance(der, bytes) or not der:
        raise _invalid("Malformed %s" % what)
    content_info = _decode(der, rfc5652.ContentInfo(), what)
    if content_info["contentType"] != rfc5652.id_signedData:
        raise _invalid("%s is not CMS SignedData" % what)
    return _decode(bytes(content_info["content"]), rfc5652.SignedData(),
                   what)


def _encapsulated_content(signed_data: rfc5652.SignedData,
                          what: str) -> bytes:
    content = signed_data["encapContentInfo"]["eContent"]
    if not content.isValue:
        raise _invalid("Detached %s content is not supported" % what)
    return bytes(content)


def _certificates(signed_data: rfc5652.SignedData) -> list[x509.Certificate]:
    """The X.509 certificates of SignedData.certificates, in order.

    Other CertificateChoices (attribute certificates, RFC 5652
    section 10.2.2) cannot sign anything here and are skipped.
    """
    bag = signed_data["certificates"]
    if not bag.isValue:
        return []

    certificates = []
    for choice in bag:
        if choice.getName() != "certificate":
            continue
        certificate = _load_certificate(
            _encode(choice["certificate"], "certificate"))
        if certificate not in certificates:
            certificates.append(certificate)
    return certificates


def _load_certificate(der: bytes) -> x509.Certificate:
    """Load a certificate and decode now every field this module reads."""
    try:
        certificate = x509.load_der_x509_certificate(der)
        for field in ("issuer", "subject", "extensions",
                      "not_valid_before_utc", "not_valid_after_utc"):
            getattr(certificate, field)
    except (ValueError, x509.InvalidVersion, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as err:
        raise _invalid("Malformed certificate") from err
    return certificate


def _single_value(attribute: univ.Sequence, values_field: str,
                  spec: asn1_base.Asn1Type, what: str) -> typing.Any:
    values = attribute[values_field]
    if len(values) != 1:
        raise _invalid("Malformed %s" % what)
    return _decode(bytes(values[0]), spec, what)


# -- signature verification ---------------------------------------------------

def _verify_signer_info(signer_info: rfc5652.SignerInfo, content: bytes,
                        content_type: univ.ObjectIdentifier,
                        public_key: key_types.PublicKeyTypes) -> None:
    """Check one SignerInfo over the encapsulated content.

    RFC 5652 section 5.4: signed attributes are required (the content type
    is not id-data), contentType must equal the eContentType and
    messageDigest the digest of the content; the signature covers the DER
    SET OF the signed attributes.
    """
    digest = _digest_algorithm(signer_info["digestAlgorithm"])
    signed_attributes = signer_info["signedAttrs"]
    if not signed_attributes.isValue:
        raise _invalid("Signed attributes are missing")

    found_type = _signed_attribute(signed_attributes, rfc5652.id_contentType,
                                   univ.ObjectIdentifier())
    if found_type != content_type:
        raise _invalid("Content type attribute does not match")
    found_digest = _signed_attribute(signed_attributes,
                                     rfc5652.id_messageDigest,
                                     univ.OctetString())
    if bytes(found_digest) != _hash(digest, content):
        raise _invalid("Message digest does not match")

    signed = b"\x31" + _encode(signed_attributes, "signed attributes")[1:]
    _verify_signature(public_key, signer_info["signatureAlgorithm"], digest,
                      bytes(signer_info["signature"]), signed)


def _digest_algorithm(
        algorithm: rfc5280.AlgorithmIdentifier) -> hashes.HashAlgorithm:
    oid = str(algorithm["algorithm"])
    if oid == _SHA1_OID:
        raise _invalid("SHA-1 digests are not accepted")
    if oid not in _DIGESTS:
        raise _invalid("Unsupported digest algorithm")
    return _DIGESTS[oid]()


def _hash(digest: hashes.HashAlgorithm, data: bytes) -> bytes:
    context = hashes.Hash(digest)
    context.update(data)
    return context.finalize()


def _signed_attribute(attributes: univ.SetOf, attr_type: univ.ObjectIdentifier,
                      spec: asn1_base.Asn1Type) -> typing.Any:
    found = [a for a in attributes if a["attrType"] == attr_type]
    if len(found) != 1:
        raise _invalid("Signed attributes are malformed")
    return _single_value(found[0], "attrValues", spec, "signed attributes")


def _verify_signature(public_key: key_types.PublicKeyTypes,
                      algorithm: rfc5280.AlgorithmIdentifier,
                      digest: hashes.HashAlgorithm, signature: bytes,
                      data: bytes) -> None:
    oid = str(algorithm["algorithm"])
    if oid not in _SIGNATURE_ALGORITHMS:
        raise _invalid("Unsupported signature algorithm")
    family, implied_digest = _SIGNATURE_ALGORITHMS[oid]
    if implied_digest not in (None, digest.name):
        raise _invalid("Signature and digest algorithms do not match")

    try:
        _verify_with(public_key, family, algorithm, digest, signature, data)
    except (crypto_exceptions.InvalidSignature, ValueError) as err:
        raise _invalid("Signature does not verify") from err


def _verify_with(public_key: key_types.PublicKeyTypes, family: str,
                 algorithm: rfc5280.AlgorithmIdentifier,
                 digest: hashes.HashAlgorithm, signature: bytes,
                 data: bytes) -> None:
    if family == "ed25519" and isinstance(public_key,
                                          ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    elif family == "ecdsa" and isinstance(public_key,
                                          ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(digest))
    elif family in ("rsa", "pss") and isinstance(public_key,
                                                 rsa.RSAPublicKey):
        public_key.verify(signature, data,
                          _rsa_padding(family, algorithm, digest), digest)
    else:
        raise _invalid("Signature algorithm does not match the signer key")


def _rsa_padding(family: str, algorithm: rfc5280.AlgorithmIdentifier,
                 digest: hashes.HashAlgorithm) -> padding.AsymmetricPadding:
    if family == "rsa":
        return padding.PKCS1v15()

    # RSASSA-PSS parameters, RFC 4055 section 3.1; absent fields mean SHA-1.
    parameters = algorithm["parameters"]
    if not parameters.isValue:
        raise _invalid("SHA-1 digests are not accepted")
    params = _decode(bytes(parameters), rfc4055.RSASSA_PSS_params(),
                     "RSASSA-PSS parameters")
    hash_id = params["hashAlgorithm"]
    mask_id = params["maskGenAlgorithm"]
    if not hash_id.isValue or not mask_id.isValue:
        raise _invalid("SHA-1 digests are not accepted")
    if _digest_algorithm(hash_id).name != digest.name:
        raise _invalid("Signature and digest algorithms do not match")
    if (mask_id["algorithm"] != rfc4055.id_mgf1
            or not mask_id["parameters"].isValue
            or int(params["trailerField"]) != 1):
        raise _invalid("Unsupported RSASSA-PSS parameters")

    mask_hash = _decode(bytes(mask_id["parameters"]),
                        rfc5280.AlgorithmIdentifier(), "MGF1 parameters")
    return padding.PSS(mgf=padding.MGF1(_digest_algorithm(mask_hash)),
                       salt_length=int(params["saltLength"]))


# -- full PKI request ---------------------------------------------------------

def parse_full_pki_request(
        der: bytes,
        trusted_ra_certificates: Sequence[x509.Certificate] = (),
) -> FullPKIRequest:
    """Parse and verify a Full PKI Request (RFC 5272 section 3.2).

    Checked, in order: a ContentInfo holding SignedData (RFC 5652
    section 5) whose eContentType is id-cct-PKIData; a PKIData (RFC 5272
    section 3.2.1) with unique bodyPartIDs, at least one TaggedRequest,
    each a PKCS#10 request valid for
    :func:`barbican_certs.pki.csr.check_pkcs10`, and no nested CMS content
    nor other messages; exactly one SignerInfo that verifies (RFC 5652
    section 5.6):

    * self-signed: the signer is a subjectKeyIdentifier equal to the key
      identifier of one of the requests (its SubjectKeyIdentifier in the
      extensionRequest, else RFC 5280 section 4.2.1.2 method 1), and the
      signature verifies with that request's key;
    * RA-signed: the signer names a certificate of SignedData.certificates
      (by issuer and serial number or by key identifier) that may sign CMC
      requests (keyUsage digitalSignature and extendedKeyUsage id-kp-cmcRA
      when those extensions are present) and chains, through CA
      certificates of the message, to one of ``trusted_ra_certificates``:
      every signature and validity period checked now, every issuer with
      basicConstraints cA, its pathLenConstraint and, when it has a
      keyUsage, keyCertSign.  Revocation is not checked.

    The SignerInfo needs signed attributes with contentType
    id-cct-PKIData and the messageDigest of the content; digests are
    SHA-224 to SHA-512, signatures RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA or
    Ed25519.

    :param der: the request, DER (BER is accepted).
    :param trusted_ra_certificates: the RA trust anchors.
    :returns: the parsed request.
    :raises barbican_certs.common.exception.CRMFNotSupported: for a CRMF
        request (``crm``).
    :raises barbican_certs.common.exception.InvalidCMCData: with a reason
        for anything else that is malformed or does not verify.
    :raises barbican_certs.common.exception.InvalidPKCS10Data: when a
        PKCS#10 request inside is not valid.
    """
    signed_data = _decode_signed_data(der, "CMC request")
    if (signed_data["encapContentInfo"]["eContentType"]
            != ID_CCT_PKI_DATA):
        raise _invalid("Content type is not id-cct-PKIData")
    content = _encapsulated_content(signed_data, "CMC request")
    pki_data = _decode(content, rfc6402.PKIData(), "PKIData")

    requests = _tagged_requests(pki_data)
    _check_body_part_ids(pki_data, requests)
    _refuse_unsupported_parts(pki_data)
    transaction_id, sender_nonce, others = _request_controls(pki_data)
    signer, certificate = _verify_request_signer(
        signed_data, content, requests, trusted_ra_certificates)

    LOG.debug("Full CMC request %(fp)s with %(count)d request(s) signed by "
              "%(signer)s", {"fp": pki_csr.fingerprint(der),
                             "count": len(requests), "signer": signer})
    return FullPKIRequest(requests=requests, transaction_id=transaction_id,
                          sender_nonce=sender_nonce, signer=signer,
                          signer_certificate=certificate,
                          other_controls=others)


def _check_body_part_ids(
        pki_data: rfc6402.PKIData,
        requests: tuple[TaggedCertificationRequest, ...]) -> None:
    """bodyPartIDs are unique within a PKIData (RFC 5272 section 3.2.1)."""
    ids = [int(c["bodyPartID"]) for c in pki_data["controlSequence"]]
    ids.extend(request.body_part_id for request in requests)
    ids.extend(int(c["bodyPartID"]) for c in pki_data["cmsSequence"])
    ids.extend(int(m["bodyPartID"]) for m in pki_data["otherMsgSequence"])
    if len(ids) != len(set(ids)):
        raise _invalid("Duplicate bodyPartID")


def _refuse_unsupported_parts(pki_data: rfc6402.PKIData) -> None:
    if len(pki_data["cmsSequence"]):
        raise _invalid("Nested CMS content is not supported")
    if len(pki_data["otherMsgSequence"]):
        raise _invalid("Other messages are not supported")


def _tagged_requests(
        pki_data: rfc6402.PKIData) -> tuple[TaggedCertificationRequest, ...]:
    requests = []
    for tagged in pki_data["reqSequence"]:
        kind = tagged.getName()
        if kind == "crm":
            raise exception.CRMFNotSupported()
        if kind != "tcr":
            raise _invalid("Other request messages are not supported")

        der = _encode(tagged["tcr"]["certificationRequest"],
                      "certification request")
        requests.append(TaggedCertificationRequest(
            body_part_id=int(tagged["tcr"]["bodyPartID"]),
            csr=pki_csr.check_pkcs10(der), der=der))
    if not requests:
        raise _invalid("No certification request")
    return tuple(requests)


def _request_controls(
        pki_data: rfc6402.PKIData,
) -> tuple[int | None, bytes | None, tuple[tuple[str, bytes], ...]]:
    """transactionId, senderNonce (RFC 5272 section 6.6) and the rest."""
    transaction_id = None
    sender_nonce = None
    others = []
    for control in pki_data["controlSequence"]:
        attr_type = control["attrType"]
        if attr_type == rfc6402.id_cmc_transactionId:
            if transaction_id is not None:
                raise _invalid("Duplicate transactionId")
            transaction_id = int(_single_value(
                control, "attrValues", univ.Integer(), "transactionId"))
        elif attr_type == rfc6402.id_cmc_senderNonce:
            if sender_nonce is not None:
                raise _invalid("Duplicate senderNonce")
            sender_nonce = bytes(_single_value(
                control, "attrValues", univ.OctetString(), "senderNonce"))
        else:
            others.append((str(attr_type),
                           _encode(control["attrValues"], "control")))
    return transaction_id, sender_nonce, tuple(others)


def _verify_request_signer(
        signed_data: rfc5652.SignedData, content: bytes,
        requests: tuple[TaggedCertificationRequest, ...],
        trusted: Sequence[x509.Certificate],
) -> tuple[str, x509.Certificate | None]:
    signer_infos = signed_data["signerInfos"]
    if len(signer_infos) != 1:
        raise _invalid("Exactly one signer is required")
    signer_info = signer_infos[0]

    certificates = _certificates(signed_data)
    sid = signer_info["sid"]
    if sid.getName() == "subjectKeyIdentifier":
        key_id = bytes(sid["subjectKeyIdentifier"])
        for request in requests:
            if key_id == _request_key_id(request.csr):
                _verify_signer_info(signer_info, content, ID_CCT_PKI_DATA,
                                    request.csr.public_key())
                return "self", None

    certificate = _find_certificate(sid, certificates)
    _check_ra_certificate(certificate, certificates, trusted)
    _verify_signer_info(signer_info, content, ID_CCT_PKI_DATA,
                        _signer_key(certificate))
    return "ra", certificate


def _signer_key(
        certificate: x509.Certificate) -> key_types.PublicKeyTypes:
    try:
        return certificate.public_key()
    except (ValueError, crypto_exceptions.UnsupportedAlgorithm) as err:
        raise _invalid("Unsupported signer key") from err


def _request_key_id(csr: x509.CertificateSigningRequest) -> bytes:
    try:
        extension = csr.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return pki_csr.key_identifier(csr.public_key())
    return extension.value.digest


def _find_certificate(
        sid: rfc5652.SignerIdentifier,
        certificates: list[x509.Certificate]) -> x509.Certificate:
    """The certificate a SignerIdentifier names (RFC 5652 section 5.3)."""
    if sid.getName() == "subjectKeyIdentifier":
        key_id = bytes(sid["subjectKeyIdentifier"])
        matches = [c for c in certificates if _certificate_key_id(c) == key_id]
    else:
        issuer = _encode(sid["issuerAndSerialNumber"]["issuer"], "signer")
        serial = int(sid["issuerAndSerialNumber"]["serialNumber"])
        matches = [c for c in certificates
                   if c.serial_number == serial
                   and c.issuer.public_bytes() == issuer]
    if not matches:
        raise _invalid("Signer not found")
    return matches[0]


def _certificate_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        extension = certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier)
        return extension.value.digest
    except x509.ExtensionNotFound:
        pass
    try:
        return pki_csr.key_identifier(certificate.public_key())
    except (ValueError, TypeError, crypto_exceptions.UnsupportedAlgorithm):
        return None


def _check_ra_certificate(certificate: x509.Certificate,
                          pool: list[x509.Certificate],
                          trusted: Sequence[x509.Certificate]) -> None:
    """Check an RA certificate may sign and chains to a trust anchor."""
    _check_ra_usage(certificate)
    now = datetime.datetime.now(datetime.timezone.utc)
    current = certificate
    for below in range(MAX_CHAIN_LENGTH):
        if not (current.not_valid_before_utc <= now
                <= current.not_valid_after_utc):
            raise _invalid("Signer certificate chain is not valid now")
        if current in trusted:
            return
        current = _find_issuer(current, list(trusted) + pool, below)
    raise _invalid("Signer is not a trusted registration authority")


def _check_ra_usage(certificate: x509.Certificate) -> None:
    extensions = certificate.extensions
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if not key_usage.digital_signature:
            raise _invalid("Signer certificate may not sign CMC requests")
    except x509.ExtensionNotFound:
        pass
    try:
        usages = extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if (CMC_RA_EKU not in usages
            and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE
            not in usages):
        raise _invalid("Signer certificate may not sign CMC requests")


def _find_issuer(certificate: x509.Certificate,
                 candidates: list[x509.Certificate],
                 below: int) -> x509.Certificate:
    """The certificate that signed this one and may issue at this depth.

    ``below`` counts the CA certificates between the candidate and the RA
    certificate, for pathLenConstraint (RFC 5280 section 4.2.1.9).
    """
    for candidate in candidates:
        if (candidate.subject != certificate.issuer
                or candidate == certificate
                or not _may_issue(candidate, below)):
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (ValueError, TypeError,
                crypto_exceptions.InvalidSignature,
                crypto_exceptions.UnsupportedAlgorithm):
            continue
        return candidate
    raise _invalid("Signer is not a trusted registration authority")


def _may_issue(certificate: x509.Certificate, below: int) -> bool:
    """cA, pathLenConstraint and keyCertSign (RFC 5280 4.2.1.9, 4.2.1.3)."""
    extensions = certificate.extensions
    try:
        constraints = extensions.get_extension_for_class(
            x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca or (constraints.path_length is not None
                              and constraints.path_length < below):
        return False
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.key_cert_sign


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(
            x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca


# -- building responses -------------------------------------------------------

def build_full_pki_response(
        *,
        status: str,
        signer_key: key_types.CertificateIssuerPrivateKeyTypes,
        signer_certificate: x509.Certificate,
        certificates: Sequence[x509.Certificate] = (),
        body_part_ids: Sequence[int] = (),
        transaction_id: int | None = None,
        recipient_nonce: bytes | None = None,
        pend_token: bytes | None = None,
        pend_time: datetime.datetime | None = None,
        fail_info: str | None = None,
) -> bytes:
    """Build a signed Full PKI Response (RFC 5272 section 4.2).

    The PKIResponse (section 4.2.1) holds a CMCStatusInfoV2
    control (section 6.1.1) for ``body_part_ids``, the echoed
    transactionId, the sender's nonce as recipientNonce and a fresh
    senderNonce (section 6.6).  It is the eContent, of type
    id-cct-PKIResponse, of a SignedData (RFC 5652 section 5) with
    ``certificates`` and the signer's certificate in
    SignedData.certificates, signed attributes contentType, messageDigest
    and signingTime, signed with SHA-256 (RSA PKCS#1 v1.5 or ECDSA) or
    Ed25519 (SHA-512 digest, RFC 8419).  extendedFailInfo is never written.

    :param status: ``success``, ``pending``, ``failed`` or ``noSupport``.
    :param signer_key: the CA's private key.
    :param signer_certificate: its certificate.
    :param certificates: the issued certificate and its chain.
    :param body_part_ids: the bodyPartIDs of the requests answered.
    :param transaction_id: the request's transactionId, if any.
    :param recipient_nonce: the request's senderNonce, if any.
    :param pend_token: for ``pending``: the token to ask again with.
    :param pend_time: for ``pending``: when to ask again (naive means UTC).
    :param fail_info: for ``failed``: a CMCFailInfo name (section 6.1.4)
        such as ``badRequest``.
    :returns: the ContentInfo, DER.
    :raises ValueError: when the arguments do not fit the status, or the
        key does not match the certificate.
    :raises TypeError: when the key is not RSA, EC or Ed25519.
    """
    status_info = _status_info(status, body_part_ids, pend_token,
                               pend_time, fail_info)
    controls: list[tuple[univ.ObjectIdentifier, asn1_base.Asn1Item]] = [
        (rfc6402.id_cmc_statusInfoV2, status_info)]
    if transaction_id is not None:
        controls.append((rfc6402.id_cmc_transactionId,
                         univ.Integer(transaction_id)))
    if recipient_nonce is not None:
        controls.append((rfc6402.id_cmc_recipientNonce,
                         univ.OctetString(recipient_nonce)))
    controls.append((rfc6402.id_cmc_senderNonce,
                     univ.OctetString(os.urandom(_SENDER_NONCE_BYTES))))

    content = der_encoder.encode(_pki_response(controls))
    certificates = list(certificates)
    if signer_certificate not in certificates:
        certificates.append(signer_certificate)
    return _signed_data(content, ID_CCT_PKI_RESPONSE, signer_key,
                        signer_certificate, certificates)


def _status_info(status: str, body_part_ids: Sequence[int],
                 pend_token: bytes | None,
                 pend_time: datetime.datetime | None,
                 fail_info: str | None) -> CMCStatusInfoV2:
    _check_status_arguments(status, pend_token, pend_time, fail_info)
    info = CMCStatusInfoV2()
    info["cMCStatus"] = status
    info["bodyList"] = _body_list(body_part_ids)

    # Only pending has a pend_time and only failed a fail_info.
    if pend_time is not None:
        info["otherInfo"]["pendInfo"]["pendToken"] = pend_token
        info["otherInfo"]["pendInfo"]["pendTime"] = _generalized_time(
            pend_time)
    elif fail_info is not None:
        info["otherInfo"]["failInfo"] = fail_info
    return info


def _check_status_arguments(status: str, pend_token: bytes | None,
                            pend_time: datetime.datetime | None,
                            fail_info: str | None) -> None:
    if status not in _RESPONSE_STATUSES:
        raise ValueError("status must be one of %s"
                         % ", ".join(_RESPONSE_STATUSES))
    pending = status == "pending"
    if pending != (pend_token is not None) or pending != (
            pend_time is not None):
        raise ValueError("pend_token and pend_time are required with, and "
                         "only with, status pending")
    if (status == "failed") != (fail_info is not None):
        raise ValueError("fail_info is required with, and only with, "
                         "status failed")
    if fail_info is not None and (
            not isinstance(fail_info, str)
            or fail_info not in rfc6402.CMCFailInfo.namedValues):
        raise ValueError("fail_info must be a CMCFailInfo name")


def _body_list(body_part_ids: Sequence[int]) -> univ.SequenceOf:
    body_list = univ.SequenceOf(componentType=rfc6402.BodyPartReference())
    for body_part_id in body_part_ids:
        if not 0 <= body_part_id <= _BODY_PART_ID_MAX:
            raise ValueError("body part ids must be between 0 and %d"
                             % _BODY_PART_ID_MAX)
        reference = rfc6402.BodyPartReference()
        reference["bodyPartID"] = body_part_id
        body_list.append(reference)
    return body_list


def _generalized_time(moment: datetime.datetime) -> useful.GeneralizedTime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return useful.GeneralizedTime(moment.strftime("%Y%m%d%H%M%SZ"))


def _pki_response(
        controls: list[tuple[univ.ObjectIdentifier, asn1_base.Asn1Item]],
) -> rfc6402.PKIResponse:
    response = rfc6402.PKIResponse()
    for body_part_id, (attr_type, value) in enumerate(controls, start=1):
        control = rfc6402.TaggedAttribute()
        control["bodyPartID"] = body_part_id
        control["attrType"] = attr_type
        control["attrValues"].append(der_encoder.encode(value))
        response["controlSequence"].append(control)
    return response


def _signed_data(content: bytes, content_type: univ.ObjectIdentifier,
                 signer_key: key_types.CertificateIssuerPrivateKeyTypes,
                 signer_certificate: x509.Certificate,
                 certificates: list[x509.Certificate]) -> bytes:
    """Sign content into a ContentInfo of SignedData (RFC 5652 section 5)."""
    key = _signer_private_key(signer_key, signer_certificate)
    digest: hashes.HashAlgorithm = hashes.SHA256()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        digest = hashes.SHA512()

    signed_data = rfc5652.SignedData()
    signed_data["version"] = "v3"
    signed_data["digestAlgorithms"].append(_digest_identifier(digest))
    signed_data["encapContentInfo"]["eContentType"] = content_type
    signed_data["encapContentInfo"]["eContent"] = content
    for certificate in certificates:
        choice = rfc5652.CertificateChoices()
        choice["certificate"] = _asn1_certificate(certificate)
        signed_data["certificates"].append(choice)
    signed_data["signerInfos"].append(_signer_info(
        content, content_type, digest, key, signer_certificate))

    content_info = rfc5652.ContentInfo()
    content_info["contentType"] = rfc5652.id_signedData
    content_info["content"] = der_encoder.encode(signed_data)
    return bytes(der_encoder.encode(content_info))


def _signer_private_key(signer_key: object,
                        signer_certificate: x509.Certificate) -> _SignerKey:
    if not isinstance(signer_key, (rsa.RSAPrivateKey,
                                   ec.EllipticCurvePrivateKey,
                                   ed25519.Ed25519PrivateKey)):
        raise TypeError("signer_key must be an RSA, EC or Ed25519 private "
                        "key")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if (signer_key.public_key().public_bytes(der, spki)
            != signer_certificate.public_key().public_bytes(der, spki)):
        raise ValueError("signer_key does not match signer_certificate")
    return signer_key


def _digest_identifier(
        digest: hashes.HashAlgorithm) -> rfc5280.AlgorithmIdentifier:
    identifier = rfc5280.AlgorithmIdentifier()
    identifier["algorithm"] = univ.ObjectIdentifier(_DIGEST_OIDS[digest.name])
    return identifier


def _asn1_certificate(certificate: x509.Certificate) -> rfc5280.Certificate:
    der = certificate.public_bytes(serialization.Encoding.DER)
    value, _ = ber_decoder.decode(der, asn1Spec=rfc5280.Certificate())
    return value


def _signer_info(content: bytes, content_type: univ.ObjectIdentifier,
                 digest: hashes.HashAlgorithm, signer_key: _SignerKey,
                 signer_certificate: x509.Certificate) -> rfc5652.SignerInfo:
    signer_info = rfc5652.SignerInfo()
    signer_info["version"] = "v1"
    sid = signer_info["sid"]["issuerAndSerialNumber"]
    sid["issuer"] = ber_decoder.decode(
        signer_certificate.issuer.public_bytes(), asn1Spec=rfc5280.Name())[0]
    sid["serialNumber"] = signer_certificate.serial_number
    signer_info["digestAlgorithm"] = _digest_identifier(digest)

    attributes = signer_info["signedAttrs"]
    now = datetime.datetime.now(datetime.timezone.utc)
    for attr_type, value in (
            (rfc5652.id_contentType, content_type),
            (rfc5652.id_messageDigest,
             univ.OctetString(_hash(digest, content))),
            (rfc5652.id_signingTime, _signing_time(now))):
        attribute = rfc5652.Attribute()
        attribute["attrType"] = attr_type
        attribute["attrValues"].append(der_encoder.encode(value))
        attributes.append(attribute)

    signed = b"\x31" + der_encoder.encode(attributes)[1:]
    signature, algorithm = _sign(signer_key, digest, signed)
    signer_info["signatureAlgorithm"] = algorithm
    signer_info["signature"] = signature
    return signer_info


def _signing_time(moment: datetime.datetime) -> rfc5652.Time:
    """UTCTime up to 2049, GeneralizedTime after (RFC 5652 section 11.3)."""
    time = rfc5652.Time()
    if moment.year < 2050:
        time["utcTime"] = useful.UTCTime(moment.strftime("%y%m%d%H%M%SZ"))
    else:
        time["generalTime"] = _generalized_time(moment)
    return time


def _sign(signer_key: _SignerKey,
          digest: hashes.HashAlgorithm,
          data: bytes) -> tuple[bytes, rfc5280.AlgorithmIdentifier]:
    algorithm = rfc5280.AlgorithmIdentifier()
    if isinstance(signer_key, rsa.RSAPrivateKey):
        algorithm["algorithm"] = univ.ObjectIdentifier(
            "1.2.840.113549.1.1.11")
        algorithm["parameters"] = der_encoder.encode(univ.Null(""))
        signature = signer_key.sign(data, padding.PKCS1v15(), digest)
    elif isinstance(signer_key, ec.EllipticCurvePrivateKey):
        algorithm["algorithm"] = univ.ObjectIdentifier("1.2.840.10045.4.3.2")
        signature = signer_key.sign(data, ec.ECDSA(digest))
    else:
        algorithm["algorithm"] = univ.ObjectIdentifier("1.3.101.112")
        signature = signer_key.sign(data)
    return signature, algorithm


def build_certs_only_response(
        certificates: Sequence[x509.Certificate]) -> bytes:
    """Build a Simple PKI Response (RFC 5272 section 4.1).

    A degenerate SignedData: no content, no signer, the certificates in
    SignedData.certificates.

    :param certificates: the issued certificate and its chain.
    :returns: the ContentInfo, DER.
    :raises ValueError: when no certificate is given.
    """
    if not certificates:
        raise ValueError("certificates must hold at least one certificate")
    return pkcs7.serialize_certificates(list(certificates),
                                        serialization.Encoding.DER)


# -- parsing responses --------------------------------------------------------

def parse_cmc_response(
        der: bytes,
        request_public_key: key_types.PublicKeyTypes | None = None,
        plugin_meta: dict[str, str] | None = None,
) -> ResultDTO:
    """Turn a CMC response from a CA into the result of a plugin call.

    Accepted: a Full PKI Response (RFC 5272 section 4.2) and a Simple
    PKI Response (section 4.1).  Parsing is lenient: controls
    other than CMCStatusInfoV2 and CMCStatusInfo are ignored,
    extendedFailInfo is skipped, a response without status is a success
    when it carries certificates.  When a response holds several statuses
    the worst counts (failed, noSupport, other, pending, success).

    The CA is not authenticated here: whoever calls this trusts the
    channel the response came through.  When the signer's certificate is
    in the response its signature is checked, so a damaged response is
    refused.

    Results (SPEC section 5):

    * success: CERTIFICATE_GENERATED; the leaf is the certificate for
      ``request_public_key`` or, without it, the one certificate that is
      neither a CA nor the response signer; ``intermediates`` is a PEM
      PKCS#7 of the other certificates (a non-CA response signer left
      out), or None;
    * pending: WAITING_FOR_CA; the pendToken goes base64 into
      ``plugin_meta[PEND_TOKEN_META_KEY]``, ``retry_msec`` counts to
      pendTime (:data:`DEFAULT_RETRY_MSEC` without one);
    * failed: CA_UNAVAILABLE_FOR_REQUEST for internalCAError and tryLater,
      CLIENT_DATA_ISSUE_SEEN for every other CMCFailInfo or none;
    * noSupport and any other status: INVALID_OPERATION.

    :param der: the response, DER (BER is accepted).
    :param request_public_key: the key of the request, to find the leaf.
    :param plugin_meta: the plugin's persisted data, updated in place.
    :returns: the result.
    :raises barbican_certs.common.exception.InvalidCMCData: when the
        response cannot be parsed, its signature does not verify, or it
        reports success without a certificate that can be the leaf.
    """
    signed_data = _decode_signed_data(der, "CMC response")
    certificates = _certificates(signed_data)
    content_type = signed_data["encapContentInfo"]["eContentType"]

    signer = None
    if content_type == ID_CCT_PKI_RESPONSE:
        content = _encapsulated_content(signed_data, "CMC response")
        signer = _check_response_signature(signed_data, content,
                                           certificates)
        response = _decode(content, rfc6402.PKIResponse(), "PKIResponse")
        statuses = _response_statuses(response)
    elif content_type == rfc5652.id_data:
        statuses = []
    else:
        raise _invalid("Not a CMC response")

    status = _dominant_status(statuses, certificates)
    LOG.debug("CMC response %(fp)s: %(status)s",
              {"fp": pki_csr.fingerprint(der), "status": status.name})
    return _result(status, certificates, signer, request_public_key,
                   plugin_meta)


def _check_response_signature(
        signed_data: rfc5652.SignedData, content: bytes,
        certificates: list[x509.Certificate]) -> x509.Certificate | None:
    signer = None
    for signer_info in signed_data["signerInfos"]:
        try:
            certificate = _find_certificate(signer_info["sid"], certificates)
        except exception.InvalidCMCData:
            LOG.debug("CMC response signer certificate not included; "
                      "signature not checked")
            continue
        _verify_signer_info(signer_info, content, ID_CCT_PKI_RESPONSE,
                            _signer_key(certificate))
        signer = signer or certificate
    return signer


def _response_statuses(response: rfc6402.PKIResponse) -> list[_Status]:
    statuses = []
    for control in response["controlSequence"]:
        if control["attrType"] not in (rfc6402.id_cmc_statusInfoV2,
                                       rfc6402.id_cmc_statusInfo):
            continue
        for value in control["attrValues"]:
            info = _decode(bytes(value), _AnyStatusInfo(), "status")
            statuses.append(_status(info))
    return statuses


def _status(info: _AnyStatusInfo) -> _Status:
    code = int(info["cMCStatus"])
    name = rfc6402.CMCStatus.namedValues.getName(code) or str(code)
    other = info["otherInfo"]
    raw = bytes(other) if other.isValue else b""

    if raw[:1] == b"\x02":
        fail = int(_decode(raw, rfc6402.CMCFailInfo(), "failInfo"))
        return _Status(name, fail_info=(
            rfc6402.CMCFailInfo.namedValues.getName(fail) or str(fail)))
    if raw[:1] == b"\x30":
        try:
            pend_info, rest = ber_decoder.decode(
                raw, asn1Spec=rfc6402.PendInfo())
            pend_time = pend_info["pendTime"].asDateTime
        except (asn1_error.PyAsn1Error, ValueError):
            # An untagged extendedFailInfo, as RFC 5272 first wrote it.
            return _Status(name)
        return _Status(name, pend_token=bytes(pend_info["pendToken"]),
                       pend_time=pend_time)
    return _Status(name)


def _dominant_status(statuses: list[_Status],
                     certificates: list[x509.Certificate]) -> _Status:
    if statuses:
        return min(statuses, key=lambda s: _STATUS_RANK.get(s.name, 2))
    if not certificates:
        raise _invalid("No status in CMC response")
    return _Status("success")


def _result(status: _Status, certificates: list[x509.Certificate],
            signer: x509.Certificate | None,
            request_public_key: key_types.PublicKeyTypes | None,
            plugin_meta: dict[str, str] | None) -> ResultDTO:
    if status.name == "success":
        return _issued(certificates, signer, request_public_key)
    if status.name == "pending":
        return _pending(status, plugin_meta)
    if status.name == "failed":
        return _failed(status)

    if status.name == "noSupport":
        message = "CA does not support the request"
    else:
        message = "Unsupported CMC status %s" % status.name
    return ResultDTO(status=CertificateStatus.INVALID_OPERATION,
                     status_message=message)


def _issued(certificates: list[x509.Certificate],
            signer: x509.Certificate | None,
            request_public_key: key_types.PublicKeyTypes | None) -> ResultDTO:
    if not certificates:
        raise _invalid("No certificate in the response")
    leaf = _leaf(certificates, signer, request_public_key)
    rest = [c for c in certificates
            if c != leaf and not (c == signer and not _is_ca(c))]
    pem = serialization.Encoding.PEM
    return ResultDTO(
        status=CertificateStatus.CERTIFICATE_GENERATED,
        certificate=leaf.public_bytes(pem),
        intermediates=pkcs7.serialize_certificates(rest, pem) if rest
        else None)


def _leaf(certificates: list[x509.Certificate],
          signer: x509.Certificate | None,
          request_public_key: key_types.PublicKeyTypes | None,
          ) -> x509.Certificate:
    if request_public_key is not None:
        wanted = _spki(request_public_key)
        for certificate in certificates:
            if _certificate_spki(certificate) == wanted:
                return certificate
        raise _invalid("No certificate for the request key")

    candidates = [c for c in certificates if c != signer]
    end_entities = [c for c in candidates if not _is_ca(c)]
    if len(end_entities) == 1:
        return end_entities[0]
    if not end_entities and len(candidates) == 1:
        return candidates[0]
    raise _invalid("Cannot tell which certificate was issued")


def _spki(public_key: key_types.PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def _certificate_spki(certificate: x509.Certificate) -> bytes | None:
    try:
        return _spki(certificate.public_key())
    except (ValueError, crypto_exceptions.UnsupportedAlgorithm):
        return None


def _pending(status: _Status,
             plugin_meta: dict[str, str] | None) -> ResultDTO:
    if plugin_meta is not None and status.pend_token is not None:
        plugin_meta[PEND_TOKEN_META_KEY] = base64.b64encode(
            status.pend_token).decode("ascii")

    retry_msec = DEFAULT_RETRY_MSEC
    if status.pend_time is not None:
        pend_time = status.pend_time
        if pend_time.tzinfo is None:
            pend_time = pend_time.replace(tzinfo=datetime.timezone.utc)
        delay = pend_time - datetime.datetime.now(datetime.timezone.utc)
        retry_msec = max(0, int(delay.total_seconds() * 1000))
    return ResultDTO(status=CertificateStatus.WAITING_FOR_CA,
                     status_message="CA has not issued the certificate yet",
                     retry_msec=retry_msec)


def _failed(status: _Status) -> ResultDTO:
    if status.fail_info in _CA_FAILURES:
        return ResultDTO(
            status=CertificateStatus.CA_UNAVAILABLE_FOR_REQUEST,
            status_message="CA could not process the request: %s"
                           % status.fail_info)
    reason = status.fail_info or "no reason given"
    return ResultDTO(status=CertificateStatus.CLIENT_DATA_ISSUE_SEEN,
                     status_message="CA rejected the request: %s" % reason)
