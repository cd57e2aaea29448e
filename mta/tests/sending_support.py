"""sending_support.py: the peers, DNS zone and helpers shared by the sending-side tests.

refmta resolves through the harness's DNS fixture (`mtaspec dns`, the zone written here) and
delivers to capture sinks (`mtaspec sink`) on port 25, one listener per behaviour. Each test
file has its own address block 127.0.B.x (`addresses(B)`: the sinks on 127.0.B.1-16, the DNS
fixture on 127.0.B.53), so the files run in parallel (one ctest entry each). Bounces to
senders at sender.test land in the "box" listener; `refmta flush` and the test clock
(REFMTA_CLOCK_OFFSET_FILE) drive retries and expiry without waiting. Mail is submitted from
127.0.0.2 (trusted for relaying) to 127.0.0.10.

The fixtures `net` (module scope: {"dns", "sinks", "queries", "ip", ...}) and `peers` (a
function starting a restartable single-listener sink) are in conftest.py; they read the
requesting module's IP and DNS_IP.

Example (a test file):
    from sending_support import addresses, captures, msg, send, serve
    IP, DNS_IP = addresses(5)
    def test_x(server_factory, home, net):
        srv = serve(server_factory, home, net)
        send(srv, "s@sender.test", ["x@ok.test"], msg("x"))
        assert wait_for(lambda: captures(net["sinks"], IP["ok"], "x"))
"""
import base64
import glob
import json
import os
import shutil
import signal
import smtplib
import subprocess
import tempfile

from conftest import CLIENT_IP, MTASPEC, SERVER_IP, free_port, run, wait_for

# The last octet of each behaviour's listener (its address is 127.0.B.<octet>).
HOSTS = {"ok": 1, "rej": 2, "tmp": 3, "nodsn": 4, "helo": 5, "fo421": 6, "dot": 7, "dead": 8,
         "box": 9, "g554": 10, "qmtp": 11, "self": 12, "mixed": 13, "noquit": 14, "ehlo5": 15,
         "slow": 16}


def addresses(block):
    """({behaviour: "127.0.<block>.<octet>"}, the DNS fixture's address) of one test file."""
    return {k: f"127.0.{block}.{n}" for k, n in HOSTS.items()}, f"127.0.{block}.53"


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


def _zone(IP):
    """The DNS fixture's zone, the exchanges at the addresses in IP."""
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


def network(ip, dns_ip):
    """Generator behind conftest's `net` fixture: the DNS fixture and the sinks of one block."""
    base = tempfile.mkdtemp(prefix="refmta-sending-")
    os.chmod(base, 0o755)
    zone = os.path.join(base, "zone.json")
    with open(zone, "w") as f:
        json.dump(_zone(ip), f)
    port = free_port()
    dns = _start_listening([MTASPEC, "dns", "--listen", f"{dns_ip}:{port}", "--zone", zone,
                            "--log", os.path.join(base, "queries.jsonl")],
                           os.path.join(base, "dns.log"), 1)
    sink = Sink(base, "main", [(ip[k], b) for k, b in BEHAVIOURS.items()])
    yield {"base": base, "dns": f"{dns_ip}:{port}", "sinks": [sink.dir], "sink": sink,
           "queries": os.path.join(base, "queries.jsonl"), "ip": ip}
    sink.stop()
    dns.send_signal(signal.SIGTERM)
    dns.wait(10)
    shutil.rmtree(base, ignore_errors=True)


def peer_sinks(net):
    """Generator behind conftest's `peers` fixture: restartable single-listener sinks."""
    started = []

    def start(name, behaviour):
        s = Sink(net["base"], f"{name}-{len(started)}", [(net["ip"][name], behaviour)])
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
