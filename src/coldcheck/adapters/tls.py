"""The cart's HTTPS: its own certificate authority and a server certificate for its addresses.

Cameras (for scanning QR labels) need a secure context, and a tablet on the cart's
Wi-Fi reaches the server by a LAN address no public authority will certify. So
``coldcheck init`` makes, in ``<data>/tls/`` (mode 0700):

- ``ca.pem`` / ``ca-key.pem``: a certificate authority for this cart only (P-256, ten
  years, ``pathlen=0``): install ``ca.pem`` on each tablet once and check its fingerprint;
- ``server.pem`` (leaf then authority) / ``server-key.pem``: a server certificate for the
  cart's names and addresses (two years), re-issued by the same authority when the
  addresses change, so tablets keep trusting it.

Key files are 0600 and refused when others can read them.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from coldcheck.service.ports import CartCertificate

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
CA_NAME = "coldcheck cart"


class TlsError(Exception):
    """The cart's certificate files are missing, unreadable or too open."""


def cart_addresses(extra: Iterable[str] = ()) -> list[str]:
    """The names and addresses a tablet may use for this machine (loopback first)."""
    names = ["localhost", "127.0.0.1", "::1"]
    host = socket.gethostname()
    if host:
        names += [host, f"{host}.local"]
        try:
            for info in socket.getaddrinfo(host, None):
                names.append(str(info[4][0]).split("%", 1)[0])
        except OSError:
            pass
    names += [e.strip() for e in extra if e.strip()]
    return list(dict.fromkeys(names))


def _san(addresses: Sequence[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for a in addresses:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(a)))
        except ValueError:
            entries.append(x509.DNSName(a))
    return x509.SubjectAlternativeName(entries)


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _private(path: Path) -> ec.EllipticCurvePrivateKey:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TlsError(f"{path} is readable by others; run `chmod 600 {path}`")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TlsError(f"{path} is not an EC private key")
    return key


def _names_of(cert: x509.Certificate) -> list[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(v) for v in san.get_values_for_type(x509.DNSName)] + [
        str(v) for v in san.get_values_for_type(x509.IPAddress)
    ]


def ensure_cart_certificate(folder: Path, addresses: Sequence[str], now: datetime) -> bool:
    """Make the authority (once) and a server certificate covering ``addresses``.

    True when anything was made; an existing server certificate that already names
    every address and is valid for 30 more days is kept.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    made = False
    ca_path, ca_key_path = folder / CA_FILE, folder / CA_KEY_FILE
    if ca_path.exists() and ca_key_path.exists():
        ca_key = _private(ca_key_path)
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                x509.NameAttribute(
                    NameOID.ORGANIZATION_NAME, f"coldcheck on {socket.gethostname()}"
                ),
            ]
        )
        ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write(ca_key_path, _key_pem(ca_key), 0o600)
        _write(ca_path, ca.public_bytes(serialization.Encoding.PEM), 0o644)
        made = True
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    if cert_path.exists() and key_path.exists() and not made:
        leaf = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if set(addresses) <= set(_names_of(leaf)) and leaf.not_valid_after_utc > now + timedelta(
            days=30
        ):
            return False
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, addresses[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(_san(addresses), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), 0o600)
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(
        serialization.Encoding.PEM
    )
    _write(cert_path, chain, 0o644)
    return True


def load_cart_certificate(folder: Path) -> CartCertificate | None:
    """The cart's certificate, or None when ``coldcheck init`` made none here."""
    ca_path, cert_path, key_path = folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE
    if not (ca_path.exists() and cert_path.exists() and key_path.exists()):
        return None
    try:
        _private(key_path)
        ca_pem = ca_path.read_bytes()
        ca = x509.load_pem_x509_certificate(ca_pem)
        leaf = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise TlsError(f"cannot read the cart's certificate in {folder}: {exc}") from None
    digest = ca.fingerprint(hashes.SHA256()).hex().upper()
    return CartCertificate(
        fingerprint=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        addresses=tuple(_names_of(leaf)),
        ca_pem=ca_pem,
        cert_file=cert_path,
        key_file=key_path,
    )


def now_utc() -> datetime:
    """The time to stamp certificates with."""
    return datetime.now(UTC)
