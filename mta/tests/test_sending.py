"""test_sending.py: refmta's sending side end to end (root: the peers listen on port 25).

refmta resolves through the harness's DNS fixture (`mtaspec dns`, a zone written here) and
delivers to capture sinks (`mtaspec sink`) on 127.0.3.x:25, one listener per behaviour.
Bounces to senders at sender.test land in the "box" listener; `refmta flush` and the test
clock (REFMTA_CLOCK_OFFSET_FILE) drive retries and expiry without waiting.
Mail is submitted from 127.0.0.2 (trusted for relaying) to 127.0.0.10.
"""
import base64
import glob
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import CLIENT_IP, MTASPEC, REFMTA, SERVER_IP, free_port, maildir_files, run, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the peers listen on port 25 (root)")

IP = {"ok": "127.0.3.1", "rej": "127.0.3.2", "tmp": "127.0.3.3", "nodsn": "127.0.3.4",
      "helo": "127.0.3.5", "fo421": "127.0.3.6", "dot": "127.0.3.7", "dead": "127.0.3.8",
      "box": "127.0.3.9", "g554": "127.0.3.10", "qmtp": "127.0.3.11", "self": "127.0.3.12",
      "mixed": "127.0.3.13", "noquit": "127.0.3.14", "ehlo5": "127.0.3.15",
      "slow": "127.0.3.16"}
DNS_IP = "127.0.3.53"

BEHAVIOURS = {
    "ok": {},
    "rej": {"replies": {"rcpt": "550 5.1.1 no such user here"}},
    "nodsn": {"ehlo_keywords": ["PIPELINING", "SIZE 52428800", "ENHANCEDSTATUSCODES"]},
    "fo421": {"greeting": "421 mx busy, try the next one"},
    "box": {},
    "helo": {"esmtp": False},  # RFC 821 peer: EHLO gets 500, HELO works
    "g554": {"greeting": "554 no SMTP service here"},
    "ehlo5": {"replies": {"ehlo": "550 go away", "helo": "550 go away"}},
    "noquit": {"replies": {"quit": {"silent": True, "close": True}}},  # no 221
    "slow": {"delays": {"greeting": 1500, "mail": 1000, "eod": 1500}},  # the client waits
}


def _zone():
    recs = []
    for dom, host in (("ok.test", "ok"), ("rej.test", "rej"), ("bad.test", "rej"),
                      ("tmp.test", "tmp"), ("nodsn.test", "nodsn"), ("dot.test", "dot"),
                      ("dead.test", "dead"), ("sender.test", "box")):
        recs.append({"name": dom, "type": "MX", "preference": 10, "exchange": f"mx.{dom}"})
        recs.append({"name": f"mx.{dom}", "type": "A", "address": IP[host]})
    recs += [{"name": "mxfo.test", "type": "MX", "preference": 10, "exchange": "mx421.mxfo.test"},
             {"name": "mx421.mxfo.test", "type": "A", "address": IP["fo421"]},
             {"name": "mxfo.test", "type": "MX", "preference": 20, "exchange": "mx.ok.test"},
             {"name": "nullmx.test", "type": "MX", "preference": 0, "exchange": "."},
             # smtp_routes: a route host given by name (A record only, no MX of its own).
             {"name": "relay.route.test", "type": "A", "address": IP["ok"]}]
    for dom, host in (("helo.test", "helo"), ("noquit.test", "noquit"), ("mixed.test", "mixed"),
                      ("slow.test", "slow")):
        recs.append({"name": dom, "type": "MX", "preference": 10, "exchange": f"mx.{dom}"})
        recs.append({"name": f"mx.{dom}", "type": "A", "address": IP[host]})
    # RFC 5321 5.1: a refused greeting (554) or EHLO and HELO refused: the next MX.
    for dom, host in (("g554.test", "g554"), ("ehlo5.test", "ehlo5")):
        recs += [{"name": dom, "type": "MX", "preference": 10, "exchange": f"mx.{dom}"},
                 {"name": f"mx.{dom}", "type": "A", "address": IP[host]},
                 {"name": dom, "type": "MX", "preference": 20, "exchange": "mx.ok.test"}]
    recs += [
        # One MX, two addresses: the first refuses the connection, the second takes the mail.
        {"name": "multi.test", "type": "MX", "preference": 10, "exchange": "mx.multi.test"},
        {"name": "mx.multi.test", "type": "A", "address": IP["dead"]},
        {"name": "mx.multi.test", "type": "A", "address": IP["ok"]},
        # No MX: the implicit MX (the domain's own A record).
        {"name": "implicit.test", "type": "A", "address": IP["ok"]},
        # The recipient domain is a CNAME: followed for routing, never rewritten.
        {"name": "cname.test", "type": "CNAME", "target": "ok.test"},
        # 30 MX RRs (over 512 octets: TC over UDP, the whole answer over TCP); only the
        # last one, the one UDP truncation drops, has an address.
        {"name": "big.test", "type": "MX", "preference": 10, "preference_step": 1,
         "exchange": "mx-{i}.big.test", "repeat": 30},
        {"name": "mx-30.big.test", "type": "A", "address": IP["ok"]},
        # MX pointing at ourselves: by name (hostname) and by an address refmta listens on.
        {"name": "selfname.test", "type": "MX", "preference": 10, "exchange": "mx.selfname.test"},
        {"name": "mx.selfname.test", "type": "A", "address": IP["ok"]},
        {"name": "selfip.test", "type": "MX", "preference": 10, "exchange": "mx.selfip.test"},
        {"name": "mx.selfip.test", "type": "A", "address": IP["self"]},
    ]
    return {"ttl": 60, "records": recs, "servfail": ["servfail.test"]}


