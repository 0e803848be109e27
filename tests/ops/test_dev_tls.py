"""`make run-tls`'s certificates: a phone that trusts the local CA accepts the server's
certificate for this machine's network address (an https page is what lets the worker app use
geolocation and a service worker)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from tests.support.services import missing

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dev-tls"
ADDRESS = "127.0.0.1"


def make_certificates(tls_dir: Path, address: str) -> str:
    if not shutil.which("openssl"):
        missing("openssl, for scripts/dev-tls (Debian: apt-get install openssl)")
    done = subprocess.run(
        [str(SCRIPT), address],
        env={**os.environ, "FAIRFIELD_TLS_DIR": str(tls_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def handshake(tls_dir: Path, server_name: str) -> dict:
    """Serve one TLS handshake with the server certificate; connect as a phone trusting only
    the local CA and checking the name; the certificate the client accepted."""
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tls_dir / "server.pem", tls_dir / "server.key")
    listener = socket.create_server((ADDRESS, 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_side.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    phone = ssl.create_default_context(cafile=str(tls_dir / "ca.pem"))
    try:
        with (
            socket.create_connection((ADDRESS, port)) as raw,
            phone.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            certificate = tls.getpeercert()
            tls.sendall(b"x")
    finally:
        thread.join(5)
        listener.close()
    return certificate


def test_a_phone_trusting_the_local_ca_accepts_the_server(tmp_path: Path) -> None:
    tls_dir = tmp_path / "tls"
    assert make_certificates(tls_dir, ADDRESS) == ADDRESS
    certificate = handshake(tls_dir, ADDRESS)
    assert ("IP Address", ADDRESS) in certificate["subjectAltName"]
    assert ("DNS", "localhost") in certificate["subjectAltName"]
    assert oct((tls_dir / "server.key").stat().st_mode & 0o777) == "0o600"


def test_a_new_address_keeps_the_ca_the_phone_trusts(tmp_path: Path) -> None:
    tls_dir = tmp_path / "tls"
    make_certificates(tls_dir, ADDRESS)
    ca = (tls_dir / "ca.pem").read_bytes()
    make_certificates(tls_dir, "192.0.2.10")
    assert (tls_dir / "ca.pem").read_bytes() == ca
    names = handshake(tls_dir, "localhost")["subjectAltName"]
    assert ("IP Address", "192.0.2.10") in names


def test_a_name_the_certificate_does_not_carry_is_refused(tmp_path: Path) -> None:
    tls_dir = tmp_path / "tls"
    make_certificates(tls_dir, ADDRESS)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(tls_dir, "fairfield.example")
