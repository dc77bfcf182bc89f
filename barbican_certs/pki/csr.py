"""PKCS#10 requests, distinguished names and request extensions.

Everything a client sends about the certificate it wants passes through
this module before an order is accepted (SPEC section 3.3):

* ``request_data`` of a ``simple-cmc`` order: PEM, base64 of PEM or base64
  of DER (:func:`decode_request_data`), then a PKCS#10 request (RFC 2986)
  whose signature proves possession of its key and whose key is strong
  enough (:func:`load_pkcs10`, :func:`check_pkcs10`);
* ``subject_dn`` and ``extensions`` of a ``stored-key`` order
  (:func:`parse_subject_dn`, RFC 4514; :func:`parse_extensions`, RFC 5280
  section 4.1), from which the core builds a PKCS#10 request signed with the
  stored key (:func:`build_pkcs10`).

Every refusal is one of the exceptions of
:mod:`barbican_certs.common.exception`; texts from cryptography or pyasn1
never reach a client.  Requests are logged at debug level only, as a
SHA-256 fingerprint and a subject.

SHA-1 and MD5 signed requests are refused with a reason naming the digest:
cryptography does not verify them, and RFC 9155 and CA/Browser Forum rules
retired SHA-1 signatures.
"""

import base64
import binascii
import hashlib
import logging
import re

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import types as key_types
from cryptography.x509.oid import NameOID
from pyasn1 import error as asn1_error
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import char
from pyasn1.type import namedtype
from pyasn1.type import univ
from pyasn1_modules import rfc2986
from pyasn1_modules import rfc5280

from barbican_certs.common import exception

LOG = logging.getLogger(__name__)

#: Deepest nesting of constructed BER elements accepted from a client;
#: CMC messages with certificates inside stay under 16.
MAX_NESTING_DEPTH = 32
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 16384
ACCEPTED_CURVES = ("secp256r1", "secp384r1", "secp521r1")

_EXTENSION_REQUEST = univ.ObjectIdentifier("1.2.840.113549.1.9.14")
_REFUSED_DIGESTS = {"sha1": "SHA-1", "md5": "MD5"}
_KEY_TYPE_NAMES = (
    (dsa.DSAPublicKey, "DSA"),
    (ed448.Ed448PublicKey, "Ed448"),
)
_SIGNING_KEY_TYPES = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
    dsa.DSAPrivateKey,
)

# RFC 7468 section 2: one encapsulation boundary pair with matching labels;
# explanatory text around it is allowed.
_PEM_BLOCK = re.compile(
    rb"-----BEGIN ([^\r\n]*?)-----(.*?)-----END \1-----", re.DOTALL)

# RFC 4514 section 3 and RFC 4512 section 1.4: a descriptor or a dotted
# numeric OID.
_NUMERIC_OID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+\Z")
_ESCAPABLE = ' "#+,;<=>\\'

# Attribute type names accepted in a subject DN, matched without regard to
# case (RFC 4514 section 3).  Those of RFC 4514 section 3 first, then the
# names OpenSSL and most CAs print.
_ATTRIBUTE_TYPES = {
    name.lower(): oid
    for name, oid in (
        ("CN", NameOID.COMMON_NAME),
        ("L", NameOID.LOCALITY_NAME),
        ("ST", NameOID.STATE_OR_PROVINCE_NAME),
        ("O", NameOID.ORGANIZATION_NAME),
        ("OU", NameOID.ORGANIZATIONAL_UNIT_NAME),
        ("C", NameOID.COUNTRY_NAME),
        ("STREET", NameOID.STREET_ADDRESS),
        ("DC", NameOID.DOMAIN_COMPONENT),
        ("UID", NameOID.USER_ID),
        ("emailAddress", NameOID.EMAIL_ADDRESS),
        ("serialNumber", NameOID.SERIAL_NUMBER),
        ("SN", NameOID.SURNAME),
        ("GN", NameOID.GIVEN_NAME),
        ("givenName", NameOID.GIVEN_NAME),
        ("title", NameOID.TITLE),
        ("initials", NameOID.INITIALS),
        ("generationQualifier", NameOID.GENERATION_QUALIFIER),
        ("dnQualifier", NameOID.DN_QUALIFIER),
        ("pseudonym", NameOID.PSEUDONYM),
        ("postalCode", NameOID.POSTAL_CODE),
        ("businessCategory", NameOID.BUSINESS_CATEGORY),
        ("organizationIdentifier", NameOID.ORGANIZATION_IDENTIFIER),
        ("jurisdictionC", NameOID.JURISDICTION_COUNTRY_NAME),
        ("jurisdictionST", NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME),
        ("jurisdictionL", NameOID.JURISDICTION_LOCALITY_NAME),
    )
}