def _start_listening(args, out_log, want):
    p = subprocess.Popen(args, stdout=open(out_log, "wb"), stderr=subprocess.STDOUT)
    ok = wait_for(lambda: open(out_log, "rb").read().count(b"listening on") >= want or p.poll() is not None,
                  timeout=15)
    if p.poll() is not None or not ok:
        raise AssertionError(f"{args[1]} did not start: " + open(out_log, errors="replace").read())
    return p


class Sink:
    """One `mtaspec sink` process; its captures are DIR/NNNN.json."""

    def __init__(self, base, name, listeners):
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir, exist_ok=True)
        self.out = os.path.join(self.dir, "out")
        args = [MTASPEC, "sink", "--out", self.out]
        for ip, behaviour in listeners:
            bf = os.path.join(self.dir, f"{ip}.json")
            with open(bf, "w") as f:
                json.dump(behaviour, f)
            args += ["--listen", f"{ip}:25={bf}"]
        self.proc = _start_listening(args, os.path.join(self.dir, "log"), len(listeners))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


def captures(sink_dirs, ip=None, token=None):
    out = []
    for d in sink_dirs:
        for p in sorted(glob.glob(os.path.join(d, "out", "*.json"))):
            try:
                with open(p) as f:
                    c = json.load(f)
            except (OSError, ValueError):
                continue  # being written
            if ip and not c.get("listen", "").startswith(ip + ":"):
                continue
            blob = json.dumps(c.get("rcpts")) + c.get("mail_from", "")
            if token and token not in blob and token.encode() not in base64.b64decode(c.get("data_b64", "")):
                continue
            out.append(c)
    return out


def data_of(c):
    return base64.b64decode(c["data_b64"])


