"""HTTPS for the e2e tests: a throwaway CA and a leaf certificate, and `authward serve` over TLS.

The `auth0` SDKs only speak `https://{domain}` and check the ID token's `iss` against `https://{domain}/`,
so the server runs with `AUTHWARD_TLS_CERT`/`_KEY` and an https `AUTHWARD_PUBLIC_URL` on `localhost:<port>`.
The node process trusts the CA through `NODE_EXTRA_CA_CERTS`; Python clients pass `verify=<ca.pem>`.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, free_port
from tests.support import TEST_SECRET_KEY

HOSTNAME = "localhost"


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA certificate (PEM): what a client trusts
    cert: Path  # the server's leaf certificate (PEM), for localhost and 127.0.0.1
    key: Path  # the leaf's private key (PEM, PKCS#8, unencrypted)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only the throwaway CA."""
        return ssl.create_default_context(cafile=str(self.ca))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "authward tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_certificates(directory: Path) -> Certificates:
    """A CA valid for a day and a leaf it signed for `localhost` and 127.0.0.1 (ECDSA P-256)."""
    import ipaddress

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    valid = (now - dt.timedelta(minutes=5), now + dt.timedelta(days=1))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("authward test CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid[0]).not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(HOSTNAME)).issuer_name(ca_name)
        .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid[0]).not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTNAME),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    certificates = Certificates(directory / "ca.pem", directory / "localhost.pem", directory / "localhost-key.pem")
    certificates.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certificates.cert.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    certificates.key.write_bytes(_pem_key(leaf_key))
    certificates.key.chmod(0o600)
    return certificates


def start_tls_server(workdir: Path, database_url: str, certificates: Certificates, **overrides: Any) -> LiveServer:
    """`authward serve` over HTTPS on a free port; the public URL (and so the issuer) is https://localhost:<port>.

    The same environment as conftest's `start_server`, plus AUTHWARD_TLS_CERT/_KEY; it is ready once
    GET /healthz answers 200 over TLS with the CA trusted. `server.url` is the https URL.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    settings_env = {
        "AUTHWARD_PORT": str(port),
        "AUTHWARD_HOST": "127.0.0.1",
        "AUTHWARD_PUBLIC_URL": f"https://{HOSTNAME}:{port}",
        "AUTHWARD_DATABASE_URL": database_url,
        "AUTHWARD_DATA_DIR": str(workdir / "data"),
        "AUTHWARD_SECRET_KEY": TEST_SECRET_KEY,
        "AUTHWARD_LOG_LEVEL": "warning",
        "AUTHWARD_EMAIL_VERIFICATION_REQUIRED": "false",
        # As conftest's servers: a suite signs in many times from 127.0.0.1 (the limits have their own tests).
        "AUTHWARD_RATELIMIT_ENABLED": "false",
        "AUTHWARD_TLS_CERT": str(certificates.cert),
        "AUTHWARD_TLS_KEY": str(certificates.key),
    }
    for name, value in overrides.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(value)
        settings_env[f"AUTHWARD_{name.upper()}"] = str(value)
    env.update(settings_env)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"server-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen([AUTHWARD_BIN, "serve"], cwd=workdir, env=env, stdout=log_file,
                               stderr=subprocess.STDOUT)
    server = LiveServer(settings_env["AUTHWARD_PUBLIC_URL"], settings_env, process, log_path, database_url)
    context = certificates.ssl_context()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1, verify=context).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start over TLS in time:\n{server.log()}")