class _DirectoryString(univ.Choice):  # type: ignore[misc]
    """The character string types a ``#``-encoded DN value may use."""


_DirectoryString.componentType = namedtype.NamedTypes(
    namedtype.NamedType("utf8String", char.UTF8String()),
    namedtype.NamedType("printableString", char.PrintableString()),
    namedtype.NamedType("ia5String", char.IA5String()),
    namedtype.NamedType("teletexString", char.TeletexString()),
    namedtype.NamedType("bmpString", char.BMPString()),
    namedtype.NamedType("universalString", char.UniversalString()),
    namedtype.NamedType("visibleString", char.VisibleString()),
    namedtype.NamedType("numericString", char.NumericString()),
)


class BERNestingError(ValueError):
    """Raised by :func:`check_ber_structure` for input nested too deeply."""


# -- BER structure ------------------------------------------------------------

def check_ber_structure(data: bytes,
                        max_depth: int = MAX_NESTING_DEPTH) -> None:
    """Check the tag-length framing of BER input before a decoder sees it.

    A walk over the identifier and length octets of X.690 section 8.1,
    without recursion: every definite length must fit in the data, long
    lengths have at most eight octets, indefinite lengths (section 8.1.3.6)
    are allowed on constructed elements only, and constructed elements
    nest at most ``max_depth`` deep.  Contents are not interpreted, so
    hostile input can neither exhaust the decoder's stack nor make it
    allocate or seek by an absurd length.

    :param data: the input.
    :param max_depth: the deepest nesting allowed.
    :raises BERNestingError: when the input is nested too deeply.
    :raises ValueError: when the framing is broken.
    """
    ends: list[int | None] = []
    pos = 0
    while pos < len(data):
        while ends and ends[-1] is not None and pos >= ends[-1]:
            ends.pop()
        if ends and ends[-1] is None and data[pos:pos + 2] == b"\0\0":
            ends.pop()
            pos += 2
            continue

        constructed = bool(data[pos] & 0x20)
        pos, length = _read_ber_header(data, pos)
        if length is None and not constructed:
            raise ValueError("indefinite length on a primitive element")
        if length is not None:
            if pos + length > len(data):
                raise ValueError("length beyond the data")
            if not constructed:
                pos += length
                continue
        if len(ends) >= max_depth:
            raise BERNestingError("nested deeper than %d" % max_depth)
        ends.append(None if length is None else pos + length)


def _read_ber_header(data: bytes, pos: int) -> tuple[int, int | None]:
    if data[pos] & 0x1F == 0x1F:
        pos += 1
        while pos < len(data) and data[pos] & 0x80:
            pos += 1
    pos += 1
    if pos >= len(data):
        raise ValueError("truncated header")

    first = data[pos]
    pos += 1
    if first == 0x80:
        return pos, None
    if first < 0x80:
        return pos, first
    size = first & 0x7F
    if size > 8 or pos + size > len(data):
        raise ValueError("bad length")
    return pos + size, int.from_bytes(data[pos:pos + size], "big")


# -- request data -------------------------------------------------------------

