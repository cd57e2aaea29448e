"""crashload.py: the load-and-kill loop shared by the crash-safety tests.

Client threads send messages (each with a unique sequence number, carried in an X-Seq
header) to a running `refmta serve` while every refmta process is killed with SIGKILL at
random moments and the server restarted; the caller then checks what was delivered.

Example:
    def make(client, seq):
        return (f"c{client}@example.org", ["postmaster@localhost"],
                f"From: c{client}@example.org\\r\\nX-Seq: {seq}\\r\\n\\r\\nbody\\r\\n".encode())
    load = run_load_with_kills(srv, make, clients=10, target_acked=500, min_kills=20,
                               max_kills=200, pause=(0.05, 0.6))
    counts = maildir_seq_counts(home)    # seq -> delivered files in postmaster's maildir
"""
import collections
import os
import random
import re
import signal
import smtplib
import threading
import time
from dataclasses import dataclass, field

import pytest

from conftest import CLIENT_IP, SERVER_IP, alive, descendants, wait_for


def kill_everything(srv):
    """SIGKILL the server and every process below it, and wait until all are gone."""
    tree = descendants(srv.proc.pid)
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    srv.proc.wait()
    # Delivery children die with their parent (PR_SET_PDEATHSIG); wait for all of them.
    assert wait_for(lambda: not any(alive(p) for p in descendants(srv.proc.pid) + tree), timeout=10)
    srv.logf.close()


@dataclass
class LoadResult:
    acked: set = field(default_factory=set)      # sequence numbers that got 250
    attempted: set = field(default_factory=set)  # every sequence number tried
    kills: int = 0                                # kill -9 rounds
    started: float = 0.0                          # time.time() when the clients started


def _restart(srv):
    for _ in range(20):
        try:
            srv.start()
            return
        except AssertionError:  # e.g. the old queue lock not yet released
            time.sleep(0.2)
    pytest.fail("server did not restart:\n" + srv.log()[-5000:])


def run_load_with_kills(srv, make_message, clients, target_acked, min_kills, max_kills, pause):
    """Sends until target_acked messages got 250, killing and restarting srv meanwhile.

    make_message(client, seq) returns (mail_from, rcpts, message_bytes). Kills happen every
    random.uniform(*pause) seconds: at least min_kills, and more (up to max_kills) while the
    clients still run. After the last kill the clients get 120 s to finish, then are stopped.
    """
    res = LoadResult()
    lock = threading.Lock()
    next_seq = [0]
    stop = threading.Event()

    def sender(n):
        c = None
        while not stop.is_set():
            with lock:
                if len(res.acked) >= target_acked:
                    break
                seq = next_seq[0]
                next_seq[0] += 1
                res.attempted.add(seq)
            mail_from, rcpts, msg = make_message(n, seq)
            try:
                if c is None:
                    c = smtplib.SMTP(SERVER_IP, srv.port, source_address=(CLIENT_IP, 0), timeout=15)
                refused = c.sendmail(mail_from, rcpts, msg)
                if not refused:
                    with lock:
                        res.acked.add(seq)
            except (OSError, smtplib.SMTPException):
                try:
                    if c is not None:
                        c.close()
                except OSError:
                    pass
                c = None
                time.sleep(0.05)
        if c is not None:
            try:
                c.quit()
            except (OSError, smtplib.SMTPException):
                pass

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(clients)]
    res.started = time.time()
    for t in threads:
        t.start()
    # Spread the kills over the run: at least min_kills, and keep going while mail flows.
    while res.kills < min_kills or (any(t.is_alive() for t in threads) and res.kills < max_kills):
        time.sleep(random.uniform(*pause))
        if not any(t.is_alive() for t in threads) and res.kills >= min_kills:
            break
        kill_everything(srv)
        res.kills += 1
        _restart(srv)
    stop_deadline = time.time() + 120
    for t in threads:
        t.join(max(1, stop_deadline - time.time()))
    stop.set()
    for t in threads:
        t.join(30)
    return res


def maildir_seq_counts(home, user="postmaster"):
    """X-Seq value -> number of files carrying it in the user's maildir (new and cur)."""
    counts = collections.Counter()
    for sub in ("new", "cur"):
        d = os.path.join(home, "mail", user, sub)
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                m = re.search(rb"\nX-Seq: (\d+)\n", f.read())
            assert m, name
            counts[int(m.group(1))] += 1
    return counts
