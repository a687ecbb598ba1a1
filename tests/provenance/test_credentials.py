"""The signing credentials: a local CA at first start that meets the C2PA profile, or the operator's."""

import logging
import os
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.provenance.conftest import read_manifest


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setenv("IMPRINT_INSTANCE_PATH", str(path))
    return path


def test_first_start_makes_a_local_ca_that_meets_the_c2pa_profile(provider_app, fresh_instance):
    app = provider_app()
    folder = fresh_instance / "provenance"
    assert stat.S_IMODE(os.stat(folder / "signer.key").st_mode) == 0o600
    signer, ca = x509.load_pem_x509_certificates((folder / "chain.pem").read_bytes())
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in signer.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    ski = signer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = signer.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest and aki.key_identifier == ca_ski.digest
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    signer.verify_directly_issued_by(ca)
    # A second start (another worker, a restart) signs with the same certificate.
    assert provider_app().extensions["provenance"].credentials.serial_number == str(signer.serial_number)
    assert app.extensions["provenance"].credentials.is_local_ca


def test_operator_certificate_signs_the_images(provider_app, tmp_path):
    from app.provenance.credentials import make_local_ca

    _ca, chain, key = make_local_ca(common_name="Example Newsroom signer", organization="Example Newsroom")
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    app = provider_app(PROVENANCE_CERT=str(tmp_path / "chain.pem"), PROVENANCE_KEY=str(tmp_path / "key.pem"))
    client = app.test_client()
    made = client.post("/ai/generate", json={"prompt": "newsroom"}).get_json()
    _state, manifest, _all, _results = read_manifest(client.get(made["image_url"]).data)
    assert manifest["signature_info"]["issuer"] == "Example Newsroom"
    assert manifest["signature_info"]["common_name"] == "Example Newsroom signer"


def test_bad_operator_settings_fail_at_start_without_showing_the_key(provider_app, tmp_path):
    from app.provenance.credentials import CredentialsError, make_local_ca

    _ca, chain, _key = make_local_ca()
    _ca2, _chain2, other_key = make_local_ca()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "other.pem").write_bytes(other_key)
    with pytest.raises(CredentialsError, match="not the key of the first certificate") as raised:
        provider_app(PROVENANCE_CERT=str(tmp_path / "chain.pem"), PROVENANCE_KEY=str(tmp_path / "other.pem"))
    assert "PRIVATE KEY" not in str(raised.value)
    with pytest.raises(CredentialsError, match="both"):
        provider_app(PROVENANCE_CERT=str(tmp_path / "chain.pem"))
    with pytest.raises(CredentialsError, match="PROVENANCE_ALGORITHM"):
        provider_app(PROVENANCE_CERT=str(tmp_path / "chain.pem"), PROVENANCE_KEY=str(tmp_path / "other.pem"),
                     PROVENANCE_ALGORITHM="md5")


def test_the_key_never_reaches_a_log(provider_app, fresh_instance, caplog):
    caplog.set_level(logging.DEBUG)
    app = provider_app(LOG_LEVEL="DEBUG")
    app.test_client().post("/ai/generate", json={"prompt": "quiet"})
    key_body = (fresh_instance / "provenance" / "signer.key").read_text().splitlines()[1]
    assert key_body not in caplog.text and "PRIVATE KEY" not in caplog.text
    assert key_body not in repr(app.extensions["provenance"])


def test_doctor_says_local_manifests_are_untrusted(provider_app):
    app = provider_app()
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert "provenance" in result.output
    assert "untrusted until that CA is on a trust list" in result.output
