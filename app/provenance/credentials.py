"""The signing credentials: the operator's certificate chain and key, or a local CA made once.

Without ``PROVENANCE_CERT``/``PROVENANCE_KEY`` Imprint makes, at first start,
``instance/provenance/``: a local CA and a signing certificate that meet the
C2PA certificate profile (digitalSignature key usage, the emailProtection
EKU, subject and authority key identifiers). Manifests signed with it are
cryptographically valid but *untrusted* until a reader adds ``ca.pem`` to its
trust list. The key is read into memory and never logged.
"""

import datetime
import os
import shutil
import tempfile
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALGORITHMS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")
LOCAL_DIR = "provenance"
CA_YEARS, SIGNER_YEARS = 10, 2


class CredentialsError(RuntimeError):
    """The configured certificate or key cannot be used (says which and why, never the key)."""


@dataclass(frozen=True)
class Credentials:
    chain_pem: bytes  # signing certificate first, then its issuers
    key_pem: bytes = field(repr=False)
    algorithm: str
    is_local_ca: bool  # made by Imprint: valid but untrusted until its CA is trusted
    ca_path: str | None  # the local CA certificate an operator can add to a trust list

    @property
    def certificate(self):
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def serial_number(self):
        return str(self.certificate.serial_number)

    @property
    def anchor_pem(self):
        """The last certificate of the chain: a trust anchor that only this chain's signatures reach."""
        last = x509.load_pem_x509_certificates(self.chain_pem)[-1]
        return last.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def subject(self):
        return self.certificate.subject.rfc4514_string()


def load_credentials(config, instance_path):
    """The operator's credentials when configured, else the local CA's (made on first use)."""
    cert_path, key_path = config.get("PROVENANCE_CERT"), config.get("PROVENANCE_KEY")
    if bool(cert_path) != bool(key_path):
        raise CredentialsError("set both PROVENANCE_CERT and PROVENANCE_KEY, or neither")
    if cert_path:
        return _operator_credentials(cert_path, key_path, config.get("PROVENANCE_ALGORITHM") or "es256")
    return _local_credentials(os.path.join(instance_path, LOCAL_DIR))


def _operator_credentials(cert_path, key_path, algorithm):
    algorithm = algorithm.lower()
    if algorithm not in ALGORITHMS:
        raise CredentialsError(f"PROVENANCE_ALGORITHM must be one of {', '.join(ALGORITHMS)}")
    try:
        with open(cert_path, "rb") as fh:
            chain = fh.read()
        with open(key_path, "rb") as fh:
            key = fh.read()
        certificates = x509.load_pem_x509_certificates(chain)
        private = serialization.load_pem_private_key(key, password=None)
    except (OSError, ValueError) as error:
        # The message names the files, never their content.
        raise CredentialsError(f"cannot read PROVENANCE_CERT/PROVENANCE_KEY: {type(error).__name__}") from None
    if private.public_key().public_bytes(*_SPKI) != certificates[0].public_key().public_bytes(*_SPKI):
        raise CredentialsError("PROVENANCE_KEY is not the key of the first certificate in PROVENANCE_CERT")
    return Credentials(chain, key, algorithm, is_local_ca=False, ca_path=None)


_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _local_credentials(directory):
    if not os.path.exists(os.path.join(directory, "signer.key")):
        _create_local_ca(directory)
    with open(os.path.join(directory, "chain.pem"), "rb") as fh:
        chain = fh.read()
    with open(os.path.join(directory, "signer.key"), "rb") as fh:
        key = fh.read()
    return Credentials(chain, key, "es256", is_local_ca=True, ca_path=os.path.join(directory, "ca.pem"))


def _create_local_ca(directory):
    """Write ca.pem, chain.pem and signer.key (0600) at once: a whole folder renamed into place."""
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".provenance-", dir=parent)
    try:
        ca_pem, chain_pem, key_pem = make_local_ca()
        for name, data, mode in (("ca.pem", ca_pem, 0o644), ("chain.pem", chain_pem, 0o644),
                                 ("signer.key", key_pem, 0o600)):
            descriptor = os.open(os.path.join(staging, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(descriptor, "wb") as fh:
                fh.write(data)
        os.chmod(staging, 0o700)
        os.rename(staging, directory)  # another process that got there first keeps its own
    except OSError:
        if not os.path.exists(os.path.join(directory, "signer.key")):
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def make_local_ca(common_name="Imprint local signer", organization="Imprint", signer_serial=None):
    """(ca_pem, chain_pem, key_pem): a P-256 CA and a signing certificate under it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organization} local CA", organization)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_key_usage(cert_sign=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    signer = (x509.CertificateBuilder().subject_name(_name(common_name, organization)).issuer_name(ca_name)
              .public_key(key.public_key()).serial_number(signer_serial or x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1))
              .not_valid_after(now + datetime.timedelta(days=365 * SIGNER_YEARS))
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(_key_usage(cert_sign=False), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem), signer.public_bytes(pem) + ca.public_bytes(pem), key_pem


def _name(common_name, organization):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)])


def _key_usage(cert_sign):
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                         crl_sign=cert_sign, encipher_only=False, decipher_only=False)

