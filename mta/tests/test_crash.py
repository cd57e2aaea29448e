"""test_crash.py: crash safety under load (run alone with `-m crash`).

10 client connections send at least 500 messages while every refmta process is killed with
SIGKILL at random moments (at least 20 times) and the server is restarted each time. Each
message carries a unique X-Seq header. Afterwards every message that got 250 must be in the
maildir exactly once (duplicates are counted and reported; target 0); messages that got no
250 may be absent or present once.
"""
import os
import random
import time

import pytest

from conftest import run, wait_for
from crashload import maildir_seq_counts, run_load_with_kills

pytestmark = pytest.mark.crash

CLIENTS = 10
TARGET_ACKED = 500
KILLS = 20


def test_kill9_under_load_no_loss_no_duplicate(server_factory, home):
    random.seed(int(os.environ.get("CRASH_SEED", time.time())))
    srv = server_factory(extra=["--set", "connections_per_client=100"])

    def make(n, seq):
        msg = (f"From: load{n}@example.org\r\nX-Seq: {seq}\r\nSubject: crash test {seq}\r\n\r\n"
               f"message {seq} from client {n}\r\n" + "x" * random.randint(0, 3000) + "\r\n")
        return f"load{n}@example.org", ["postmaster@localhost"], msg.encode()

    load = run_load_with_kills(srv, make, clients=CLIENTS, target_acked=TARGET_ACKED,
                               min_kills=KILLS, max_kills=200, pause=(0.05, 0.6))
    acked, attempted, kills, t0 = load.acked, load.attempted, load.kills, load.started

    # Let the queue drain after the last restart.
    drained = wait_for(lambda: "0 message(s) in the queue" in run("queue", "--home", home).stdout,
                       timeout=90, step=0.2)
    assert drained, run("queue", "--home", home).stdout[-3000:]
    counts = maildir_seq_counts(home)
    duplicates = {s: n for s, n in counts.items() if n > 1}
    missing = sorted(s for s in acked if counts[s] == 0)
    unacked_present = sum(1 for s in counts if s not in acked)
    print(f"\ncrash test: {kills} kill -9 rounds, {len(attempted)} attempts, {len(acked)} acknowledged, "
          f"{sum(counts.values())} delivered files, {len(duplicates)} duplicates, {len(missing)} missing, "
          f"{unacked_present} unacknowledged but delivered once, {time.time() - t0:.1f}s")
    assert kills >= KILLS
    assert len(acked) >= TARGET_ACKED
    assert not missing, f"acknowledged but lost: {missing[:20]}"
    assert not duplicates, f"duplicates: {duplicates}"
    assert set(counts) <= attempted
    assert srv.stop() == 0
