"""test_sending_routing.py: refmta's routing end to end (root: the peers listen on port 25).

RFC 5321 5.1 through the DNS fixture (`mtaspec dns`): MX fail-over (421 and 554 greetings,
EHLO and HELO refused, a refused address), the implicit MX, CNAME domains, an answer over
512 octets (TCP), null MX, NXDOMAIN and SERVFAIL, an MX pointing at refmta itself,
`smarthost` and `smtp_routes` (and their check-config diagnostics). Peers, DNS zone and
helpers: sending_support.py (addresses 127.0.5.x).
"""
import json
import os
import time

import pytest

from conftest import run, wait_for
from sending_support import addresses, captures, data_of, msg, queue_empty, send, serve, wait_log

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the peers listen on port 25 (root)")

IP, DNS_IP = addresses(5)  # this file's peers (the `net` fixture reads them)


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
