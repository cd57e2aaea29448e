"""test_crash_remote.py: crash safety with remote deliveries and bounces (root: peers on :25).

Clients send messages with a unique X-Seq to a local mailbox, to a remote peer (a capture
sink reached through the DNS fixture) and, for every third message, to a recipient the
remote peer refuses (550), which makes a bounce to the sender's domain (a second sink
listener). Every refmta process is killed with SIGKILL at random moments (at least
KILLS times) and restarted. Afterwards, with `refmta flush` until the queue is empty:
  - every acknowledged message is in the maildir exactly once and at the peer at least once;
  - every acknowledged message with a refused recipient has its bounce at the sender's
    domain (never lost);
  - copies at the peer beyond the first, and duplicate bounces, are counted and reported:
    a copy delivered twice (same bytes; bounces too are remote deliveries) comes from a kill
    between the peer's reply and the durable envelope write; a bounce made twice (two
    different Message-IDs) from a kill between its commit and the envelope write that
    records it (one fsync). Each kill adds at most the deliveries in flight at that instant.
"""
import base64
import collections
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import MTASPEC, free_port, run, wait_for
from crashload import maildir_seq_counts, run_load_with_kills

pytestmark = [pytest.mark.crash,
              pytest.mark.skipif(os.geteuid() != 0, reason="the peers listen on port 25 (root)")]

CLIENTS = 6
TARGET_ACKED = 300
KILLS = 20
OK_IP, REJ_IP, BOX_IP, DNS_IP = "127.0.4.1", "127.0.4.2", "127.0.4.9", "127.0.4.53"


def _start(args, log, want):
    p = subprocess.Popen(args, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    assert wait_for(lambda: open(log, "rb").read().count(b"listening on") >= want or p.poll() is not None,
                    timeout=15) and p.poll() is None, open(log, errors="replace").read()
    return p


@pytest.fixture
def peers():
    base = tempfile.mkdtemp(prefix="refmta-crash-remote-")
    os.chmod(base, 0o755)
    recs = []
    for dom, ip in (("ok.test", OK_IP), ("rej.test", REJ_IP), ("sender.test", BOX_IP)):
        recs += [{"name": dom, "type": "MX", "preference": 10, "exchange": f"mx.{dom}"},
                 {"name": f"mx.{dom}", "type": "A", "address": ip}]
    zone = os.path.join(base, "zone.json")
    with open(zone, "w") as f:
        json.dump({"records": recs}, f)
    port = free_port()
    dns = _start([MTASPEC, "dns", "--listen", f"{DNS_IP}:{port}", "--zone", zone],
                 os.path.join(base, "dns.log"), 1)
    args = [MTASPEC, "sink", "--out", os.path.join(base, "out")]
    for ip, b in ((OK_IP, {}), (REJ_IP, {"replies": {"rcpt": "550 5.1.1 no such user"}}), (BOX_IP, {})):
        bf = os.path.join(base, ip + ".json")
        with open(bf, "w") as f:
            json.dump(b, f)
        args += ["--listen", f"{ip}:25={bf}"]
    sink = _start(args, os.path.join(base, "sink.log"), 3)
    yield {"base": base, "dns": f"{DNS_IP}:{port}"}
    for p in (sink, dns):
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    shutil.rmtree(base, ignore_errors=True)


def test_kill9_with_remote_deliveries_and_bounces(server_factory, home, peers):
    random.seed(int(os.environ.get("CRASH_SEED", time.time())))
    assert run("init", "--home", home, "--domain", "example.test").returncode == 0
    srv = server_factory(extra=["--set", "connections_per_client=100", "--set", "dns_server=" + peers["dns"],
                                "--set", "trusted_networks=127.0.0.2/32"])

    def make(n, seq):
        rcpts = ["postmaster@example.test", f"r{seq}@ok.test"]
        if seq % 3 == 0:
            rcpts.append(f"gone{seq}@rej.test")
        msg = (f"From: s{seq}@sender.test\r\nX-Seq: {seq}\r\nSubject: crash {seq}\r\n\r\n"
               f"message {seq}\r\n" + "y" * random.randint(0, 2000) + "\r\n")
        return f"s{seq}@sender.test", rcpts, msg.encode()

    load = run_load_with_kills(srv, make, clients=CLIENTS, target_acked=TARGET_ACKED,
                               min_kills=KILLS, max_kills=100, pause=(0.1, 0.8))
    acked, attempted, kills, t0 = load.acked, load.attempted, load.kills, load.started

    # Drain: retries after the kills are scheduled later; flush until the queue is empty.
    def drained():
        run("flush", "--home", home)
        return "0 message(s) in the queue" in run("queue", "--home", home).stdout
    assert wait_for(drained, timeout=120, step=1), run("queue", "--home", home).stdout[-3000:]

    local = maildir_seq_counts(home)
    remote, bounces = collections.Counter(), collections.Counter()
    made = collections.defaultdict(set)  # seq -> distinct bounce Message-IDs (made more than once?)
    for p in glob.glob(os.path.join(peers["base"], "out", "*.json")):
        c = json.load(open(p))
        if not c.get("data_complete"):
            continue
        data = base64.b64decode(c["data_b64"])
        if c["listen"].startswith(OK_IP + ":"):
            m = re.search(rb"\r\nX-Seq: (\d+)\r\n", data)
            assert m, p
            remote[int(m.group(1))] += 1
        elif c["listen"].startswith(BOX_IP + ":"):
            assert c["mail_from"] == ""
            m = re.fullmatch(r"s(\d+)@sender\.test", c["rcpts"][0]["path"])
            assert m, c["rcpts"]
            bounces[int(m.group(1))] += 1
            mid = re.search(rb"\r\nMessage-ID: (\S+)", data, re.I)
            made[int(m.group(1))].add(mid.group(1) if mid else data)
    missing_local = sorted(s for s in acked if local[s] == 0)
    missing_remote = sorted(s for s in acked if remote[s] == 0)
    lost_bounces = sorted(s for s in acked if s % 3 == 0 and bounces[s] == 0)
    dup_local = {s: n for s, n in local.items() if n > 1}
    dup_remote = sum(n - 1 for n in remote.values() if n > 1)
    dup_bounces = sum(n - 1 for n in bounces.values() if n > 1)
    remade = sum(len(v) - 1 for v in made.values())  # notifications made twice (commit window)
    print(f"\ncrash test (remote): {kills} kill -9 rounds, {len(attempted)} attempts, {len(acked)} acknowledged, "
          f"{sum(remote.values())} remote copies ({dup_remote} duplicates), {sum(bounces.values())} bounces "
          f"({dup_bounces} duplicates at the peer, {remade} made twice), {len(dup_local)} local duplicates, {time.time() - t0:.1f}s")
    assert kills >= KILLS and len(acked) >= TARGET_ACKED
    assert not missing_local, f"acknowledged, not delivered locally: {missing_local[:20]}"
    assert not missing_remote, f"acknowledged, never at the peer: {missing_remote[:20]}"
    assert not lost_bounces, f"bounces lost: {lost_bounces[:20]}"
    assert not dup_local, f"local duplicates: {dup_local}"
    assert set(remote) <= attempted and set(bounces) <= attempted
    # Only the windows described above: at most the deliveries in flight at each kill.
    assert dup_remote <= kills * CLIENTS, dup_remote
    assert remade <= kills, remade
    assert dup_bounces <= kills * CLIENTS, dup_bounces
    assert srv.stop() == 0
