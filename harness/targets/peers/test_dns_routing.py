"""test_dns_routing.py - with DNS routing on (PeerConfig.dns_suffixes, peerctl --dns-suffix),
each peer resolves through the harness's DNS fixture only (127.0.0.53, zones/fixture.json):
mail from the trusted relay client to an unknown domain under .test bounces (or is
deferred), the fixture saw the lookup, and no peer process ever holds a socket to an address
off loopback.

Needs root, the prepared peers (scripts/peers-fetch) and an mtaspec binary ($MTASPEC, else
the newest build*/bin/mtaspec of the tree). When 127.0.0.53:53 is already served (another
run's fixture with the same zone), that one is used and the query-log checks are skipped.
    /usr/bin/python3 -m pytest -q harness/targets/peers/test_dns_routing.py
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sandbox  # noqa: E402
from test_peers import (ROUTE_IP, SINK_IP, TRUSTED, _free_port, _message, _run_dir,  # noqa: E402
                        _skip_reason, _smtp)
from testsink import CaptureSink  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
ZONE = ROOT / "harness/dns/zones/fixture.json"
ROUTED = "routed.test"


def _mtaspec() -> str | None:
    if os.environ.get("MTASPEC"):
        return os.environ["MTASPEC"]
    found = sorted(ROOT.glob("build*/bin/mtaspec"), key=lambda p: p.stat().st_mtime)
    return str(found[-1]) if found else None


def _port53_free() -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((sandbox.DNS_FIXTURE, 53))
            except OSError:
                return False
    return True


@pytest.fixture(scope="module")
def dns_fixture(tmp_path_factory):
    binary = _mtaspec()
    if os.geteuid() != 0:
        pytest.skip("port 53 and the peers need root")
    if not _port53_free():
        yield None   # another run's fixture serves the zone; no query log here
        return
    if not binary or not Path(binary).is_file():
        pytest.skip("no mtaspec binary (set MTASPEC)")
    log = tmp_path_factory.mktemp("dns") / "queries.jsonl"
    p = subprocess.Popen([binary, "dns", "--listen", f"{sandbox.DNS_FIXTURE}:53",
                          "--zone", str(ZONE), "--log", str(log)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = p.stdout.readline().decode()
    if "listening" not in line:
        p.kill()
        pytest.fail(f"mtaspec dns did not start: {line}")
    yield log
    p.terminate()
    p.wait(timeout=10)


@pytest.fixture(scope="module", params=sandbox.KINDS)
def dns_peer(request, dns_fixture):
    kind = request.param
    if reason := _skip_reason(kind):
        pytest.skip(reason)
    sink = CaptureSink(SINK_IP, 0).start()
    route_sink = CaptureSink(ROUTE_IP, 0).start()
    run_dir = _run_dir()
    ip = sandbox.DEFAULT_LISTEN_IP[kind]
    cfg = sandbox.PeerConfig(kind=kind, run_dir=run_dir, listen=(ip, _free_port(ip)),
                             sink=(SINK_IP, sink.port),
                             routes=[(ROUTED, (ROUTE_IP, route_sink.port))],
                             dns_suffixes=["test"])
    try:
        with sandbox.running(cfg) as info:
            yield {**info, "sink": sink, "route_sink": route_sink, "cfg": cfg,
                   "log": dns_fixture}
    finally:
        sink.stop()
        route_sink.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def _off_loopback_sockets(pids: set[int]) -> list[str]:
    """Sockets (TCP and UDP) of `pids` whose remote address is not loopback."""
    out = subprocess.run(["ss", "-tunapH"], stdout=subprocess.PIPE, text=True).stdout
    bad = []
    for line in out.splitlines():
        if not any(f"pid={p}," in line for p in pids):
            continue
        fields = line.split()
        if len(fields) < 6:
            continue
        peer = fields[5].rsplit(":", 1)[0].strip("[]")
        if peer in ("*", "0.0.0.0", "::"):
            continue
        try:
            if not ipaddress.ip_address(peer.split("%")[0]).is_loopback:
                bad.append(line)
        except ValueError:
            bad.append(line)
    return bad


def test_resolv_conf_names_only_the_fixture(dns_peer):
    pid = dns_peer["pid"]
    text = Path(f"/proc/{pid}/root/etc/resolv.conf").read_text()
    servers = [l.split()[1] for l in text.splitlines() if l.startswith("nameserver")]
    assert servers == [sandbox.DNS_FIXTURE]


def test_unknown_domain_bounces_without_leaving_loopback(dns_peer):
    stamp = f"{dns_peer['cfg'].kind}-{int(time.time() * 1000)}"
    domain = f"unknown-{stamp}.test"
    rcpt = f"nobody@{domain}"
    sender = f"s-{stamp}@{ROUTED}"
    s = _smtp(dns_peer, TRUSTED)
    try:
        s.sendmail(sender, [rcpt], _message(rcpt, f"dns {stamp}"))
    finally:
        s.quit()
    deadline = time.monotonic() + 45
    bounce, bad, asked = None, [], []
    while time.monotonic() < deadline:
        pids = set(sandbox.peer_processes(dns_peer["run_dir"]))
        bad += _off_loopback_sockets(pids)
        if dns_peer["log"] is not None:
            asked = [json.loads(l) for l in dns_peer["log"].read_text().splitlines()
                     if domain in l]
        bounce = next((m for m in dns_peer["route_sink"].messages
                       if stamp.encode() in m.data and m.mail_from.split()[0] == "<>"), None)
        if bounce and (asked or dns_peer["log"] is None):
            break
        time.sleep(0.2)
    assert not bad, "a peer process talked to an address off loopback:\n" + "\n".join(bad)
    if dns_peer["log"] is not None:
        assert asked, f"the fixture was never asked about {domain}"
        assert all(q["outcome"] == "NXDOMAIN" for q in asked), asked
    # nothing was delivered anywhere for the unknown domain
    assert not [m for m in dns_peer["sink"].messages if domain.encode() in str(m.rcpt_to).encode()]
    # Postfix, Exim and OpenSMTPD all bounce NXDOMAIN at once; a deferral would still be
    # safe (no connection), but is not what these peers do.
    assert bounce is not None, "no bounce for the unknown domain within 45 s"
