"""test_tls.py: STARTTLS (RFC 3207) with a self-signed certificate made by the openssl CLI,
and the CVE-2011-0411 plaintext command injection over a real socket."""
import os
import shutil
import smtplib
import socket
import ssl
import subprocess

import pytest

from conftest import CLIENT_IP, SERVER_IP, maildir_files, wait_for

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI missing")


@pytest.fixture
def tls_server(server_factory, base_dir):
    cert, key = os.path.join(base_dir, "cert.pem"), os.path.join(base_dir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True, timeout=60)
    return server_factory(extra=["--set", f"tls_cert={cert}", "--set", f"tls_key={key}"])


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def test_starttls_delivers(tls_server, home):
    with smtplib.SMTP(SERVER_IP, tls_server.port, source_address=(CLIENT_IP, 0), timeout=20) as c:
        c.ehlo()
        assert c.has_extn("starttls")
        c.starttls(context=client_context())
        c.ehlo()
        assert not c.has_extn("starttls")  # RFC 3207 4.2: not offered again
        c.sendmail("a@example.org", ["postmaster@localhost"], b"Subject: tls\r\n\r\nsecret\r\n")
    files = wait_for(lambda: maildir_files(home))
    data = open(files[0], "rb").read()
    assert b"with ESMTPS" in data
    assert tls_server.stop() == 0


def test_no_starttls_without_certificate(server_factory):
    srv = server_factory()
    with smtplib.SMTP(SERVER_IP, srv.port, source_address=(CLIENT_IP, 0), timeout=20) as c:
        c.ehlo()
        assert not c.has_extn("starttls")
        assert c.docmd("STARTTLS")[0] in (454, 502)
    assert srv.stop() == 0


def test_cve_2011_0411_plaintext_injection_ignored(tls_server):
    raw = socket.create_connection((SERVER_IP, tls_server.port), source_address=(CLIENT_IP, 0),
                                   timeout=20)
    f = raw.makefile("rb")
    assert f.readline().startswith(b"220")
    raw.sendall(b"EHLO client.example\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    # The injected command travels in the same segment as STARTTLS, in plaintext.
    raw.sendall(b"STARTTLS\r\nMAIL FROM:<inject@evil.example>\r\n")
    line = f.readline()
    assert line.startswith(b"220"), line
    raw.settimeout(1)
    try:
        extra = raw.recv(100)  # nothing may follow the 220 in plaintext
    except socket.timeout:
        extra = b""
    assert extra == b""
    raw.settimeout(20)
    tls = client_context().wrap_socket(raw, server_hostname="localhost")
    tf = tls.makefile("rb")
    tls.sendall(b"EHLO client.example\r\n")
    first = tf.readline()
    # The first reply inside TLS answers our EHLO, not the injected MAIL.
    assert first.startswith(b"250-"), first
    while not first.startswith(b"250 "):
        first = tf.readline()
    tls.sendall(b"MAIL FROM:<a@example.org>\r\n")
    assert tf.readline().startswith(b"250")  # no transaction was open (nested MAIL refused)
    tls.sendall(b"QUIT\r\n")
    assert tf.readline().startswith(b"221")
    tls.close()
    assert tls_server.stop() == 0