def decode_request_data(data: str | bytes) -> bytes:
    """Turn ``request_data`` as a client sent it into DER.

    Accepted encodings (SPEC section 3.3): PEM text with any label and
    optional explanatory text around it (RFC 7468 section 2); base64 of
    such PEM text (what Barbican documented); base64 of DER.  Base64 is
    decoded strictly, once whitespace and line breaks are removed.  The DER
    is not parsed here.

    :param data: the request as text or bytes.
    :returns: the DER bytes.
    :raises barbican_certs.common.exception.UnableToDecodeRequestData: when
        none of the encodings applies.
    """
    raw = _to_bytes(data)
    if b"-----BEGIN" in raw:
        return _pem_to_der(raw)

    decoded = _strict_base64(raw)
    if b"-----BEGIN" in decoded:
        return _pem_to_der(decoded)
    return decoded


def _to_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if not isinstance(data, str):
        raise exception.UnableToDecodeRequestData("not text")
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError as err:
        raise exception.UnableToDecodeRequestData("not UTF-8") from err


def _pem_to_der(raw: bytes) -> bytes:
    blocks = _PEM_BLOCK.findall(raw)
    if len(blocks) != 1:
        raise exception.UnableToDecodeRequestData(
            "%d PEM blocks" % len(blocks))

    body = blocks[0][1]
    if b":" in body:
        # RFC 1421 headers (encrypted PEM) have no place in a request.
        raise exception.UnableToDecodeRequestData("PEM headers")
    return _strict_base64(body)


def _strict_base64(raw: bytes) -> bytes:
    compact = b"".join(raw.split())
    try:
        decoded = base64.b64decode(compact, validate=True)
    except binascii.Error as err:
        raise exception.UnableToDecodeRequestData("not base64") from err
    if not decoded:
        raise exception.UnableToDecodeRequestData("empty")
    return decoded


# -- PKCS#10 ------------------------------------------------------------------

def load_pkcs10(data: str | bytes) -> x509.CertificateSigningRequest:
    """Decode, parse and check a PKCS#10 request sent by a client.

    :param data: ``request_data`` in any encoding of
        :func:`decode_request_data`.
    :returns: the request, checked as :func:`check_pkcs10` does.
    :raises barbican_certs.common.exception.UnableToDecodeRequestData: when
        the data cannot be decoded.
    :raises barbican_certs.common.exception.InvalidPKCS10Data: when the
        request is malformed, unsigned by its key or its key is too weak.
    """
    return check_pkcs10(decode_request_data(data))


def check_pkcs10(der: bytes) -> x509.CertificateSigningRequest:
    """Parse a DER PKCS#10 request and check it can be certified.

    The checks, in order: it parses as a CertificationRequest (RFC 2986
    section 4.2); its key is RSA of 2048 to 16384 bits, EC on P-256, P-384
    or P-521, or Ed25519; its signature uses neither SHA-1 nor MD5 and
    verifies with its own key, the proof of possession of RFC 2986
    section 3 and RFC 5272 section 3.2.1.2.1; its extensionRequest
    attribute, if any, parses.

    :param der: the request, DER.
    :returns: the request.
    :raises barbican_certs.common.exception.InvalidPKCS10Data: with
        ``Bad format``, ``Signing key incorrect`` or a text naming what is
        wrong with the key or the signature algorithm.
    """
    csr = _parse_csr(der)
    check_public_key(_public_key(csr))
    _check_signature(csr)
    _check_extension_request(csr)

    LOG.debug("PKCS#10 request %(fp)s accepted for %(subject)s",
              {"fp": fingerprint(der),
               "subject": csr.subject.rfc4514_string()})
    return csr


