"""test_lifecycle.py - `mtaspec run --target refmta` starts refmta itself and leaves nothing
behind: not after a normal run, not when interrupted (SIGINT, SIGTERM: the process ends by
that signal after stopping the target), and a run killed outright (SIGKILL) is cleaned up by
the next run. Bad targets and peers without root are harness errors (exit 2).

  /usr/bin/python3 -m pytest harness/tests/catalogue/test_lifecycle.py -q   (as root)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_target, skip_reason

RUN_BASE = Path("/tmp/mtaspec-targets")   # harness/targets/managed_target.h


def _owned_run_dirs(pid: int) -> list[Path]:
    """Run directories whose owner stamp names `pid`."""
    out = []
    for d in RUN_BASE.glob("*"):
        try:
            if (d / "owner").read_text().split()[0] == str(pid):
                out.append(d)
        except (OSError, IndexError):
            pass
    return out


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (p / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if text in cmd and state != "Z":
            found.append(int(p.name))
    return found


def _answers(ip: str, port: int = 2525) -> bool:
    try:
        with socket.socket() as s:
            s.settimeout(1)
            s.bind(("127.0.0.2", 0))
            s.connect((ip, port))
            return s.recv(4).startswith(b"220")
    except OSError:
        return False


def _start_run(harness, tmp_path, *targets: str) -> tuple[subprocess.Popen, Path]:
    args = []
    for t in targets:
        args += ["--target", t]
    p = subprocess.Popen(harness.command("run", *harness.run_args(), *args, "--out",
                                         str(tmp_path / "out")),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dirs = _owned_run_dirs(p.pid)
        if dirs and _answers("127.0.0.10"):
            return p, dirs[0]
        assert p.poll() is None, f"mtaspec ended early: {p.communicate()}"
        time.sleep(0.05)
    p.kill()
    pytest.fail("refmta did not come up under mtaspec")


@pytest.fixture
def needs_refmta(harness):
    if reason := skip_reason(harness, "refmta"):
        pytest.skip(reason)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_the_target_and_removes_its_directory(harness, needs_refmta,
                                                              tmp_path, sig):
    p, run_dir = _start_run(harness, tmp_path, "refmta", "refmta-qmail")
    assert _processes_mentioning(str(run_dir))
    p.send_signal(sig)
    p.communicate(timeout=60)
    assert p.returncode == -sig, f"exit {p.returncode}, expected death by {sig!r}"
    assert not run_dir.exists()
    assert not _processes_mentioning(str(run_dir))
    assert not _owned_run_dirs(p.pid)
    assert not _answers("127.0.0.10")


def test_killed_run_is_cleaned_by_the_next(harness, needs_refmta, tmp_path):
    p, run_dir = _start_run(harness, tmp_path, "refmta")
    p.kill()                                  # no chance to clean up
    p.communicate(timeout=30)
    # refmta gets SIGTERM when its parent dies (PR_SET_PDEATHSIG); the directory stays
    assert run_dir.exists()
    r = run_target(harness, "refmta", tmp_path / "next", ["--cases", "a4.unknown-verb"])
    assert r.status == 0, r.stderr
    assert not run_dir.exists(), "the stale run directory was not removed"
    assert not _processes_mentioning(str(run_dir))


def test_normal_run_leaves_nothing(harness, needs_refmta, tmp_path):
    before = set(RUN_BASE.glob("*")) if RUN_BASE.exists() else set()
    r = run_target(harness, "refmta", tmp_path / "out", ["--cases", "a4.*"])
    assert r.status == 0, r.stderr
    assert r.run["targets"][0]["name"] == "refmta"
    assert r.run["targets"][0]["host"] == "127.0.0.10"
    assert r.run["targets"][0]["version"]
    after = set(RUN_BASE.glob("*")) if RUN_BASE.exists() else set()
    assert after <= before
    assert not _answers("127.0.0.10")


def test_unknown_target_is_a_harness_error(harness, tmp_path):
    if not os.path.exists(harness.mtaspec):
        pytest.skip("no mtaspec binary")
    r = run_target(harness, "sendmail", tmp_path / "out")
    assert r.status == 2
    assert "unknown target 'sendmail'" in r.stderr


def test_peers_need_root(harness, tmp_path):
    if not os.path.exists(harness.mtaspec):
        pytest.skip("no mtaspec binary")
    argv = harness.command("run", *harness.run_args(), "--target", "exim", "--out",
                           str(tmp_path / "out"))
    if os.geteuid() == 0:
        # As nobody, from copies nobody can reach (the checkout, e.g. a CI clone under a
        # 0700 temporary directory, may not be).
        public = Path(tempfile.mkdtemp(prefix="mtaspec-nobody-"))
        try:
            os.chmod(public, 0o755)
            binary = public / "mtaspec"
            shutil.copy2(harness.mtaspec, binary)
            shutil.copytree(harness.cases_dir, public / "rfc-cases")
            argv = ["runuser", "-u", "nobody", "--", str(binary), "run", "--cases-dir",
                    str(public / "rfc-cases"), "--target", "exim", "--out", str(public / "out")]
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=60, cwd="/")
        finally:
            shutil.rmtree(public, ignore_errors=True)
    else:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60, cwd="/")
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "exim needs root" in p.stderr
