"""test_catalogue.py - the case catalogue as pytest tests: one test per case x target,
comparing each result of a session-wide `mtaspec run` (one per target, see conftest.py) with
rfc-cases/expectations/<target>.json.

A case passes when its verdict is one the expectation lists and, when the expectation names
an observation, the observation is that one. A case with no expectation passes when its
verdict does not gate (PASS, NON_STRICT, INFO, UNSUPPORTED, SKIP), as `mtaspec run --expect`
decides. A failure shows both sides, the message and the end of the transcript.

  /usr/bin/python3 -m pytest harness/tests/catalogue/test_catalogue.py -q
  /usr/bin/python3 -m pytest harness/tests/catalogue -q -k 'refmta-qmail:a4' --targets refmta-qmail
"""

from __future__ import annotations

import pytest

from conftest import target_name

GATING = {"FAIL", "ERROR", "TIMEOUT"}
TAIL_LINES = 25


def _tail(text: str, n: int = TAIL_LINES) -> str:
    lines = (text or "").rstrip("\n").splitlines()
    cut = lines[-n:]
    head = f"  ... ({len(lines) - n} earlier lines)\n" if len(lines) > n else ""
    return head + "\n".join("  " + l for l in cut)


def _explain(case_id: str, name: str, got: dict, want: dict | None, report: str) -> str:
    lines = [f"{case_id} on {name}:",
             f"  got       verdict {got.get('verdict')!s:<11} observation "
             f"{got.get('observation') or '-'}"]
    if want is None:
        lines.append("  expected  a non-gating verdict (no entry in the expectations file)")
    else:
        verdicts = want["verdict"] if isinstance(want["verdict"], list) else [want["verdict"]]
        lines.append(f"  expected  verdict {'|'.join(verdicts):<11} observation "
                     f"{want.get('observation') or '-'}")
        if want.get("note"):
            lines.append(f"  note      {want['note']}")
    if got.get("message"):
        lines.append(f"  message   {got['message']}")
    replies = got.get("replies") or []
    if replies:
        lines.append("  replies   " + "; ".join(
            f"{r.get('code')} {r.get('text', '').splitlines()[0] if r.get('text') else ''}"
            .strip()[:80] for r in replies[-4:]))
    lines.append(f"  transcript (tail), full report in {report}:")
    lines.append(_tail(got.get("transcript", "")))
    lines.append("  (if the new behaviour is right: scripts/conformance --update-expectations)")
    return "\n".join(lines)


def test_case(case_id, target, catalogue_run, expectations):
    run = catalogue_run(target)
    problem = run.problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    name = target_name(target)
    got = run.results.get(case_id)
    if got is None:
        pytest.fail(f"{case_id}: no result for {name} in {run.out_dir}/run.json "
                    f"(mtaspec exit {run.status})", pytrace=False)
    want = expectations(name).get("results", {}).get(case_id)
    report = str(run.out_dir / "index.html")
    if want is None:
        if got["verdict"] in GATING:
            pytest.fail(_explain(case_id, name, got, None, report), pytrace=False)
        return
    verdicts = want["verdict"] if isinstance(want["verdict"], list) else [want["verdict"]]
    ok = got["verdict"] in verdicts
    if ok and want.get("observation") and got.get("observation"):
        ok = got["observation"] == want["observation"]
    if not ok:
        pytest.fail(_explain(case_id, name, got, want, report), pytrace=False)
