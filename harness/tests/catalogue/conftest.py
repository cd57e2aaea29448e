"""conftest.py - fixtures for the catalogue driver: the mtaspec and refmta binaries, the
selected targets, and one `mtaspec run` per target for the whole session.

Options (or environment):
  --mtaspec PATH     ($MTASPEC; default build/bin/mtaspec)
  --refmta PATH      ($REFMTA; default: mtaspec's own choice, the refmta beside it)
  --targets LIST     ($MTASPEC_TARGETS; default refmta,refmta-qmail) managed names or
                     NAME=HOST:PORT black boxes
  --cases-dir DIR    (default rfc-cases)

  /usr/bin/python3 -m pytest harness/tests/catalogue -q --targets refmta,postfix
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PEERS = {"postfix", "exim", "opensmtpd"}


def pytest_addoption(parser):
    g = parser.getgroup("mtaspec catalogue")
    g.addoption("--mtaspec", default=os.environ.get("MTASPEC", str(ROOT / "build/bin/mtaspec")))
    g.addoption("--refmta", default=os.environ.get("REFMTA", ""))
    g.addoption("--targets", default=os.environ.get("MTASPEC_TARGETS", "refmta,refmta-qmail"))
    g.addoption("--cases-dir", default=str(ROOT / "rfc-cases"))


@dataclass
class Harness:
    mtaspec: str
    refmta: str
    targets: list[str]
    cases_dir: Path
    runs: dict = field(default_factory=dict)   # target -> TargetRun
    tmp: Path | None = None

    def command(self, *args: str) -> list[str]:
        return [self.mtaspec, *args]

    def run_args(self) -> list[str]:
        """Arguments every `mtaspec run` of these tests gets."""
        out = ["--cases-dir", str(self.cases_dir)]
        if self.refmta:
            out += ["--refmta", self.refmta]
        return out


@dataclass
class TargetRun:
    target: str
    out_dir: Path
    status: int
    stdout: str
    stderr: str
    run: dict | None             # run.json
    results: dict                # case id -> result

    def problem(self) -> str | None:
        if self.run is None:
            return (f"`mtaspec run --target {self.target}` exited {self.status} without a "
                    f"report:\n{self.stderr.strip()[-3000:]}")
        for t in self.run["targets"]:
            if t.get("error"):
                return f"target {self.target} unreachable: {t['error']}"
        return None


def target_name(spec: str) -> str:
    """The name results carry: NAME of NAME=HOST:PORT, else the spec itself."""
    return spec.split("=", 1)[0] if "=" in spec else spec


def list_cases(mtaspec: str, cases_dir: Path, extra: list[str] | None = None) -> list[dict]:
    """`mtaspec list --json`: the cases a plain `mtaspec run` selects (slow ones left out)."""
    p = subprocess.run([mtaspec, "list", "--json", "--cases-dir", str(cases_dir), *(extra or [])],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"mtaspec list failed ({p.returncode}): {p.stderr.strip()}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]


def run_target(h: Harness, spec: str, out_dir: Path, extra: list[str] | None = None,
               timeout: float = 900) -> TargetRun:
    """One `mtaspec run` against one target; its run.json read back."""
    argv = h.command("run", *h.run_args(), "--target", spec, "--out", str(out_dir),
                     *(extra or []))
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, cwd=ROOT)
    run = None
    results = {}
    f = out_dir / "run.json"
    if f.is_file():
        run = json.loads(f.read_text())
        results = {r["case"]: r for r in run["results"]}
    return TargetRun(target_name(spec), out_dir, p.returncode, p.stdout, p.stderr, run, results)


def skip_reason(h: Harness, spec: str) -> str | None:
    if not os.path.exists(h.mtaspec):
        return f"no mtaspec binary at {h.mtaspec} (build it, or give --mtaspec / $MTASPEC)"
    if spec in PEERS and os.geteuid() != 0:
        return f"target {spec} needs root"
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "target(name): the target a test is about")


def pytest_generate_tests(metafunc):
    """One test per case x target for tests that take `case_id` and `target`."""
    if not {"case_id", "target"} <= set(metafunc.fixturenames):
        return
    opt = metafunc.config.getoption
    targets = [t for t in opt("--targets").split(",") if t]
    try:
        cases = [c["id"] for c in list_cases(opt("--mtaspec"), Path(opt("--cases-dir")))]
    except (OSError, RuntimeError) as e:
        cases = []
        reason = str(e)
        metafunc.parametrize("case_id,target", [pytest.param(
            "-", "-", marks=pytest.mark.skip(reason=f"cannot list the cases: {reason}"))])
        return
    metafunc.parametrize("case_id,target",
                         [(c, t) for t in targets for c in cases],
                         ids=[f"{target_name(t)}:{c}" for t in targets for c in cases])


@pytest.fixture(scope="session")
def harness(request):
    opt = request.config.getoption
    h = Harness(mtaspec=opt("--mtaspec"), refmta=opt("--refmta"),
                targets=[t for t in opt("--targets").split(",") if t],
                cases_dir=Path(opt("--cases-dir")).resolve())
    h.tmp = Path(tempfile.mkdtemp(prefix="mtaspec-catalogue-"))
    yield h
    if request.session.testsfailed:
        print(f"\nmtaspec reports kept in {h.tmp}")   # the failures point into it
    else:
        shutil.rmtree(h.tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def catalogue_run(harness):
    """target spec -> TargetRun, each target run once (lazily) for the whole session."""
    def get(spec: str) -> TargetRun:
        if spec not in harness.runs:
            reason = skip_reason(harness, spec)
            if reason:
                pytest.skip(reason)
            out = harness.tmp / target_name(spec)
            harness.runs[spec] = run_target(harness, spec, out)
        return harness.runs[spec]
    return get


@pytest.fixture(scope="session")
def expectations(harness):
    """target name -> expectations file content ({} when there is none)."""
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            f = harness.cases_dir / "expectations" / f"{name}.json"
            cache[name] = json.loads(f.read_text()) if f.is_file() else {}
        return cache[name]
    return get
