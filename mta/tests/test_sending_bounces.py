"""test_sending_bounces.py: refmta's notifications end to end (root: the peers listen on port 25).

Bounces (RFC 3464 and qmail's QSBMF, decoded by Sisimai when installed), expiry by the
test clock (4.4.7), double bounces, `Action: relayed`, DSN parameters passed on and carried
into the report, returned content capped, no bounce to <>, delay warnings (once per
recipient, also across a restart). Bounces to senders at sender.test land in the "box"
listener. Peers, DNS zone and helpers: sending_support.py (addresses 127.0.6.x).
"""
import glob
import os
import re
import time

import pytest

from conftest import maildir_files, run, wait_for
from sending_support import (addresses, captures, data_of, msg, queue_empty, send, serve, sisimai,
                             wait_log)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the peers listen on port 25 (root)")

IP, DNS_IP = addresses(6)  # this file's peers (the `net` fixture reads them)


def test_rcpt_5xx_bounce_rfc3464_sisimai(server_factory, home, net, base_dir):
    srv = serve(server_factory, home, net)
    tok = "rej3464"
    send(srv, f"s-{tok}@sender.test", [f"{tok}@rej.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    b = got[0]
    assert b["mail_from"] == "" and [r["path"] for r in b["rcpts"]] == [f"s-{tok}@sender.test"]
    data = data_of(b)
    assert b"Auto-Submitted: auto-replied" in data
    assert b"multipart/report; report-type=delivery-status" in data
    assert re.search(rb"Status: 5\.1\.1", data) and b"Action: failed" in data
    assert b"Remote-MTA: dns; mx.rej.test" in data, data.decode(errors="replace")
    path = os.path.join(base_dir, "bounce.eml")
    with open(path, "wb") as f:
        f.write(data)
    decoded = sisimai(path)
    if decoded is not None:
        assert decoded and decoded[0]["recipient"] == f"{tok}@rej.test", decoded
        assert decoded[0]["deliverystatus"] == "5.1.1" and decoded[0]["action"] == "failed"
        assert decoded[0]["smtpagent"] == "RFC3464", decoded
    assert queue_empty(home)
    assert srv.stop() == 0


def test_rcpt_5xx_bounce_qsbmf_qmail_profile(server_factory, home, net, base_dir):
    srv = serve(server_factory, home, net, profile="qmail")
    tok = "rejqsbmf"
    send(srv, f"s-{tok}@sender.test", [f"{tok}@rej.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert got[0]["mail_from"] == "" and got[0]["helo_verb"] == "HELO"
    assert b"Hi. This is the qmail-send program" in data
    assert f"<{tok}@rej.test>:".encode() in data and b"--- Below this line is a copy of the message." in data
    assert b"multipart/report" not in data
    path = os.path.join(base_dir, "qsbmf.eml")
    with open(path, "wb") as f:
        f.write(data)
    decoded = sisimai(path)
    if decoded is not None:
        # Sisimai recognises the layout as qmail's (its qmail module), with the recipient.
        assert [d["recipient"] for d in decoded] == [f"{tok}@rej.test"], decoded
        assert decoded[0]["smtpagent"] == "qmail" and decoded[0]["deliverystatus"].startswith("5."), decoded
    assert srv.stop() == 0


def test_unknown_local_user_qmail_profile_bounces(server_factory, home, net):
    # D1: accepted at RCPT under the qmail profile, bounced afterwards (backscatter).
    srv = serve(server_factory, home, net, profile="qmail")
    tok = "unknownlocal"
    send(srv, f"s-{tok}@sender.test", ["nobody@example.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    assert b"<nobody@example.test>:" in data_of(got[0])
    assert srv.stop() == 0


def test_expiry_by_test_clock_bounces_447(server_factory, home, net, base_dir, monkeypatch):
    clock = os.path.join(base_dir, "clock")
    with open(clock, "w") as f:
        f.write("0\n")
    os.chmod(clock, 0o644)
    monkeypatch.setenv("REFMTA_CLOCK_OFFSET_FILE", clock)
    srv = serve(server_factory, home, net, "queue_lifetime=3600")
    tok = "expiry"
    send(srv, f"s-{tok}@sender.test", [f"{tok}@dead.test"], msg(tok))
    assert wait_log(srv, "deferred "), srv.log()[-3000:]
    assert not captures(net["sinks"], IP["box"], f"s-{tok}@sender.test")
    with open(clock, "w") as f:
        f.write("7200\n")
    assert run("flush", "--home", home).returncode == 0
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert b"Status: 4.4.7" in data and b"Action: failed" in data, data.decode(errors="replace")
    assert "test clock: offset 7200" in srv.log()
    assert queue_empty(home)
    assert srv.stop() == 0


@pytest.mark.parametrize("policy", ["postmaster", "discard", "qmail"])
def test_double_bounce_policy(server_factory, home, net, policy):
    # The sender's domain refuses the bounce: the bounce of the bounce follows double_bounce.
    srv = serve(server_factory, home, net, "double_bounce=" + policy)
    tok = f"dbl-{policy}"
    send(srv, f"s-{tok}@bad.test", [f"{tok}@rej.test"], msg(tok))
    if policy == "discard":
        assert wait_log(srv, "no notification due"), srv.log()[-3000:]
        assert queue_empty(home)
        assert maildir_files(home, "postmaster") == []
    else:
        files = wait_for(lambda: maildir_files(home, "postmaster"))
        assert files and len(files) == 1, srv.log()[-3000:]
        data = open(files[0], "rb").read()
        rp = b"Return-Path: <#@[]>" if policy == "qmail" else b"Return-Path: <double-bounce@example.test>"
        assert data.startswith(rp), data[:200]
        assert f"s-{tok}@bad.test".encode() in data
        assert queue_empty(home)
    assert srv.stop() == 0


def test_notify_success_to_peer_without_dsn_relayed(server_factory, home, net, base_dir):
    srv = serve(server_factory, home, net)
    tok = "relayed"
    send(srv, f"s-{tok}@sender.test", [f"{tok}@nodsn.test"], msg(tok), rcpt_options=["NOTIFY=SUCCESS"])
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert b"Action: relayed" in data and b"Status: 2." in data, data.decode(errors="replace")
    assert got[0]["mail_from"] == ""
    assert b"Auto-Submitted: auto-replied" in data
    path = os.path.join(base_dir, "relayed.eml")
    with open(path, "wb") as f:
        f.write(data)
    decoded = sisimai(path)
    if decoded is not None:
        assert [(d["recipient"], d["action"]) for d in decoded] == [(f"{tok}@nodsn.test", "relayed")], decoded
    assert srv.stop() == 0


def _clock(base_dir, monkeypatch, seconds=0):
    clock = os.path.join(base_dir, "clock")
    with open(clock, "w") as f:
        f.write(f"{seconds}\n")
    os.chmod(clock, 0o644)
    monkeypatch.setenv("REFMTA_CLOCK_OFFSET_FILE", clock)
    return clock


def _set_clock(clock, seconds):
    with open(clock, "w") as f:
        f.write(f"{seconds}\n")


@pytest.mark.parametrize("warnings", ["on", "off"])
def test_delay_warning_once_per_notify(server_factory, home, net, peers, base_dir, monkeypatch, warnings):
    # RFC 3461 5.2.5 / E7: one "delayed" DSN per recipient pending past delay_warning_time,
    # when NOTIFY asks for DELAY, or NOTIFY is absent and delay_warnings is on; never for
    # NOTIFY=NEVER or a NOTIFY without DELAY; never twice.
    clock = _clock(base_dir, monkeypatch)
    peers("tmp", {"replies": {"rcpt": "451 4.3.0 try again later"}})
    srv = serve(server_factory, home, net, "delay_warning_time=3600", "delay_warnings=" + warnings)
    cases = {"none": [], "delay": ["NOTIFY=DELAY"], "failure": ["NOTIFY=FAILURE"],
             "never": ["NOTIFY=NEVER"], "all": ["NOTIFY=SUCCESS,FAILURE,DELAY"]}
    want = {"delay", "all"} | ({"none"} if warnings == "on" else set())
    for name, opts in cases.items():
        tok = f"dw{warnings}-{name}"
        send(srv, f"s-{tok}@sender.test", [f"{tok}@tmp.test"], msg(tok), rcpt_options=opts)
    assert wait_for(lambda: srv.log().count("deferred ") >= len(cases), timeout=60), srv.log()[-3000:]
    assert not any(captures(net["sinks"], IP["box"], f"s-dw{warnings}-{n}@sender.test") for n in cases)
    assert "delay warning" not in run("queue", "--home", home).stdout
    _set_clock(clock, 7200)
    assert run("flush", "--home", home).returncode == 0
    for name in want:
        got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-dw{warnings}-{name}@sender.test"))
        assert got, (name, srv.log()[-3000:])
        assert got[0]["mail_from"] == ""
        data = data_of(got[0])
        assert b"Action: delayed" in data and b"Will-Retry-Until: " in data, data.decode(errors="replace")
        assert b"Status: 4.3.0" in data and f"dw{warnings}-{name}@tmp.test".encode() in data
        assert b"multipart/report; report-type=delivery-status" in data
    assert wait_for(lambda: srv.log().count("queued delay notification") >= len(want))
    # Retried again later, still failing: no second warning, for anyone.
    deferred = srv.log().count("deferred ")
    _set_clock(clock, 10800)
    assert run("flush", "--home", home).returncode == 0
    assert wait_for(lambda: srv.log().count("deferred ") >= deferred + len(cases), timeout=60)
    time.sleep(2.5)
    for name in cases:
        got = captures(net["sinks"], IP["box"], f"s-dw{warnings}-{name}@sender.test")
        assert len(got) == (1 if name in want else 0), (name, len(got))
    assert srv.log().count("queued delay notification") == len(want)
    listing = run("queue", "--home", home).stdout
    assert listing.count("delay warning sent") == len(want), listing
    assert srv.stop() == 0


def _rewrite_item(text, rcpt, key, value):
    """Adds `key value` to recipient `rcpt` of an envelope file (the length-prefixed form)."""
    lines = text.split(b"\n")
    out, inside = [], False
    for ln in lines:
        if inside and (ln.startswith(b"rcpt ") or ln.startswith(b"end ")):
            out.append(key + b" " + str(len(value)).encode() + b":" + value)
            inside = False
        out.append(ln)
        if ln.startswith(b"rcpt ") and ln.split(b":", 1)[1] == rcpt:
            inside = True
    return b"\n".join(out)


def test_delay_warning_state_on_disk_governs_after_restart(server_factory, home, net, peers, base_dir,
                                                          monkeypatch):
    # Crash consistency: "delay due" on disk with the server gone before the DSN was queued
    # (the window of a kill -9) is sent on the next start, once; "delay sent" on disk is
    # never sent again.
    clock = _clock(base_dir, monkeypatch)
    peers("tmp", {"replies": {"rcpt": "451 4.3.0 try again later"}})
    srv = serve(server_factory, home, net, "delay_warning_time=3600")
    for tok in ("dwdue", "dwsent"):
        send(srv, f"s-{tok}@sender.test", [f"{tok}@tmp.test"], msg(tok))
    assert wait_for(lambda: srv.log().count("deferred ") >= 2), srv.log()[-3000:]
    assert srv.stop() == 0
    envs = {}
    for p in glob.glob(os.path.join(home, "queue", "**", "*"), recursive=True):
        data = open(p, "rb").read() if os.path.isfile(p) else b""
        if not data.startswith(b"refmta-envelope 1\n") or not data.endswith(b"end 0:\n"):
            continue
        for tok in ("dwdue", "dwsent"):
            if f":{tok}@tmp.test\n".encode() in data:
                envs[tok] = p
    assert sorted(envs) == ["dwdue", "dwsent"], envs
    for tok, state in (("dwdue", b"due"), ("dwsent", b"sent")):
        text = open(envs[tok], "rb").read()
        open(envs[tok], "wb").write(_rewrite_item(text, f"{tok}@tmp.test".encode(), b"delay", state))
    _set_clock(clock, 7200)
    srv = server_factory(extra=srv.extra)
    got = wait_for(lambda: captures(net["sinks"], IP["box"], "s-dwdue@sender.test"))
    assert got, srv.log()[-3000:]
    assert b"Action: delayed" in data_of(got[0])
    assert wait_for(lambda: run("queue", "--home", home).stdout.count("delay warning sent") == 2)
    assert run("flush", "--home", home).returncode == 0
    time.sleep(2.5)
    assert len(captures(net["sinks"], IP["box"], "s-dwdue@sender.test")) == 1
    assert captures(net["sinks"], IP["box"], "s-dwsent@sender.test") == []
    assert srv.stop() == 0


def test_dsn_parameters_passed_on_and_carried_into_the_report(server_factory, home, net, base_dir):
    # RFC 3461: NOTIFY/ORCPT/RET/ENVID passed on to a next hop that offers DSN; to one that
    # refuses, ENVID and ORCPT are in the report, RET=HDRS returns the headers only.
    srv = serve(server_factory, home, net)
    send(srv, "s-dsn@sender.test", ["dsn@ok.test"], msg("dsnpass"),
         mail_options=["RET=HDRS", "ENVID=env+2Bpass"],
         rcpt_options=["NOTIFY=FAILURE,DELAY", "ORCPT=rfc822;orig-pass@x.test"])
    got = wait_for(lambda: captures(net["sinks"], IP["ok"], "dsnpass"))
    assert got, srv.log()[-3000:]
    params = got[0]["mail_params"]
    assert "RET=HDRS" in params and "ENVID=env+2Bpass" in params, got[0]
    rp = got[0]["rcpts"][0]["params"]
    assert "NOTIFY=FAILURE,DELAY" in rp and "ORCPT=rfc822;orig-pass@x.test" in rp, rp
    tok = "dsnrep"
    body = msg(tok) + b"BODY-LINE-NOT-RETURNED\r\n"
    send(srv, f"s-{tok}@sender.test", [f"{tok}@rej.test"], body,
         mail_options=["RET=HDRS", "ENVID=env-42"], rcpt_options=["ORCPT=rfc822;orig-rep@x.test"])
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert b"Original-Envelope-Id: env-42" in data, data.decode(errors="replace")
    assert b"Original-Recipient: rfc822;orig-rep@x.test" in data.replace(b"; ", b";")
    assert b"text/rfc822-headers" in data and f"Subject: {tok}".encode() in data
    assert b"BODY-LINE-NOT-RETURNED" not in data
    assert srv.stop() == 0


def test_returned_content_capped_headers_kept(server_factory, home, net):
    # bounce_size_limit caps the returned original (RET=FULL); the header is always returned.
    srv = serve(server_factory, home, net, "bounce_size_limit=2000")
    tok = "bigbounce"
    long_header = b"X-Long: " + b"\r\n ".join([b"h" * 70] * 45) + b"\r\n"  # 3000+ octets, folded
    body = msg(tok, long_header) + (b"x" * 70 + b"\r\n") * 2000
    send(srv, f"s-{tok}@sender.test", [f"{tok}@rej.test"], body, mail_options=["RET=FULL"])
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    data = data_of(got[0])
    assert len(data) < 20000, len(data)
    assert long_header.strip() in data and f"Subject: {tok}".encode() in data
    assert b"Status: 5.1.1" in data
    assert srv.stop() == 0


def test_null_sender_never_bounced_to(server_factory, home, net):
    # A failed message from <> gets no bounce to <>: it is a double bounce, to the postmaster
    # (double_bounce = postmaster), and never bounced again.
    srv = serve(server_factory, home, net, "double_bounce=postmaster")
    send(srv, "", ["nullsender@rej.test"], msg("nullsender"))
    files = wait_for(lambda: maildir_files(home, "postmaster"))
    assert files and len(files) == 1, srv.log()[-3000:]
    assert b"nullsender@rej.test" in open(files[0], "rb").read()
    assert queue_empty(home)
    assert not [c for c in captures(net["sinks"]) if c.get("mail_from") == "" and
                any(r["path"] == "" for r in c["rcpts"])]
    assert srv.stop() == 0
