"""conftest.py: helpers for refmta's end-to-end tests (stdlib + pytest only).

The binary comes from $REFMTA (default build/bin/refmta), the harness's (capture sink, DNS
fixture) from $MTASPEC (default build/bin/mtaspec). Servers listen on 127.0.0.10 and
clients connect from 127.0.0.2 (not a trusted network unless a test says so). A server whose
test names neither `dns_server` nor a smarthost resolves through 127.0.0.1:9 (nothing
answers: remote destinations stay queued), so no test ever asks the machine's resolver.
"""
import os
import shutil
import tempfile
import signal
import socket
import subprocess
import time

import pytest

REFMTA = os.environ.get("REFMTA", "build/bin/refmta")
MTASPEC = os.environ.get("MTASPEC", "build/bin/mtaspec")
SERVER_IP = "127.0.0.10"
CLIENT_IP = "127.0.0.2"
ROLES = ("master", "smtpd", "queue", "lspawn", "remote")


def free_port():
    with socket.socket() as s:
        s.bind((SERVER_IP, 0))
        return s.getsockname()[1]


def run(*args, **kw):
    return subprocess.run([REFMTA, *args], capture_output=True, text=True, timeout=60, **kw)


def descendants(pid):
    """pid and every process below it (from /proc)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Server:
    """One `refmta serve` in the foreground, its log in home/../serve.log."""

    def __init__(self, home, extra=(), port=None):
        self.home = str(home)
        self.port = port or free_port()
        self.extra = list(extra)
        if not any("dns_server" in a or "smarthost" in a for a in self.extra):
            self.extra += ["--set", "dns_server=127.0.0.1:9"]
        self.proc = None
        self.log_path = self.home.rstrip("/") + ".serve.log"

    def start(self, wait=True):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [REFMTA, "serve", "--home", self.home, "--listen", f"{SERVER_IP}:{self.port}",
             *self.extra], stdout=self.logf, stderr=self.logf)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                with socket.create_connection((SERVER_IP, self.port), timeout=2) as s:
                    s.settimeout(3)
                    if s.recv(512).startswith(b"220") and len(self.pids()) == len(ROLES):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server not ready:\n" + self.log())

    def pids(self):
        """{role: pid} from DIR/run/<role>.pid."""
        out = {}
        for r in ROLES:
            try:
                with open(f"{self.home}/run/{r}.pid") as f:
                    out[r] = int(f.read())
            except (OSError, ValueError):
                pass
        return out

    def stop(self, timeout=40):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        tree = descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        finally:
            self.kill_tree(tree)
            self.logf.close()
        return rc

    def kill_tree(self, pids):
        for p in pids:
            if alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


@pytest.fixture
def base_dir():
    """A directory every uid may traverse (pytest's tmp_path is 0700), removed afterwards."""
    d = tempfile.mkdtemp(prefix="refmta-test-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def home(base_dir):
    return os.path.join(base_dir, "home")


@pytest.fixture
def server_factory(home):
    servers = []

    def make(home_dir=None, extra=(), start=True, port=None):
        s = Server(home_dir or home, extra, port)
        servers.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in servers:
        if s.proc is not None and s.proc.poll() is None:
            tree = descendants(s.proc.pid)
            s.proc.kill()
            s.proc.wait()
            s.kill_tree(tree)


def maildir_files(home, user="postmaster"):
    d = os.path.join(str(home), "mail", user, "new")
    return sorted(os.path.join(d, n) for n in os.listdir(d)) if os.path.isdir(d) else []


def wait_for(pred, timeout=20, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


@pytest.fixture(scope="module")
def net(request):
    """Sending-side tests: the DNS fixture and the capture sinks at the requesting module's
    addresses (its IP and DNS_IP, from sending_support.addresses)."""
    from sending_support import network
    yield from network(request.module.IP, request.module.DNS_IP)


@pytest.fixture
def peers(net):
    """Sending-side tests: restartable single-listener sinks (their behaviour changes between
    attempts): peers(name, behaviour) listens on net["ip"][name]."""
    from sending_support import peer_sinks
    yield from peer_sinks(net)
