"""test_sending_qmtp.py: refmta's QMTP and QMQP end to end (root: the peers listen on port 25).

The QMTP and QMQP listeners (malformed netstrings, relay rules, qmqp_clients),
`refmta qmqp-inject` (exit 0 / 100 / 111), delivery by QMTP along `qmtp_routes` to a
scripted QMTP peer, and check-config on these keys. Peers, DNS zone and helpers:
sending_support.py (addresses 127.0.7.x).
"""
import os
import socket
import subprocess
import time

import pytest

from conftest import CLIENT_IP, REFMTA, SERVER_IP, free_port, maildir_files, run, wait_for
from sending_support import addresses, captures, data_of, msg, queue_empty, send, serve, wait_log

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the peers listen on port 25 (root)")

IP, DNS_IP = addresses(7)  # this file's peers (the `net` fixture reads them)


def _netstring(b):
    return str(len(b)).encode() + b":" + b + b","


def _read_netstring(f):
    n = b""
    while True:
        c = f.read(1)
        if not c or c == b":":
            break
        n += c
    if not n:
        return None
    body = f.read(int(n))
    f.read(1)
    return body


def _closed(s):
    """True when the server closed the connection (a reset too: our data was unread)."""
    s.settimeout(10)
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True


def qmqp_inject(port, source, rcpts, data, sender="s@sender.test"):
    """`refmta qmqp-inject` from `source` (bound with --source); returns the CompletedProcess."""
    return subprocess.run([REFMTA, "qmqp-inject", "--source", source, "--server", f"{SERVER_IP}:{port}",
                           "--from", sender, "--timeout-connect", "10", "--timeout", "20", *rcpts],
                          input=data, capture_output=True, timeout=60)


def test_qmqp_inject_delivered_locally(server_factory, home, net):
    # qmqp_listen on; qmqp_clients lets 127.0.0.2 in, others are closed at once. The real
    # `refmta qmqp-inject` submits, from the address --source binds; exit 0 / 100 / 111.
    port = free_port()
    srv = serve(server_factory, home, net, f"qmqp_listen={SERVER_IP}:{port}", "qmqp_clients=127.0.0.2/32",
                "message_size_max=65536")
    r = qmqp_inject(port, CLIENT_IP, ["joe@example.test"], b"Subject: by qmqp\n\nhello over qmqp\n")
    assert r.returncode == 0, (r.returncode, r.stderr, srv.log()[-2000:])
    files = wait_for(lambda: maildir_files(home, "joe"))
    assert files and b"hello over qmqp" in open(files[0], "rb").read()
    data = open(files[0], "rb").read()
    assert b"with QMQP" in data and b"127.0.0.2" in data, data[:600]
    # "D" (the message is larger than message_size_max): 100, nothing queued.
    r = qmqp_inject(port, CLIENT_IP, ["joe@example.test"], b"Subject: big\n\n" + b"x" * 70000 + b"\n")
    assert r.returncode == 100, (r.returncode, r.stderr)
    assert b"permanent" in r.stderr
    # Not in qmqp_clients: closed at once, no response: 111 (temporary).
    r = qmqp_inject(port, "127.0.0.3", ["joe@example.test"], b"Subject: refused\n\nno\n")
    assert r.returncode == 111, (r.returncode, r.stderr)
    assert wait_log(srv, "not in qmqp_clients")
    time.sleep(0.5)
    assert len(maildir_files(home, "joe")) == 1
    assert srv.stop() == 0
    # qmqp_clients empty (the default): nobody; and nothing listening at all: 111 too.
    srv = server_factory(extra=["--set", f"qmqp_listen={SERVER_IP}:{port}", "--set", "qmqp_clients="])
    r = qmqp_inject(port, CLIENT_IP, ["joe@example.test"], b"Subject: nobody\n\nno\n")
    assert r.returncode == 111, (r.returncode, r.stderr)
    assert srv.stop() == 0
    r = qmqp_inject(port, CLIENT_IP, ["joe@example.test"], b"Subject: dead\n\nno\n")
    assert r.returncode == 111 and b"temporary" in r.stderr, (r.returncode, r.stderr)
    assert len(maildir_files(home, "joe")) == 1