@pytest.fixture(scope="module")
def net():
    base = tempfile.mkdtemp(prefix="refmta-sending-")
    os.chmod(base, 0o755)
    zone = os.path.join(base, "zone.json")
    with open(zone, "w") as f:
        json.dump(_zone(), f)
    port = free_port()
    dns = _start_listening([MTASPEC, "dns", "--listen", f"{DNS_IP}:{port}", "--zone", zone,
                            "--log", os.path.join(base, "queries.jsonl")],
                           os.path.join(base, "dns.log"), 1)
    sink = Sink(base, "main", [(IP[k], b) for k, b in BEHAVIOURS.items()])
    yield {"base": base, "dns": f"{DNS_IP}:{port}", "sinks": [sink.dir], "sink": sink,
           "queries": os.path.join(base, "queries.jsonl")}
    sink.stop()
    dns.send_signal(signal.SIGTERM)
    dns.wait(10)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def peers(net):
    """Restartable single-listener sinks (their behaviour changes between attempts)."""
    started = []

    def start(name, behaviour):
        s = Sink(net["base"], f"{name}-{len(started)}", [(IP[name], behaviour)])
        started.append(s)
        net["sinks"].append(s.dir)
        return s

    yield start
    for s in started:
        s.stop()


def serve(server_factory, home, net, *sets, profile="strict", env_clock=None):
    r = run("init", "--home", home, "--domain", "example.test", "--user", "postmaster",
            "--user", "joe", "--profile", profile)
    assert r.returncode == 0, r.stderr
    extra = ["--set", "dns_server=" + net["dns"], "--set", "trusted_networks=127.0.0.2/32"]
    for kv in sets:
        extra += ["--set", kv]
    return server_factory(extra=extra)


def send(srv, sender, rcpts, msg, mail_options=(), rcpt_options=()):
    with smtplib.SMTP(SERVER_IP, srv.port, source_address=(CLIENT_IP, 0), timeout=30) as c:
        refused = c.sendmail(sender, rcpts, msg, mail_options=list(mail_options),
                             rcpt_options=list(rcpt_options))
        assert not refused


def msg(token, extra=b""):
    return (b"From: s@sender.test\r\nSubject: " + token.encode() + b"\r\nMessage-ID: <" +
            token.encode() + b"@sender.test>\r\n" + extra + b"\r\nbody " + token.encode() + b"\r\n")


def wait_log(srv, text, timeout=30):
    return wait_for(lambda: text in srv.log(), timeout=timeout, step=0.1)


def queue_empty(home, timeout=30):
    return wait_for(lambda: "0 message(s) in the queue" in run("queue", "--home", home).stdout,
                    timeout=timeout, step=0.2)


