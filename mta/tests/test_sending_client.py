"""test_sending_client.py: refmta's SMTP client end to end (root: the peers listen on port 25).

The session against scripted peers (`mtaspec sink`): EHLO or HELO, 4xx replies retried
after `refmta flush`, 8-bit to a peer without 8BITMIME, the wire encoding of a stored bare
LF, a connection closed after the dot, per-recipient replies in one transaction, a QUIT left
unanswered, an alias forwarding to a remote address. Peers, DNS zone and helpers:
sending_support.py (addresses 127.0.3.x).
"""
import base64
import os
import re
import socket
import time

import pytest

from conftest import CLIENT_IP, SERVER_IP, maildir_files, run, wait_for
from sending_support import addresses, captures, data_of, msg, queue_empty, send, serve, wait_log

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the peers listen on port 25 (root)")

IP, DNS_IP = addresses(3)  # this file's peers (the `net` fixture reads them)


@pytest.mark.parametrize("greeting", ["ehlo", "helo"])
def test_delivered_with_client_greeting(server_factory, home, net, greeting):
    srv = serve(server_factory, home, net, "smtp_client_greeting=" + greeting)
    tok = f"greet-{greeting}"
    send(srv, "s@sender.test", [f"{tok}@ok.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["ok"], tok))
    assert got and got[0]["helo_verb"] == greeting.upper(), got
    assert got[0]["mail_from"] == "s@sender.test" and got[0]["eod_code"] == 250
    assert queue_empty(home)
    assert srv.stop() == 0


def test_4xx_retried_after_flush_delivered(server_factory, home, net, peers):
    p = peers("tmp", {"replies": {"rcpt": "451 4.3.0 try again later"}})
    srv = serve(server_factory, home, net)
    tok = "tempfail"
    send(srv, "s@sender.test", [f"{tok}@tmp.test"], msg(tok))
    assert wait_log(srv, "deferred "), srv.log()[-3000:]
    out = run("queue", "--home", home).stdout
    assert f"<{tok}@tmp.test> (pending" in out and "451" in out, out
    p.stop()
    peers("tmp", {})
    assert run("flush", "--home", home).returncode == 0
    got = wait_for(lambda: [c for c in captures(net["sinks"], IP["tmp"], tok) if c["eod_code"] == 250])
    assert got, srv.log()[-3000:]
    assert queue_empty(home)
    assert "flush: every pending recipient is due now" in srv.log()
    assert srv.stop() == 0


@pytest.mark.parametrize("mode", ["downgrade", "raw", "bounce", "qmail-profile"])
def test_eight_bit_to_peer_without_8bitmime(server_factory, home, net, mode):
    # eight_bit_relay per configuration; the qmail profile sends it raw, as qmail does.
    if mode == "qmail-profile":
        srv = serve(server_factory, home, net, profile="qmail")
    else:
        srv = serve(server_factory, home, net, "eight_bit_relay=" + mode)
    tok = f"eightbit-{mode}"
    body = msg(tok, b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    b"Content-Transfer-Encoding: 8bit\r\n") + "café\r\n".encode()
    send(srv, f"s-{tok}@sender.test", [f"{tok}@nodsn.test"], body, mail_options=["BODY=8BITMIME"])
    if mode == "bounce":
        got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
        assert got, srv.log()[-3000:]
        data = data_of(got[0])
        assert b"Status: 5.6.3" in data and b"Action: failed" in data, data.decode(errors="replace")
        assert not [c for c in captures(net["sinks"], IP["nodsn"], tok) if c["data_complete"]]
        assert srv.stop() == 0
        return
    got = wait_for(lambda: captures(net["sinks"], IP["nodsn"], tok))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    if mode == "downgrade":
        assert all(b < 0x80 for b in data), data
        assert b"quoted-printable" in data.lower() and b"caf=C3=A9" in data
    else:
        assert "café".encode() in data
    assert srv.stop() == 0


def test_stored_bare_lf_never_bare_on_the_wire(server_factory, home, net):
    srv = serve(server_factory, home, net, "bare_lf=accept")
    tok = "barelf"
    with socket.create_connection((SERVER_IP, srv.port), source_address=(CLIENT_IP, 0), timeout=30) as s:
        f = s.makefile("rb")
        assert f.readline().startswith(b"220")
        for cmd in (b"HELO client.test", b"MAIL FROM:<s@sender.test>", f"RCPT TO:<{tok}@ok.test>".encode(),
                    b"DATA"):
            s.sendall(cmd + b"\r\n")
            line = f.readline()
            while line[3:4] == b"-":
                line = f.readline()
            assert line[:1] in (b"2", b"3"), (cmd, line)
        s.sendall(b"Subject: " + tok.encode() + b"\r\n\r\nline one\nline two\r\n.\r\n")
        assert f.readline().startswith(b"250")
        s.sendall(b"QUIT\r\n")
    got = wait_for(lambda: captures(net["sinks"], IP["ok"], tok))
    assert got, srv.log()[-3000:]
    raw = base64.b64decode(got[0]["raw_data_b64"])
    assert b"line one\r\nline two" in raw
    assert not re.search(rb"(?<!\r)\n", raw), raw
    assert srv.stop() == 0


def test_close_after_dot_retried_at_most_one_duplicate(server_factory, home, net, peers):
    p = peers("dot", {"close_after_dot": True})
    srv = serve(server_factory, home, net)
    tok = "closedot"
    send(srv, "s@sender.test", [f"{tok}@dot.test"], msg(tok))
    assert wait_log(srv, "deferred "), srv.log()[-3000:]
    assert len([c for c in captures(net["sinks"], IP["dot"], tok) if c["data_complete"]]) == 1
    p.stop()
    peers("dot", {})
    assert run("flush", "--home", home).returncode == 0
    assert queue_empty(home), srv.log()[-3000:]
    got = [c for c in captures(net["sinks"], IP["dot"], tok) if c["data_complete"]]
    # The peer may have kept the first copy: one duplicate, never more (RFC 5321 6.1).
    print(f"\nclose after dot: {len(got)} copies at the peer, {len(got) - 1} duplicate(s)")
    assert len(got) == 2 and got[-1]["eod_code"] == 250
    assert srv.stop() == 0


def test_alias_forward_to_remote_address(server_factory, home, net, base_dir):
    # An alias naming a remote address: relayed through the remote path from the original
    # envelope sender (qmail-local's forward), "Delivered-To: <alias>" on top; a copy that
    # already carries that Delivered-To bounces 5.4.6 (loop) instead of going out again.
    aliases = os.path.join(base_dir, "aliases")
    with open(aliases, "w") as f:
        f.write("fwd: joe, fwd-out@ok.test\nloopy: loopy-out@ok.test\n")
    os.chmod(aliases, 0o644)
    srv = serve(server_factory, home, net, "alias_file=" + aliases)
    tok = "aliasfwd"
    send(srv, f"s-{tok}@sender.test", ["fwd@example.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["ok"], "fwd-out@ok.test"))
    assert got, srv.log()[-3000:]
    assert got[0]["mail_from"] == f"s-{tok}@sender.test" and got[0]["eod_code"] == 250
    data = data_of(got[0])
    assert data.startswith(b"Delivered-To: fwd@example.test\r\n"), data[:300]
    assert tok.encode() in data
    files = wait_for(lambda: maildir_files(home, "joe"))
    assert files and tok.encode() in open(files[0], "rb").read()
    assert wait_log(srv, "forwarded ")
    # Loop: the message has been through this alias already.
    tok = "aliasloop"
    send(srv, f"s-{tok}@sender.test", ["loopy@example.test"],
         msg(tok, b"Delivered-To: loopy@example.test\r\n"))
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert b"Status: 5.4.6" in data and b"Action: failed" in data, data.decode(errors="replace")
    assert not captures(net["sinks"], IP["ok"], "loopy-out@ok.test")
    assert queue_empty(home)
    assert srv.stop() == 0


def test_per_recipient_replies_one_transaction_retry_no_duplicate(server_factory, home, net, peers):
    # One transaction for the three recipients at one host; 250 / 550 / 451 per recipient:
    # the 550 one bounced, the 451 one retried (refmta queue: next attempt, last error),
    # and the retry carries only it (no second copy for the accepted one).
    p = peers("mixed", {"rcpt_replies": [{"address": "bad@mixed.test", "reply": "550 5.1.1 no such user"},
                                         {"address": "later@mixed.test", "reply": "451 4.2.0 mailbox busy"}]})
    srv = serve(server_factory, home, net)
    send(srv, "s-mixed@sender.test", ["good@mixed.test", "bad@mixed.test", "later@mixed.test"],
         msg("mixed"))
    got = wait_for(lambda: [c for c in captures(net["sinks"], IP["mixed"], "mixed") if c["data_complete"]])
    assert len(got) == 1, got
    assert [(r["path"], r["code"]) for r in got[0]["rcpts"]] == [
        ("good@mixed.test", 250), ("bad@mixed.test", 550), ("later@mixed.test", 451)], got[0]["rcpts"]
    bounce = wait_for(lambda: captures(net["sinks"], IP["box"], "s-mixed@sender.test"))
    assert bounce, srv.log()[-3000:]
    data = data_of(bounce[0])
    assert b"bad@mixed.test" in data and b"Status: 5.1.1" in data
    assert b"Final-Recipient: rfc822;bad@mixed.test" in data.replace(b"; ", b";"), data.decode(errors="replace")
    assert b"Final-Recipient: rfc822;good@mixed.test" not in data.replace(b"; ", b";")
    assert b"Final-Recipient: rfc822;later@mixed.test" not in data.replace(b"; ", b";")
    out = wait_for(lambda: (lambda o: o if "<later@mixed.test> (pending" in o else "")(
        run("queue", "--home", home).stdout))
    assert re.search(r"<later@mixed\.test> \(pending, 1 attempt\(s\), next attempt \d{4}-\d\d-\d\d "
                     r"\d\d:\d\d:\d\dZ: .*451", out), out
    assert "<good@mixed.test> (delivered" in out and "<bad@mixed.test> (failed" in out, out
    p.stop()
    peers("mixed", {})
    assert run("flush", "--home", home).returncode == 0
    assert queue_empty(home), srv.log()[-3000:]
    got = [c for c in captures(net["sinks"], IP["mixed"], "mixed") if c["data_complete"]]
    assert len(got) == 2 and [r["path"] for r in got[1]["rcpts"]] == ["later@mixed.test"], got
    assert len(captures(net["sinks"], IP["box"], "s-mixed@sender.test")) == 1
    assert srv.stop() == 0


def test_quit_unanswered_no_retry_no_duplicate(server_factory, home, net):
    # RFC 5321 4.1.1.10: QUIT, then wait for 221; a peer that hangs up instead after its 250
    # to the data has the message: delivered, never sent again.
    srv = serve(server_factory, home, net)
    send(srv, "s@sender.test", ["q@noquit.test"], msg("noquit"))
    assert queue_empty(home), srv.log()[-3000:]
    assert run("flush", "--home", home).returncode == 0
    time.sleep(2)
    got = [c for c in captures(net["sinks"], IP["noquit"], "noquit") if c["data_complete"]]
    assert len(got) == 1 and got[0]["eod_code"] == 250, got
    assert srv.stop() == 0