def check_public_key(public_key: key_types.PublicKeyTypes) -> None:
    """Check that a key is one the service will certify.

    Accepted: RSA of :data:`MIN_RSA_BITS` to :data:`MAX_RSA_BITS` bits
    (NIST SP 800-131A), EC on P-256, P-384 or P-521 (RFC 5480 section 2.1.1)
    and Ed25519 (RFC 8410).

    :param public_key: the key to check.
    :raises barbican_certs.common.exception.InvalidPKCS10Data: with a reason
        saying what is wrong with the key.
    """
    if isinstance(public_key, rsa.RSAPublicKey):
        _check_rsa_size(public_key.key_size)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in ACCEPTED_CURVES:
            raise exception.InvalidPKCS10Data(
                reason="EC curve %s is not accepted; use P-256, P-384 or "
                       "P-521" % public_key.curve.name)
    elif not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise exception.InvalidPKCS10Data(
            reason="%s keys are not accepted; use RSA, EC or Ed25519"
                   % _key_type_name(public_key))


def _check_rsa_size(bits: int) -> None:
    if bits < MIN_RSA_BITS:
        raise exception.InvalidPKCS10Data(
            reason="RSA key of %d bits is too weak; at least %d required"
                   % (bits, MIN_RSA_BITS))
    if bits > MAX_RSA_BITS:
        raise exception.InvalidPKCS10Data(
            reason="RSA key of %d bits is too large; at most %d accepted"
                   % (bits, MAX_RSA_BITS))


def _key_type_name(public_key: object) -> str:
    for key_type, name in _KEY_TYPE_NAMES:
        if isinstance(public_key, key_type):
            return name
    return type(public_key).__name__.removesuffix("PublicKey")


def _parse_csr(der: bytes) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_der_x509_csr(der)
        # The subject is only decoded on first use.
        _ = csr.subject
    except (ValueError, x509.InvalidVersion) as err:
        raise exception.InvalidPKCS10Data(reason="Bad format") from err
    return csr


def _public_key(
        csr: x509.CertificateSigningRequest) -> key_types.PublicKeyTypes:
    try:
        return csr.public_key()
    except (ValueError, crypto_exceptions.UnsupportedAlgorithm) as err:
        raise exception.InvalidPKCS10Data(
            reason="Unsupported public key algorithm") from err


def _check_signature(csr: x509.CertificateSigningRequest) -> None:
    try:
        digest = csr.signature_hash_algorithm
        valid = csr.is_signature_valid
    except (ValueError, crypto_exceptions.UnsupportedAlgorithm) as err:
        raise exception.InvalidPKCS10Data(
            reason="Unsupported signature algorithm") from err

    if digest is not None and digest.name in _REFUSED_DIGESTS:
        raise exception.InvalidPKCS10Data(
            reason="%s signatures are not accepted; sign the request with "
                   "SHA-256 or stronger" % _REFUSED_DIGESTS[digest.name])
    if not valid:
        raise exception.InvalidPKCS10Data(reason="Signing key incorrect")