def test_qmtp_listener_malformed_netstring_and_delivery(server_factory, home, net):
    port = free_port()
    srv = serve(server_factory, home, net, f"qmtp_listen={SERVER_IP}:{port}")
    with socket.create_connection((SERVER_IP, port), source_address=(CLIENT_IP, 0), timeout=30) as s:
        s.sendall(b"12x:not a netstring,")
        assert _closed(s)
    time.sleep(0.5)
    assert "0 message(s) in the queue" in run("queue", "--home", home).stdout
    assert maildir_files(home, "joe") == []
    m = b"\nSubject: by qmtp\n\nhello over qmtp\n"
    pkg = (_netstring(m) + _netstring(b"s@sender.test") +
           _netstring(_netstring(b"joe@example.test") + _netstring(b"x@elsewhere.test")))
    # From 127.0.0.3 (not in trusted_networks): the same relay rules as SMTP.
    with socket.create_connection((SERVER_IP, port), source_address=("127.0.0.3", 0), timeout=30) as s:
        s.sendall(pkg)
        f = s.makefile("rb")
        r1, r2 = _read_netstring(f), _read_netstring(f)
    assert r1.startswith(b"K") and r2.startswith(b"D"), (r1, r2)  # relaying refused
    files = wait_for(lambda: maildir_files(home, "joe"))
    assert files and b"hello over qmtp" in open(files[0], "rb").read()
    assert srv.stop() == 0
    # qmtp_listen empty (the default): no listener.
    srv = server_factory()
    with pytest.raises(OSError):
        socket.create_connection((SERVER_IP, port), source_address=(CLIENT_IP, 0), timeout=5)
    assert srv.stop() == 0


def test_qmtp_route_to_refmta(server_factory, home, net):
    # qmtp_routes: a domain delivered by QMTP to a scripted QMTP peer (K for one, D for the other).
    lsock = socket.socket()
    lsock.bind((IP["qmtp"], 0))
    lsock.listen(5)
    lsock.settimeout(30)
    port = lsock.getsockname()[1]
    srv = serve(server_factory, home, net, f"qmtp_routes=q.test={IP['qmtp']}:{port}",
                "recipients_per_transaction=10")
    send(srv, "s-qmtp@sender.test", ["good@q.test", "bad@q.test"], msg("qmtproute"))
    conn, _ = lsock.accept()
    conn.settimeout(30)
    f = conn.makefile("rb")
    message, sender, rcpts = _read_netstring(f), _read_netstring(f), _read_netstring(f)
    conn.sendall(_netstring(b"Kthanks") + _netstring(b"Dno such user (#5.1.1)"))
    conn.close()
    lsock.close()
    assert sender == b"s-qmtp@sender.test" and b"good@q.test" in rcpts and b"bad@q.test" in rcpts
    assert b"qmtproute" in message
    got = wait_for(lambda: captures(net["sinks"], IP["box"], "s-qmtp@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert b"bad@q.test" in data and b"Action: failed" in data
    assert queue_empty(home)
    assert srv.stop() == 0


def test_check_config_sending_keys(home):
    assert run("init", "--home", home, "--domain", "example.test").returncode == 0
    assert run("check-config", "--home", home, "--set", "qmtp_listen=127.0.0.10:209",
               "--set", "qmtp_routes=q.test=127.0.3.11").returncode == 0
    r = run("check-config", "--home", home, "--set", "qmqp_listen=127.0.0.10:628")
    assert r.returncode == 1 and "qmqp_clients is empty" in r.stdout, r.stdout
    assert run("check-config", "--home", home, "--set", "qmqp_listen=127.0.0.10:628",
               "--set", "qmqp_clients=127.0.0.0/8").returncode == 0
    r = run("check-config", "--home", home, "--set", "qmtp_routes=example.test=127.0.3.11")
    assert r.returncode == 1 and "local domain example.test" in r.stdout, r.stdout
    r = run("check-config", "--home", home, "--set", "qmtp_routes=no-equals-sign")
    assert r.returncode == 2 and "qmtp_routes" in r.stderr
    r = run("check-config", "--home", home, "--set", "qmtp_listen=localhost")
    assert r.returncode == 1 and "bad listen address" in r.stdout
