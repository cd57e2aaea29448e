"""test_refmta.py: refmta init/serve/queue/check-config/mbox2maildir end to end.

Mail is sent from 127.0.0.2 to `refmta serve` on 127.0.0.10:<free port>.
"""
import os
import re
import signal
import smtplib
import socket
import time

import pytest

from conftest import (CLIENT_IP, SERVER_IP, alive, descendants, maildir_files, run,
                      wait_for)

MSG = b"From: a@example.org\r\nSubject: test\r\n\r\nhello\r\n"


def client(server):
    return smtplib.SMTP(SERVER_IP, server.port, source_address=(CLIENT_IP, 0), timeout=30)


def test_version():
    # The harness records the first line as the target's version.
    r = run("--version")
    assert r.returncode == 0 and r.stdout == "refmta 0.1.0\n", (r.returncode, r.stdout, r.stderr)
    assert run().returncode == 2  # no subcommand: usage error


def test_init_writes_documented_config_and_tree(home):
    r = run("init", "--home", home, "--domain", "example.test", "--user", "joe", "--user", "ann")
    assert r.returncode == 0, r.stderr
    conf = open(os.path.join(home, "refmta.conf")).read()
    assert "local_domains = example.test" in conf
    assert "joe" in conf and "ann" in conf
    assert conf.count("#") > 20  # documented: every key has a comment
    for u in ("joe", "ann"):
        for sub in ("new", "cur", "tmp"):
            assert os.path.isdir(os.path.join(home, "mail", u, sub))
    assert oct(os.stat(os.path.join(home, "queue")).st_mode & 0o777) == "0o700"
    r = run("check-config", "--home", home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"
    # init again keeps the file (idempotent)
    r = run("init", "--home", home, "--domain", "other.test")
    assert r.returncode == 0
    assert open(os.path.join(home, "refmta.conf")).read() == conf


def test_empty_dir_default_delivers_to_postmaster(server_factory, home):
    srv = server_factory()
    assert os.path.exists(os.path.join(home, "refmta.conf"))
    with client(srv) as c:
        c.sendmail("a@example.org", ["postmaster@localhost"], MSG)
    files = wait_for(lambda: maildir_files(home))
    assert len(files) == 1
    data = open(files[0], "rb").read()
    assert data.startswith(b"Return-Path: <a@example.org>\nDelivered-To: postmaster@localhost\n")
    assert b"\nReceived: from " in data and data.endswith(b"\nhello\n")
    assert srv.stop() == 0


def test_unknown_recipient_strict_550(server_factory):
    srv = server_factory()
    with client(srv) as c:
        c.ehlo()
        c.mail("a@example.org")
        code, msg = c.rcpt("nobody@localhost")
        assert code == 550 and msg.startswith(b"5.1.1")
    assert srv.stop() == 0


def _queued_bounce(home, text):
    """`refmta queue` once the only queued message is the notification from <> whose message
    holds `text` (its sender's domain has no route here: it stays queued), else None. The
    original goes just after the notification is committed."""
    out = run("queue", "--home", home).stdout
    if "1 message(s) in the queue" not in out:
        return None
    for line in out.splitlines():
        if re.match(r"\d{10}\.\S+ <> ", line):
            with open(os.path.join(home, "queue", "mess", line.split()[0]), "rb") as f:
                if text in f.read():
                    return out
    return None


def test_unknown_recipient_qmail_profile_accepted_then_bounced(server_factory, home):
    # D1: qmail accepts unknown local users at RCPT and bounces them afterwards.
    assert run("init", "--home", home, "--domain", "example.test", "--profile", "qmail").returncode == 0
    srv = server_factory()
    with client(srv) as c:
        c.sendmail("a@example.org", ["nobody@example.test"], MSG)
    out = wait_for(lambda: _queued_bounce(home, b"<nobody@example.test>:"))
    assert out and "1 message(s) in the queue" in out, out
    assert "<a@example.org> (pending" in out  # the bounce, waiting for a route to example.org
    assert "<nobody@example.test>" not in out  # the original is gone
    assert srv.stop() == 0


def test_relay_denied_from_untrusted_client(server_factory):
    srv = server_factory()
    with client(srv) as c:
        c.ehlo()
        c.mail("a@example.org")
        code, msg = c.rcpt("x@remote.test")
        assert code == 550 and msg.startswith(b"5.7.1"), (code, msg)
    assert srv.stop() == 0


def test_queue_lists_pending_remote_message_across_restart(server_factory, home):
    srv = server_factory(extra=["--set", "trusted_networks=127.0.0.0/8",
                                "--smarthost", "127.0.0.1:1"])
    with client(srv) as c:
        c.sendmail("a@example.org", ["x@remote.test", "postmaster@localhost"], MSG)
    wait_for(lambda: maildir_files(home))
    out = wait_for(lambda: (lambda o: o if "<x@remote.test> (pending, 1 attempt(s)" in o else None)(
        run("queue", "--home", home).stdout))
    assert out, run("queue", "--home", home).stdout
    lines = [l for l in out.splitlines() if re.match(r"\d{10}\.", l)]
    assert len(lines) == 1, out
    assert "<a@example.org>" in lines[0]
    assert ", next attempt " in lines[0]  # retried later (smarthost refuses the connection)
    assert "<postmaster@localhost> (delivered)" in lines[0]
    assert "1 message(s) in the queue" in out
    assert srv.stop() == 0
    srv2 = server_factory(extra=["--smarthost", "127.0.0.1:1"])
    time.sleep(0.5)
    assert len(maildir_files(home)) == 1  # the local copy is not delivered twice
    assert lines[0].split()[0] in run("queue", "--home", home).stdout
    assert srv2.stop() == 0


def test_set_overrides_config(server_factory):
    srv = server_factory(extra=["--set", "hostname=mx.example.test", "--set", "greeting=Hi there"])
    with client(srv) as c:
        code, banner = c.ehlo()
        assert code == 250 and banner.startswith(b"mx.example.test")
    assert srv.stop() == 0


def test_bad_set_is_usage_error(server_factory):
    srv = server_factory(extra=["--set", "no_such_key=1"], start=False)
    srv.start(wait=False)
    assert srv.proc.wait(timeout=20) == 2
    assert "no_such_key" in srv.log()


def test_sigterm_stops_cleanly_no_process_left(server_factory):
    srv = server_factory()
    pids = srv.pids()
    assert set(pids) == {"master", "smtpd", "queue", "lspawn", "remote"}
    tree = descendants(srv.proc.pid)
    assert set(pids.values()) <= set(tree)
    c = client(srv)
    c.sendmail("a@example.org", ["postmaster@localhost"], MSG)
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(timeout=40) == 0
    # the open session was told 421 (RFC 5321 3.8) and closed
    with pytest.raises(smtplib.SMTPServerDisconnected):
        c.noop()
        c.noop()
    assert len(maildir_files(srv.home)) == 1
    assert not any(alive(p) for p in tree)
    log = srv.log()
    assert "stopped cleanly" in log
    assert not os.path.exists(os.path.join(srv.home, "run", "smtpd.pid"))


def test_child_death_stops_server_nonzero(server_factory):
    srv = server_factory()
    tree = descendants(srv.proc.pid)
    os.kill(srv.pids()["queue"], signal.SIGKILL)
    assert srv.proc.wait(timeout=40) == 1
    assert "exited unexpectedly" in srv.log()
    assert wait_for(lambda: not any(alive(p) for p in tree), timeout=10)


def test_check_config_reports_problems(home):
    assert run("init", "--home", home).returncode == 0
    with open(os.path.join(home, "refmta.conf"), "a") as f:
        f.write("tls_cert = /nonexistent/cert.pem\nidle_timeout = 10\n")
    r = run("check-config", "--home", home)
    assert r.returncode == 1, r.stdout
    assert "tls" in r.stdout.lower()
    with open(os.path.join(home, "refmta.conf"), "a") as f:
        f.write("bare_lf = sometimes\n")
    r = run("check-config", "--home", home)
    assert r.returncode == 2 and "bare_lf" in r.stderr


def test_usage_errors_exit_2(home):
    for args in (["frobnicate"], ["serve"], ["init", "--home", home, "--profile", "nope"], []):
        r = run(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.strip(), args
    assert run("--help").returncode == 0


def test_mbox2maildir(base_dir):
    mbox = os.path.join(base_dir, "mbox")
    with open(mbox, "w") as f:
        f.write("From a@b Thu Jan  1 00:00:00 1970\nSubject: one\n\n>From quoted\n\n"
                "From c@d Thu Jan  1 00:00:00 1970\nSubject: two\n\nbody\n")
    md = os.path.join(base_dir, "Maildir")
    r = run("mbox2maildir", mbox, md)
    assert r.returncode == 0, r.stderr
    assert "2 message(s): 2 written" in r.stdout
    r = run("mbox2maildir", mbox, md)
    assert "0 written, 2 already present" in r.stdout
    assert len(os.listdir(os.path.join(md, "new"))) == 2
    assert run("mbox2maildir", os.path.join(base_dir, "missing"), md).returncode == 1


def test_idle_timeout_421_and_close(server_factory):
    srv = server_factory(extra=["--set", "idle_timeout=2"])
    # The idle clock starts at accept: measure from before connect, so a test process that
    # reads the greeting late (a loaded machine) cannot make the timeout look early. Connect
    # late in a wall-clock second, and open a second connection half a second later so the
    # server's wake-ups are no longer in step with the first: a timer counting whole seconds
    # then fires about 1.5 s after the first connect.
    time.sleep((0.95 - time.time() % 1) % 1)
    t = time.time()
    with socket.create_connection((SERVER_IP, srv.port), source_address=(CLIENT_IP, 0), timeout=10) as s:
        f = s.makefile("rb")
        assert f.readline().startswith(b"220")
        time.sleep(max(0.0, t + 0.5 - time.time()))
        with socket.create_connection((SERVER_IP, srv.port), source_address=(CLIENT_IP, 0),
                                      timeout=10) as s2:
            assert s2.makefile("rb").readline().startswith(b"220")
            line = f.readline()
            assert line.startswith(b"421 4.4.2"), line
            assert 1.9 <= time.time() - t <= 6
            assert f.readline() == b""  # closed
    assert "idle timeout" in srv.log()
    assert srv.stop() == 0


def test_connection_limits_421(server_factory):
    srv = server_factory(extra=["--set", "connections_per_client=3", "--set", "connections_max=5"])
    # The readiness probe's connection must be gone before counting.
    assert wait_for(lambda: srv.log().count(" disconnect ") == srv.log().count(" connect "))
    held = []
    for _ in range(3):
        s = socket.create_connection((SERVER_IP, srv.port), source_address=(CLIENT_IP, 0), timeout=10)
        assert s.recv(512).startswith(b"220")
        held.append(s)
    with socket.create_connection((SERVER_IP, srv.port), source_address=(CLIENT_IP, 0), timeout=10) as s:
        assert s.recv(512).startswith(b"421 4.7.0")
    for ip in ("127.0.0.3", "127.0.0.4"):  # others are still served, up to the total
        s = socket.create_connection((SERVER_IP, srv.port), source_address=(ip, 0), timeout=10)
        assert s.recv(512).startswith(b"220")
        held.append(s)
    with socket.create_connection((SERVER_IP, srv.port), source_address=("127.0.0.5", 0), timeout=10) as s:
        assert s.recv(512).startswith(b"421 4.7.0")
    for s in held:
        s.close()
    assert srv.stop() == 0


def _init_joe(home, *extra):
    r = run("init", "--home", home, "--domain", "example.test", "--user", "joe", *extra)
    assert r.returncode == 0, r.stderr


def test_alias_file_and_extension_delivery(server_factory, home, base_dir):
    # alias_file is read by `serve` (smtpd oracle and local delivery); extension_separator
    # governs both the RCPT decision and the local delivery.
    _init_joe(home)
    aliases = os.path.join(base_dir, "aliases")
    with open(aliases, "w") as f:
        f.write("# aliases\ninfo: joe\n")
    srv = server_factory(extra=["--set", "alias_file=" + aliases,
                                "--set", "extension_separator=+"])
    with client(srv) as c:
        c.ehlo()
        c.mail("a@example.org")
        assert c.rcpt("info@example.test")[0] == 250
        assert c.rcpt("joe+list@example.test")[0] == 250
        assert c.rcpt("joe-list@example.test")[0] == 550  # "-" is not the separator here
        assert c.rcpt("sales@example.test")[0] == 550     # not in the alias file
        assert c.data(MSG)[0] == 250
    files = wait_for(lambda: (lambda f: f if len(f) == 2 else None)(maildir_files(home, "joe")))
    assert files and len(files) == 2, maildir_files(home, "joe")
    tos = sorted(open(p, "rb").read().split(b"\n")[1] for p in files)
    assert tos == [b"Delivered-To: info@example.test", b"Delivered-To: joe+list@example.test"]
    assert srv.stop() == 0


def _send(srv, rcpt, msg):
    with client(srv) as c:
        c.sendmail("a@example.org", [rcpt], msg)


def _joe_files(home, n=1):
    return wait_for(lambda: (lambda f: f if len(f) >= n else None)(maildir_files(home, "joe")))


def _bounce_text(home):
    d = os.path.join(home, "queue", "mess")
    return "".join(open(os.path.join(d, n), errors="replace").read() for n in os.listdir(d))


def test_delivered_to_check_on_and_off(server_factory, home):
    # F2: qmail-local's rule; a message already carrying our Delivered-To line is a loop.
    _init_joe(home)
    msg = b"Delivered-To: joe@example.test\r\nSubject: loop\r\n\r\nagain\r\n"
    srv = server_factory()
    _send(srv, "joe@example.test", msg)
    # Failed as a loop: bounced to the sender (queued: example.org has no route here).
    out = wait_for(lambda: _queued_bounce(home, b"Delivered-To: joe@example.test already present"))
    assert out and "<joe@example.test>" not in out, out
    assert "Status: 5.4.6" in _bounce_text(home)
    assert maildir_files(home, "joe") == []
    assert srv.stop() == 0
    srv = server_factory(extra=["--set", "delivered_to_check=off"])
    _send(srv, "joe@example.test", msg)
    files = _joe_files(home)
    assert files and len(files) == 1, run("queue", "--home", home).stdout
    assert srv.stop() == 0


def test_return_path_remove_on_and_off(server_factory, home):
    # H2, RFC 5321 4.4: final delivery drops Return-Path fields the message brought (folded
    # ones too) and adds exactly one from the envelope; off (qmail-local) keeps them. A
    # Return-Path line in the body is never touched.
    _init_joe(home)
    msg = (b"Return-Path: <forged@example.net>\r\nSubject: rp\r\nreturn-path:\r\n"
           b" <forged2@example.net>\r\n\r\nReturn-Path: <body@example.net>\r\n")
    srv = server_factory()
    _send(srv, "joe@example.test", msg)
    files = _joe_files(home)
    assert files and len(files) == 1, run("queue", "--home", home).stdout
    got = open(files[0], "rb").read()
    head, _, body = got.partition(b"\n\n")
    assert head.lower().count(b"return-path:") == 1, got
    assert head.startswith(b"Return-Path: <a@example.org>\n"), got
    assert b"forged" not in got and body == b"Return-Path: <body@example.net>\n", got
    assert srv.stop() == 0
    srv = server_factory(extra=["--set", "return_path_remove=off"])
    _send(srv, "joe@example.test", msg)
    files = _joe_files(home, 2)
    assert files and len(files) == 2, run("queue", "--home", home).stdout
    kept = [open(f, "rb").read() for f in files]
    kept = [k for k in kept if b"forged@" in k]
    assert len(kept) == 1, kept
    head = kept[0].partition(b"\n\n")[0]
    assert head.startswith(b"Return-Path: <a@example.org>\n"), kept[0]
    assert b"Return-Path: <forged@example.net>\n" in head and b" <forged2@example.net>" in head
    assert srv.stop() == 0


def test_hop_count_at_delivery_follows_smtpd(server_factory, home):
    # F1: what smtpd accepted (hop_limit, hop_count) local delivery does not refuse as a loop:
    # 100 Received fields (the limit) plus Received-SPF and an old Delivered-To.
    _init_joe(home)
    msg = (b"Received: from x by y; Tue, 02 Jan 2024 10:00:05 +0000\r\n" * 100 +
           b"Received-SPF: pass\r\nDelivered-To: other@example.org\r\n\r\nhops\r\n")
    srv = server_factory()
    _send(srv, "joe@example.test", msg)
    files = _joe_files(home)
    assert files and len(files) == 1, run("queue", "--home", home).stdout
    assert srv.stop() == 0
    srv = server_factory(extra=["--set", "hop_count=qmail-prefix"])
    with client(srv) as c:
        c.ehlo()
        c.mail("a@example.org")
        c.rcpt("joe@example.test")
        code, text = c.data(msg)
        assert code == 554 and text.startswith(b"5.4.6"), (code, text)
    assert srv.stop() == 0