def sisimai(path):
    script = os.path.join(os.path.dirname(__file__), "..", "lib", "report", "testdata", "sisimai_decode.pl")
    if subprocess.run(["perl", "-MSisimai", "-MJSON::PP", "-e", "1"], capture_output=True).returncode:
        return None
    r = subprocess.run(["perl", script, "--delivered", path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


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


def test_mx_failover_and_null_mx(server_factory, home, net):
    srv = serve(server_factory, home, net)
    tok = "failover"
    send(srv, "s@sender.test", [f"{tok}@mxfo.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["ok"], tok))
    assert got, srv.log()[-3000:]
    assert wait_log(srv, "via mx.ok.test")
    tok = "nullmx"
    send(srv, f"s-{tok}@sender.test", [f"{tok}@nullmx.test"], msg(tok))
    got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{tok}@sender.test"))
    assert got, srv.log()[-3000:]
    assert b"Status: 5.1.10" in data_of(got[0])
    assert queue_empty(home)
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


@pytest.mark.parametrize("profile", ["strict", "qmail"])
def test_smtp_routes_each_form(server_factory, home, net, profile):
    # qmail's smtproutes semantics in both profiles: exact domain, ".domain" for subdomains
    # (not the domain itself), "domain=" for MX lookup, "=host" the default route (before
    # smarthost); route hosts as IPs or names looked up through DNS.
    routes = ",".join([f"exact.test={IP['nodsn']}", ".sub.test=relay.route.test:25",
                       "mxfo.test=", f"={IP['box']}"])
    srv = serve(server_factory, home, net, "smtp_routes=" + routes, "smarthost=127.0.0.1:1")
    tok = f"routes-{profile}"
    where = {f"{tok}-exact@exact.test": IP["nodsn"], f"{tok}-sub@a.sub.test": IP["ok"],
             f"{tok}-deep@b.a.sub.test": IP["ok"], f"{tok}-mx@mxfo.test": IP["ok"],
             f"{tok}-default@elsewhere.test": IP["box"], f"{tok}-bare@sub.test": IP["box"]}
    for rcpt in where:
        send(srv, "s@sender.test", [rcpt], msg(rcpt.split("@")[0]))
    for rcpt, ip in where.items():
        got = wait_for(lambda: [c for c in captures(net["sinks"], ip, rcpt.split("@")[0])
                                if any(r["path"] == rcpt for r in c["rcpts"])])
        assert got, (rcpt, ip, srv.log()[-3000:])
        assert got[0]["eod_code"] == 250
    # The queue logs a delivery after recording it, which can be after the sink's 250.
    lines = [f"<{tok}-sub@a.sub.test> via relay.route.test", f"<{tok}-mx@mxfo.test> via mx.ok.test",
             f"<{tok}-exact@exact.test> via [{IP['nodsn']}]"]
    assert wait_for(lambda: all(l in srv.log() for l in lines)), (lines, srv.log()[-3000:])
    assert queue_empty(home)
    assert srv.stop() == 0


def test_check_config_smtp_routes(home):
    assert run("init", "--home", home, "--domain", "example.test").returncode == 0
    assert run("check-config", "--home", home, "--set",
               "smtp_routes=a.test=127.0.3.1:2525, .a.test=relay.test, =127.0.3.9").returncode == 0
    r = run("check-config", "--home", home, "--set", "smtp_routes=example.test=127.0.3.1")
    assert r.returncode == 1 and "smtp_routes names the local domain example.test" in r.stdout, r.stdout
    r = run("check-config", "--home", home, "--set", "smtp_routes==127.0.3.9", "--set", "smarthost=127.0.3.1")
    assert r.returncode == 1 and "smarthost is never used" in r.stdout, r.stdout
    r = run("check-config", "--home", home, "--set", "smtp_routes=a.test")
    assert r.returncode == 2 and "smtp_routes" in r.stderr


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


def _queries(net, name):
    out = []
    try:
        with open(net["queries"]) as f:
            for line in f:
                try:
                    q = json.loads(line)
                except ValueError:
                    continue
                if q.get("name", "").lower() == name:
                    out.append(q)
    except OSError:
        pass
    return out


def test_routing_every_mx_every_address_cname_and_big_answer(server_factory, home, net):
    # RFC 5321 5.1 through the DNS fixture: after a 554 greeting, after EHLO and HELO
    # refused, and after a refused connection, the next MX / next address; the implicit MX;
    # a CNAME recipient domain routed but never rewritten in RCPT TO; an MX answer over 512
    # octets read again over TCP; an RFC 821 peer gets HELO after EHLO is refused.
    srv = serve(server_factory, home, net)
    cases = {"g554": "g554.test", "ehlo5": "ehlo5.test", "multi": "multi.test",
             "implicit": "implicit.test", "cname": "cname.test", "big": "big.test"}
    for name, dom in cases.items():
        send(srv, "s@sender.test", [f"route-{name}@{dom}"], msg(f"route-{name}"))
    send(srv, "s@sender.test", ["route-helo@helo.test"], msg("route-helo"))
    send(srv, "s@sender.test", ["route-slow@slow.test"], msg("route-slow"))
    for name, dom in cases.items():
        got = wait_for(lambda: captures(net["sinks"], IP["ok"], f"route-{name}"))
        assert got, (name, srv.log()[-3000:])
        # The envelope address as given: no CNAME rewriting (RFC 5321 5.1).
        assert [r["path"] for r in got[0]["rcpts"]] == [f"route-{name}@{dom}"], got[0]["rcpts"]
        assert got[0]["eod_code"] == 250
    # The refusing hosts saw the session and took nothing.
    assert not [c for c in captures(net["sinks"], IP["g554"]) if c.get("data_complete")]
    assert not [c for c in captures(net["sinks"], IP["ehlo5"]) if c.get("mail_from")]
    got = wait_for(lambda: captures(net["sinks"], IP["helo"], "route-helo"))
    assert got and got[0]["helo_verb"] == "HELO" and got[0]["eod_code"] == 250, got
    # A slow peer (delayed greeting, MAIL and end-of-data replies): waited for, delivered once.
    got = wait_for(lambda: captures(net["sinks"], IP["slow"], "route-slow"))
    assert got and got[0]["eod_code"] == 250, got
    # Logged once recorded, possibly after the sink's 250.
    for name in ("g554", "ehlo5"):
        assert wait_for(lambda: f"<route-{name}@{name}.test> via mx.ok.test" in srv.log()), \
            srv.log()[-3000:]
    big = _queries(net, "big.test")
    assert any(q["transport"] == "udp" and q.get("tc") for q in big), big
    assert any(q["transport"] == "tcp" and q["answers"] == 30 for q in big), big
    assert queue_empty(home)
    assert len(captures(net["sinks"], IP["slow"], "route-slow")) == 1
    assert srv.stop() == 0


def test_nxdomain_bounces_servfail_defers(server_factory, home, net):
    srv = serve(server_factory, home, net)
    send(srv, "s-nx@sender.test", ["nx@nosuch.test"], msg("nxdomain"))
    got = wait_for(lambda: captures(net["sinks"], IP["box"], "s-nx@sender.test"))
    assert got, srv.log()[-3000:]
    assert b"Status: 5.1.2" in data_of(got[0]) and b"Action: failed" in data_of(got[0])
    # SERVFAIL: a temporary DNS failure defers (4.4.3), no bounce.
    send(srv, "s-sf@sender.test", ["sf@servfail.test"], msg("servfail"))
    assert wait_for(lambda: "<sf@servfail.test> (pending, 1 attempt(s), next attempt " in
                    run("queue", "--home", home).stdout), run("queue", "--home", home).stdout
    out = run("queue", "--home", home).stdout
    assert "tempfail" in out, out
    time.sleep(1)
    assert not captures(net["sinks"], IP["box"], "s-sf@sender.test")
    assert srv.stop() == 0


def test_mx_pointing_at_ourselves_bounces_546(server_factory, home, net):
    # RFC 5321 5.1: the best MX is this MTA, by name (hostname) or by an address it listens
    # on at port 25: a routing loop, returned at once (5.4.6), never sent to the MX.
    r = run("init", "--home", home, "--domain", "example.test", "--user", "postmaster")
    assert r.returncode == 0, r.stderr
    srv = server_factory(extra=["--set", "dns_server=" + net["dns"], "--set", "trusted_networks=127.0.0.2/32",
                                "--set", "hostname=mx.selfname.test", "--listen", f"{IP['self']}:25"])
    for dom in ("selfname", "selfip"):
        send(srv, f"s-{dom}@sender.test", [f"loop@{dom}.test"], msg(f"self-{dom}"))
    for dom in ("selfname", "selfip"):
        got = wait_for(lambda: captures(net["sinks"], IP["box"], f"s-{dom}@sender.test"))
        assert got, (dom, srv.log()[-3000:])
        data = data_of(got[0])
        assert b"Status: 5.4.6" in data and b"Action: failed" in data, data.decode(errors="replace")
    assert not captures(net["sinks"], IP["ok"], "self-selfname")
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


def test_smarthost_takes_everything(server_factory, home, net):
    srv = serve(server_factory, home, net, f"smarthost={IP['ok']}")
    rcpts = ["sh1@nullmx.test", "sh2@nosuch.test", "sh3@rej.test"]
    send(srv, "s@sender.test", rcpts, msg("smarthost"))
    delivered = lambda: sorted(r["path"] for c in captures(net["sinks"], IP["ok"], "smarthost")
                               if c["eod_code"] == 250 for r in c["rcpts"])
    assert wait_for(lambda: len(delivered()) >= len(rcpts)), srv.log()[-3000:]
    assert delivered() == sorted(rcpts)
    assert queue_empty(home)
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
