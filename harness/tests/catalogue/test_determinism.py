"""test_determinism.py - the non-slow catalogue gives the same observation and verdict for
every case in RUNS successive runs against each target (each run starts a fresh target). A
case that differs is listed with the values it took. Targets: $MTASPEC_DETERMINISM_TARGETS
(comma-separated), refmta and refmta-qmail by default (CI); `tox -e determinism` adds the
three peers.

  /usr/bin/python3 -m pytest harness/tests/catalogue/test_determinism.py -q   (about a minute)
  MTASPEC_DETERMINISM_TARGETS=postfix,exim,opensmtpd /usr/bin/python3 -m pytest ...
"""

from __future__ import annotations

import os

import pytest

from conftest import run_target, skip_reason, target_name

RUNS = int(os.environ.get("MTASPEC_DETERMINISM_RUNS", "5"))
TARGETS = [t for t in os.environ.get("MTASPEC_DETERMINISM_TARGETS",
                                     "refmta,refmta-qmail").split(",") if t]


@pytest.mark.parametrize("target", TARGETS)
def test_observations_are_identical_across_runs(harness, target):
    if reason := skip_reason(harness, target):
        pytest.skip(reason)
    seen: dict[str, list[tuple[str, str]]] = {}
    for i in range(RUNS):
        r = run_target(harness, target, harness.tmp / f"det-{target_name(target)}-{i}")
        if r.problem():
            pytest.fail(f"run {i + 1}: {r.problem()}", pytrace=False)
        assert r.results, f"run {i + 1}: no results"
        if seen:
            assert set(r.results) == set(seen), f"run {i + 1} ran other cases"
        for case, res in r.results.items():
            seen.setdefault(case, []).append((res.get("observation", ""), res["verdict"]))
    differing = {c: v for c, v in seen.items() if len(set(v)) > 1}
    assert not differing, "\n".join(
        [f"{len(differing)} of {len(seen)} cases changed between {RUNS} runs on {target}:"] +
        [f"  {c}: " + ", ".join(f"{o or '-'}/{v}" for o, v in vals)
         for c, vals in sorted(differing.items())])