def _check_extension_request(csr: x509.CertificateSigningRequest) -> None:
    try:
        _ = csr.extensions
    except (ValueError, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as err:
        raise exception.InvalidPKCS10Data(
            reason="Malformed extension request") from err


def build_pkcs10(private_key: key_types.CertificateIssuerPrivateKeyTypes,
                 subject: x509.Name,
                 extensions: x509.Extensions | None = None) -> bytes:
    """Build a PKCS#10 request signed with a stored key.

    Used for ``stored-key`` orders (SPEC section 4).  The extensions go into
    an extensionRequest attribute (RFC 2985 section 5.4.2); the signature
    is SHA-256 based, or pure Ed25519 (RFC 8410 section 6).

    :param private_key: the key to certify; it must pass
        :func:`check_public_key`.
    :param subject: the subject name.
    :param extensions: the extensions to request, or None.
    :returns: the request, DER.
    :raises TypeError: when ``private_key`` is not a private key.
    :raises barbican_certs.common.exception.InvalidPKCS10Data: when the key
        is of a refused type or size.
    """
    if not isinstance(private_key, _SIGNING_KEY_TYPES):
        raise TypeError("private_key must be an RSA, EC or Ed25519 "
                        "private key")
    check_public_key(private_key.public_key())

    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    for extension in extensions or ():
        builder = builder.add_extension(extension.value,
                                        critical=extension.critical)

    digest = None if isinstance(
        private_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    request = builder.sign(private_key, digest)
    return request.public_bytes(serialization.Encoding.DER)


def key_identifier(
        public_key: key_types.CertificatePublicKeyTypes) -> bytes:
    """Compute the key identifier of a public key.

    RFC 5280 section 4.2.1.2, method 1: the SHA-1 hash of the value of the
    subjectPublicKey BIT STRING, without tag, length and unused-bits octet.

    :param public_key: the key.
    :returns: 20 bytes.
    :raises TypeError: for a key type cryptography cannot encode.
    """
    return x509.SubjectKeyIdentifier.from_public_key(public_key).digest


def fingerprint(der: bytes) -> str:
    """Return the SHA-256 fingerprint of a DER blob, as lowercase hex.

    This is how requests and CMC messages appear in debug logs.

    :param der: any bytes.
    :returns: 64 hexadecimal digits.
    """
    return hashlib.sha256(der).hexdigest()


# -- subject DN ---------------------------------------------------------------

def parse_subject_dn(text: str) -> x509.Name:
    """Parse a distinguished name written as RFC 4514 text.

    cryptography's RFC 4514 parser does the work; it is given the attribute
    names OpenSSL and most CAs print beside those of RFC 4514 section 3
    (emailAddress, serialNumber, ...), in the spellings of
    :data:`_ATTRIBUTE_TYPES`, upper and lower case.  The first RDN of the
    text is the last of the name (RFC 4514 section 2.1), so
    ``parse_subject_dn(name.rfc4514_string()) == name``.

    :param text: the DN.
    :returns: the name, never empty.
    :raises barbican_certs.common.exception.InvalidSubjectDN: when the text
        is empty, does not follow the grammar, names an unknown attribute
        type or a value the attribute does not allow.
    """
    if not isinstance(text, str) or not text.strip():
        raise exception.InvalidSubjectDN(dn=str(text))
    try:
        return x509.Name.from_rfc4514_string(_normalise_dn(text),
                                             _ATTRIBUTE_TYPES)
    except ValueError as err:
        raise exception.InvalidSubjectDN(dn=text) from err


def _normalise_dn(text: str) -> str:
    """Make a hand-written DN acceptable to cryptography's strict parser.

    Unescaped spaces around ``,``, ``+`` and ``=`` are dropped (people and
    OpenSSL write ``CN=a, O=b``) and attribute types are lower-cased, the
    spelling of :data:`_ATTRIBUTE_TYPES`; escapes are left as they are.
    """
    pieces: list[str] = []
    current: list[str] = []
    characters = iter(text)
    for unit in characters:
        if unit == "\\":
            current.append(unit + next(characters, ""))
        elif unit in ",+":
            pieces.extend([_normalise_attribute(current), unit])
            current = []
        else:
            current.append(unit)
    pieces.append(_normalise_attribute(current))
    return "".join(pieces)


def _normalise_attribute(units: list[str]) -> str:
    """``type=value`` with its outer spaces gone; units are characters or
    escape pairs, so an escaped space is never stripped."""
    if "=" not in units:
        raise ValueError("attribute without a value")
    split = units.index("=")
    name = "".join(units[:split]).strip()
    value = units[split + 1:]
    while value and value[0] == " ":
        value.pop(0)
    while value and value[-1] == " ":
        value.pop()
    if not _NUMERIC_OID.match(name):
        name = name.lower()
    text = "".join(value)
    if text.startswith("#"):
        text = _escape_value(_hex_string_value(text[1:]))
    return "%s=%s" % (name, text)


def _hex_string_value(digits: str) -> str:
    """The string a ``#`` value encodes (RFC 4514 section 2.4): the hex
    of the BER of a character string.  cryptography keeps the tag and
    length bytes in the value, so the decoding is done here."""
    try:
        der = bytes.fromhex(digits)
    except ValueError as err:
        raise ValueError("bad hex value") from err
    check_ber_structure(der)
    try:
        decoded, rest = der_decoder.decode(der, asn1Spec=_DirectoryString())
    except (asn1_error.PyAsn1Error, OverflowError) as err:
        raise ValueError("bad encoded value") from err
    if rest:
        raise ValueError("trailing data in value")
    return str(decoded.getComponent())


def _escape_value(value: str) -> str:
    """RFC 4514 section 2.4 escaping of a plain string value."""
    return "".join("\\" + unit if unit in _ESCAPABLE else unit
                   for unit in value)


# -- extensions ---------------------------------------------------------------

def parse_extensions(data: str) -> x509.Extensions:
    """Parse the ``extensions`` of a stored-key order.

    The value is base64 of a DER ``Extensions`` SEQUENCE (RFC 5280
    section 4.1).  Each extension is decoded by cryptography, so a known
    extension with a malformed value is refused; an extension cryptography
    does not know becomes :class:`cryptography.x509.UnrecognizedExtension`.

    :param data: the base64 text.
    :returns: the extensions, in order.
    :raises barbican_certs.common.exception.InvalidExtensionsData: when the
        text is not strict base64, not an Extensions SEQUENCE of at least
        one extension, holds an extension twice or a malformed value.
    """
    der = _extensions_der(data)
    try:
        check_ber_structure(der)
    except ValueError as err:
        raise exception.InvalidExtensionsData("bad framing") from err

    try:
        extensions, rest = der_decoder.decode(
            der, asn1Spec=rfc5280.Extensions())
        if rest or not len(extensions):
            raise exception.InvalidExtensionsData("not one Extensions")
        carrier = _extension_carrier(extensions)
    except asn1_error.PyAsn1Error as err:
        raise exception.InvalidExtensionsData("not Extensions") from err

    try:
        return x509.load_der_x509_csr(carrier).extensions
    except (ValueError, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as err:
        raise exception.InvalidExtensionsData("bad extension") from err


def _extensions_der(data: object) -> bytes:
    if not isinstance(data, str):
        raise exception.InvalidExtensionsData("not text")
    compact = "".join(data.split())
    try:
        return base64.b64decode(compact.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as err:
        raise exception.InvalidExtensionsData("not base64") from err


def _extension_carrier(extensions: rfc5280.Extensions) -> bytes:
    """Wrap extensions in an unsigned PKCS#10 request cryptography reads.

    cryptography decodes extensions only as part of a certificate, request
    or CRL; an extensionRequest attribute (RFC 2985 section 5.4.2) of a
    request with an empty subject, a dummy Ed25519 key and a zero signature
    is the smallest such structure.  The request is never verified.
    """
    ed25519_id = rfc5280.AlgorithmIdentifier()
    ed25519_id["algorithm"] = univ.ObjectIdentifier("1.3.101.112")

    info = rfc2986.CertificationRequestInfo()
    info["version"] = 0
    info["subject"]["rdnSequence"] = rfc5280.RDNSequence()
    info["subjectPKInfo"]["algorithm"] = ed25519_id
    info["subjectPKInfo"]["subjectPublicKey"] = univ.BitString(
        hexValue="00" * 32)

    attribute = rfc2986.Attribute()
    attribute["type"] = _EXTENSION_REQUEST
    attribute["values"].append(der_encoder.encode(extensions))
    info["attributes"].append(attribute)

    request = rfc2986.CertificationRequest()
    request["certificationRequestInfo"] = info
    request["signatureAlgorithm"] = ed25519_id
    request["signature"] = univ.BitString(hexValue="00" * 64)
    return bytes(der_encoder.encode(request))
