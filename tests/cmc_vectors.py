"""Test material for PKCS#10 and CMC: keys, certificates, CSRs, requests.

Every key is generated when the session starts; nothing secret is
committed.  Full CMC requests are signed by ``openssl cms`` so that the
parser is checked against an implementation other than ours.
"""

import datetime
import pathlib
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import univ
from pyasn1_modules import rfc5652
from pyasn1_modules import rfc6402

from barbican_certs.pki import cmc

PKI_DATA_OID = "1.3.6.1.5.5.7.12.2"
CMC_RA_EKU = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.28")
ONE_DAY = datetime.timedelta(days=1)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class PKIFactory:
    """Makes the test material; one instance per session."""

    def __init__(self, workdir: pathlib.Path) -> None:
        self.workdir = workdir
        self._count = 0
        self.rsa_key = rsa.generate_private_key(65537, 2048)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.ed25519_key = ed25519.Ed25519PrivateKey.generate()
        self.anchor_key = ec.generate_private_key(ec.SECP256R1())
        self.anchor = self.certificate(
            self.anchor_key, "Test RA Anchor", ca=True)
        self.ra_key = ec.generate_private_key(ec.SECP256R1())
        self.ra_cert = self.certificate(
            self.ra_key, "Test RA", issuer=(self.anchor, self.anchor_key),
            eku=[CMC_RA_EKU])

    # -- names, CSRs and certificates -----------------------------------------

    @staticmethod
    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             common_name)])

    def csr(self, key=None, common_name="client.example",
            extensions=()) -> bytes:
        key = key or self.ec_key
        digest = hashes.SHA256()
        builder = x509.CertificateSigningRequestBuilder().subject_name(
            self.name(common_name))
        for extension in extensions:
            builder = builder.add_extension(extension, critical=False)
        if isinstance(key, ed25519.Ed25519PrivateKey):
            digest = None
        csr = builder.sign(key, digest)
        return csr.public_bytes(serialization.Encoding.DER)

    def certificate(self, key, common_name, *, issuer=None, ca=False,
                    eku=None, key_usage=None, ski=True, constraints=True,
                    path_length=None, not_before=None,
                    not_after=None) -> x509.Certificate:
        issuer_cert, issuer_key = issuer or (None, key)
        issuer_name = (issuer_cert.subject if issuer_cert
                       else self.name(common_name))
        builder = (
            x509.CertificateBuilder()
            .subject_name(self.name(common_name))
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or _now() - ONE_DAY)
            .not_valid_after(not_after or _now() + ONE_DAY))
        if constraints:
            builder = builder.add_extension(
                x509.BasicConstraints(ca=ca, path_length=path_length),
                critical=True)
        if ski is True:
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                critical=False)
        elif ski:
            builder = builder.add_extension(x509.SubjectKeyIdentifier(ski),
                                            critical=False)
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku),
                                            critical=False)
        if key_usage:
            builder = builder.add_extension(key_usage, critical=True)
        digest = (None if isinstance(issuer_key, ed25519.Ed25519PrivateKey)
                  else hashes.SHA256())
        return builder.sign(issuer_key, digest)

    # -- PKIData --------------------------------------------------------------

    def pki_data(self, csrs=(), *, body_part_ids=None, transaction_id=None,
                 sender_nonce=None, controls=(), raw_requests=(),
                 cms_sequence=0, other_msgs=0) -> bytes:
        """A PKIData (RFC 5272 section 3.2.1) built with pyasn1-modules."""
        data = rfc6402.PKIData()
        next_id = 100
        for attr_type, value in self._controls(transaction_id, sender_nonce,
                                               controls):
            control = rfc6402.TaggedAttribute()
            control["bodyPartID"] = next_id
            control["attrType"] = attr_type
            control["attrValues"].append(value)
            data["controlSequence"].append(control)
            next_id += 1

        ids = body_part_ids or range(1, len(csrs) + 1)
        for body_part_id, der in zip(ids, csrs, strict=True):
            request = rfc6402.TaggedRequest()
            tcr = request["tcr"]
            tcr["bodyPartID"] = body_part_id
            tcr["certificationRequest"] = der_decoder.decode(
                der, asn1Spec=rfc6402.CertificationRequest())[0]
            data["reqSequence"].append(request)
        self._add_other_parts(data, cms_sequence, other_msgs)
        if not raw_requests:
            return der_encoder.encode(data)

        # CRMF and other request messages are appended as raw TaggedRequest
        # encodings to the reqSequence.
        requests = _content(der_encoder.encode(data["reqSequence"]))
        return _tlv(0x30, b"".join([
            der_encoder.encode(data["controlSequence"]),
            _tlv(0x30, requests + b"".join(raw_requests)),
            der_encoder.encode(data["cmsSequence"]),
            der_encoder.encode(data["otherMsgSequence"]),
        ]))

    @staticmethod
    def _controls(transaction_id, sender_nonce, controls):
        result = []
        if transaction_id is not None:
            result.append((rfc6402.id_cmc_transactionId,
                           der_encoder.encode(univ.Integer(transaction_id))))
        if sender_nonce is not None:
            result.append((rfc6402.id_cmc_senderNonce,
                           der_encoder.encode(
                               univ.OctetString(sender_nonce))))
        result.extend(controls)
        return result

    @staticmethod
    def _add_other_parts(data, cms_sequence, other_msgs):
        for index in range(cms_sequence):
            tagged = rfc6402.TaggedContentInfo()
            tagged["bodyPartID"] = 500 + index
            tagged["contentInfo"]["contentType"] = univ.ObjectIdentifier(
                "1.2.840.113549.1.7.1")
            tagged["contentInfo"]["content"] = der_encoder.encode(
                univ.OctetString(b"x"))
            data["cmsSequence"].append(tagged)
        for index in range(other_msgs):
            message = rfc6402.OtherMsg()
            message["bodyPartID"] = 600 + index
            message["otherMsgType"] = univ.ObjectIdentifier("1.2.3.4")
            message["otherMsgValue"] = der_encoder.encode(univ.Null(""))
            data["otherMsgSequence"].append(message)

    # -- openssl --------------------------------------------------------------

    def _path(self, suffix: str) -> pathlib.Path:
        self._count += 1
        return self.workdir / ("f%d%s" % (self._count, suffix))

    def write_pem(self, item) -> pathlib.Path:
        path = self._path(".pem")
        if isinstance(item, x509.Certificate):
            path.write_bytes(item.public_bytes(serialization.Encoding.PEM))
        else:
            path.write_bytes(item.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        return path

    def openssl_sign(self, content: bytes, certificate, key, *, keyid=True,
                     econtent_type=PKI_DATA_OID, extra_certs=(),
                     nocerts=False, options=()) -> bytes:
        """Sign content with ``openssl cms -sign`` into DER."""
        source = self._path(".der")
        source.write_bytes(content)
        output = self._path(".der")
        command = ["openssl", "cms", "-sign", "-binary", "-nodetach",
                   "-econtent_type", econtent_type, "-outform", "DER",
                   "-in", str(source), "-out", str(output),
                   "-signer", str(self.write_pem(certificate)),
                   "-inkey", str(self.write_pem(key)), *options]
        if keyid:
            command.append("-keyid")
        if nocerts:
            command.append("-nocerts")
        if extra_certs:
            bundle = self._path(".pem")
            bundle.write_bytes(b"".join(
                c.public_bytes(serialization.Encoding.PEM)
                for c in extra_certs))
            command += ["-certfile", str(bundle)]
        subprocess.run(command, check=True, capture_output=True)
        return output.read_bytes()

    def openssl_csr(self, key, *options) -> bytes:
        """A PKCS#10 request made by ``openssl req``, DER."""
        output = self._path(".der")
        subprocess.run(["openssl", "req", "-new", "-subj", "/CN=openssl",
                        "-key", str(self.write_pem(key)), "-outform", "DER",
                        "-out", str(output), *options],
                       check=True, capture_output=True)
        return output.read_bytes()

    def openssl_print_certs(self, der: bytes) -> bytes:
        """The certificates of a PKCS#7 as ``openssl pkcs7`` prints them."""
        source = self._path(".der")
        source.write_bytes(der)
        return subprocess.run(
            ["openssl", "pkcs7", "-inform", "DER", "-print_certs", "-noout",
             "-in", str(source)], check=True, capture_output=True).stdout

    def openssl_verify(self, der: bytes, cafile=None) -> bytes:
        """Verify with ``openssl cms -verify``; returns the content."""
        source = self._path(".der")
        source.write_bytes(der)
        output = self._path(".out")
        command = ["openssl", "cms", "-verify", "-inform", "DER",
                   "-in", str(source), "-out", str(output), "-binary"]
        if cafile is None:
            command.append("-noverify")
        else:
            command += ["-CAfile", str(self.write_pem(cafile)),
                        "-purpose", "any"]
        subprocess.run(command, check=True, capture_output=True)
        return output.read_bytes()

    def self_signed_request(self, key=None, csrs=None, **pki_data_args):
        """A full CMC request signed with the key of its PKCS#10."""
        key = key or self.ec_key
        csrs = csrs or [self.csr(key)]
        content = self.pki_data(csrs, **pki_data_args)
        throwaway = self.certificate(key, "throwaway")
        return self.openssl_sign(content, throwaway, key, nocerts=True)

    def sign_ourselves(self, content, key, key_id=None, certificate=None,
                       certificates=(), content_type=PKI_DATA_OID) -> bytes:
        """Sign with the module's own signer, for what openssl 3.0 lacks.

        OpenSSL 3.0 cannot sign CMS with Ed25519; the signer identifier is
        not covered by the signature, so it is swapped for a key
        identifier afterwards when one is given.
        """
        certificate = certificate or self.certificate(key, "own signer")
        der = cmc._signed_data(content, univ.ObjectIdentifier(content_type),
                               key, certificate, list(certificates))
        if key_id is None:
            return der

        def use_key_id(signed_data):
            sid = signed_data["signerInfos"][0]["sid"]
            sid["subjectKeyIdentifier"] = key_id

        return rewrite_signed_data(der, use_key_id)

    def ra_signed_request(self, csrs=None, **pki_data_args):
        content = self.pki_data(csrs or [self.csr()], **pki_data_args)
        return self.openssl_sign(content, self.ra_cert, self.ra_key,
                                 keyid=False)


def rewrite_signed_data(der: bytes, change) -> bytes:
    """Decode a ContentInfo of SignedData, let change() edit, re-encode."""
    content_info = der_decoder.decode(der, asn1Spec=rfc5652.ContentInfo())[0]
    signed_data = der_decoder.decode(content_info["content"],
                                     asn1Spec=rfc5652.SignedData())[0]
    signed_data = change(signed_data) or signed_data
    content_info["content"] = der_encoder.encode(signed_data)
    return der_encoder.encode(content_info)


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def _content(der: bytes) -> bytes:
    """The content octets of a DER TLV."""
    first = der[1]
    if first < 0x80:
        return der[2:]
    return der[2 + (first & 0x7F):]
