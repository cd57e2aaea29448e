"""End-to-end tests of the mtaspec command: JSON output, exit statuses, determinism.

Run by ctest (test "cli.pytest") with MTASPEC set to the built binary.
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MTASPEC = os.environ.get("MTASPEC", str(ROOT / "build" / "bin" / "mtaspec"))
EXAMPLES = ROOT / "examples"


def run(*args, stdin=b""):
    p = subprocess.run([MTASPEC, *args], input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def lines(out):
    return [json.loads(l) for l in out.decode().splitlines()]


def assert_bad_input(rc, err):
    assert rc == 2
    text = err.decode()
    assert text.startswith("mtaspec: ") and text.count("\n") == 1, text


def test_parse_path_fields():
    rc, out, _ = run("parse", "path", "--reverse", stdin=b"<user@example.com>\n<>\n<@a.test,@b.test:x@c.test>\n")
    assert rc == 0
    a, b, c = lines(out)
    assert a == {**a, "input": "<user@example.com>", "ok": True, "local_part": "user",
                 "domain": "example.com", "route": [], "deviations": [], "error": None}
    assert b["ok"] and b["null"]
    assert c["route"] == ["a.test", "b.test"] and c["domain"] == "c.test"


def test_parse_path_null_only_for_reverse():
    rc, out, _ = run("parse", "path", stdin=b"<>\n")
    assert rc == 0
    (p,) = lines(out)
    assert not p["ok"] and p["error"]


def test_parse_path_leniency_reported():
    rc, out, _ = run("parse", "path", stdin=b"user@example.com\n")
    assert not lines(out)[0]["ok"]
    rc, out, _ = run("parse", "path", "--lenient", "no-angle-brackets", stdin=b"user@example.com\n")
    (p,) = lines(out)
    assert p["ok"] and p["deviations"] == ["no-angle-brackets"]


def test_parse_path_unknown_leniency_is_bad_input():
    rc, out, err = run("parse", "path", "--lenient", "be-nice", stdin=b"<a@b.test>\n")
    assert_bad_input(rc, err)
    assert out == b""


def test_parse_path_limits():
    local = b"x" * 65
    rc, out, _ = run("parse", "path", stdin=b"<" + local + b"@example.com>\n")
    (p,) = lines(out)
    assert p["ok"] and [l["limit"] for l in p["limits"]] == ["local-part"]


def test_parse_command():
    rc, out, _ = run("parse", "command", stdin=b"MAIL FROM:<a@b.test> SIZE=10 BODY=8BITMIME\nFOO bar\n")
    assert rc == 0
    mail, foo = lines(out)
    assert mail["ok"] and mail["verb"] == "MAIL" and mail["path"]["domain"] == "b.test"
    assert [p["keyword"] for p in mail["params"]] == ["SIZE", "BODY"]
    assert not foo["ok"] and foo["verb"] is None and foo["reply_code"] == 500


def test_parse_command_space_after_colon():
    rc, out, _ = run("parse", "command", stdin=b"RCPT TO: <a@b.test>\n")
    assert not lines(out)[0]["ok"]
    rc, out, _ = run("parse", "command", "--lenient", "space-after-colon", stdin=b"RCPT TO: <a@b.test>\n")
    c = lines(out)[0]
    assert c["ok"] and c["deviations"] == ["space-after-colon"]


def test_parse_reply_multiline_and_flags():
    rc, out, _ = run("parse", "reply", stdin=b"250-mx.test\n250-PIPELINING\n250 2.0.0 ok\n550 5.1.1 no\n")
    assert rc == 0
    a, b = lines(out)
    assert a["code"] == 250 and a["lines"] == ["mx.test", "PIPELINING", "2.0.0 ok"]
    assert b["code"] == 550 and b["enhanced"] == "5.1.1" and b["ok"]
    rc, out, _ = run("parse", "reply", "--raw", stdin=b"250 ok\n")
    assert "bare-lf" in lines(out)[0]["flags"]


def test_parse_headers():
    rc, out, _ = run("parse", "headers", str(EXAMPLES / "original.eml"))
    assert rc == 0
    (h,) = lines(out)
    names = [f["name"] for f in h["fields"]]
    assert names[:3] == ["Received", "From", "To"]
    assert h["received_count"] == 1 and h["return_path"] is None
    assert h["fields"][0]["value"].endswith("by mx.local.test with ESMTP; Tue, 02 Jan 2024 10:00:01 +0100")
    assert h["has_separator"]


def test_parse_headers_missing_file():
    rc, _, err = run("parse", "headers", "/nonexistent/file.eml")
    assert_bad_input(rc, err)


@pytest.mark.parametrize("fmt,expected", [("qsbmf", "qsbmf"), ("rfc3464", "rfc3464")])
def test_bounce_make_then_parse(tmp_path, fmt, expected):
    args = ["bounce", "make", "--format", fmt, "--report", str(EXAMPLES / "report.json"),
            "--original", str(EXAMPLES / "original.eml"), "--seed", "7", "--now", "1704186005"]
    rc, out1, err = run(*args)
    assert rc == 0, err
    rc, out2, _ = run(*args)
    assert out1 == out2, "same seed and clock must give the same bytes"
    f = tmp_path / "b.eml"
    f.write_bytes(out1)
    rc, out, _ = run("bounce", "parse", str(f))
    assert rc == 0
    (b,) = lines(out)
    assert b["format"] == expected and b["reporting_mta"] == "mx.local.test"
    got = {r["address"]: r["status"] for r in b["recipients"]}
    assert got == {"nosuchuser@local.test": "5.1.1", "other@remote.test": "5.2.2"}
    assert all(r["action"] == "failed" for r in b["recipients"])


def test_bounce_make_seed_changes_boundary():
    base = ["bounce", "make", "--format", "rfc3464", "--report", str(EXAMPLES / "report.json"),
            "--original", str(EXAMPLES / "original.eml"), "--now", "1704186005"]
    _, a, _ = run(*base, "--seed", "1")
    _, b, _ = run(*base, "--seed", "2")
    assert a != b


@pytest.mark.parametrize("report,word", [
    ({"reporting-mta": "mx.test", "recipients": [{"final-recipient": "a@b", "action": "failed", "status": "5.01.1"}]}, "status"),
    ({"reporting-mta": "mx.test", "recipients": [{"final-recipient": "a@b", "action": "exploded", "status": "5.1.1"}]}, "action"),
    ({"reporting-mta": "mx.test", "recipients": []}, "recipients"),
    ({"reporting-mta": "mx.test", "colour": "red", "recipients": [{"final-recipient": "a@b", "action": "failed", "status": "5.1.1"}]}, "colour"),
    ({"reporting-mta": "mx.test\r\nX-Injected: 1", "recipients": [{"final-recipient": "a@b", "action": "failed", "status": "5.1.1"}]}, "line break"),
])
def test_bounce_make_bad_report(tmp_path, report, word):
    f = tmp_path / "r.json"
    f.write_text(json.dumps(report))
    rc, out, err = run("bounce", "make", "--format", "rfc3464", "--report", str(f),
                       "--original", str(EXAMPLES / "original.eml"))
    assert_bad_input(rc, err)
    assert word in err.decode() and out == b""


def test_bounce_make_not_json(tmp_path):
    f = tmp_path / "r.json"
    f.write_text("{not json")
    rc, _, err = run("bounce", "make", "--format", "qsbmf", "--report", str(f),
                     "--original", str(EXAMPLES / "original.eml"))
    assert_bad_input(rc, err)


def test_bounce_make_bad_format():
    rc, _, err = run("bounce", "make", "--format", "x400", "--report", "r", "--original", "o")
    assert_bad_input(rc, err)


def test_bounce_parse_missing_file_before_output(tmp_path):
    good = tmp_path / "g.eml"
    good.write_bytes(b"Subject: hi\r\n\r\nhello\r\n")
    rc, out, err = run("bounce", "parse", str(good), "/nonexistent/x.eml")
    assert_bad_input(rc, err)
    assert out == b""


def test_bounce_parse_not_a_bounce(tmp_path):
    f = tmp_path / "n.eml"
    f.write_bytes(b"From: a@b.test\r\nSubject: lunch?\r\n\r\nnoon?\r\n")
    _, out, _ = run("bounce", "parse", str(f))
    assert lines(out)[0]["format"] == "not-a-bounce"


@pytest.mark.parametrize("sub", [[], ["parse"], ["parse", "path"], ["parse", "command"],
                                 ["parse", "reply"], ["parse", "headers"], ["bounce"],
                                 ["bounce", "parse"], ["bounce", "make"]])
def test_help_everywhere(sub):
    rc, out, _ = run(*sub, "--help")
    assert rc == 0 and b"usage" in out.lower()


def test_no_subcommand_is_usage_error():
    rc, _, err = run()
    assert_bad_input(rc, err)


def test_qsbmf_stores_lf_and_crlf_on_request():
    base = ["bounce", "make", "--format", "qsbmf", "--report", str(EXAMPLES / "report.json"),
            "--original", str(EXAMPLES / "original.eml"), "--now", "1704186005"]
    _, lf, _ = run(*base)
    assert b"\r" not in lf
    assert lf.startswith(b"Date: 2 Jan 2024 09:00:05 -0000\nFrom: MAILER-DAEMON@mx.local.test\n")
    assert b"\n--- Below this line is a copy of the message.\n\nReturn-Path: <sender@example.test>\n" in lf
    _, crlf, _ = run(*base, "--crlf")
    assert crlf.replace(b"\r\n", b"\n") == lf and b"\n" not in crlf.replace(b"\r\n", b"")


# --- mtaspec sink -------------------------------------------------------------------------

def _smtp(port, lines, ip="127.0.0.24", source="127.0.0.2"):
    """Sends each line (bytes) after reading one reply; returns the replies."""
    import socket
    s = socket.create_connection((ip, port), timeout=10, source_address=(source, 0))
    f = s.makefile("rb")

    def reply():
        out = b""
        while True:
            line = f.readline()
            out += line
            if not line or line[3:4] != b"-":
                return out

    got = [reply()]
    for l in lines:
        s.sendall(l)
        got.append(reply())
    s.close()
    return got


def test_sink_writes_each_transaction(tmp_path):
    beh = tmp_path / "beh.json"
    beh.write_text(json.dumps({"hostname": "peer.test",
                               "rcpt_replies": [{"regex": "^no-", "reply": "550 5.1.1 no such user"}]}))
    out = tmp_path / "out"
    p = subprocess.Popen([MTASPEC, "sink", "--listen", f"127.0.0.24:0={beh}", "--out", str(out),
                          "--count", "1", "--timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline().decode()
    assert first.startswith("mtaspec sink: listening on 127.0.0.24:"), first
    port = int(first.rsplit(":", 1)[1])
    got = _smtp(port, [b"EHLO c.test\r\n", b"MAIL FROM:<a@b.test> BODY=8BITMIME\r\n",
                       b"RCPT TO:<no-1@x.test>\r\n", b"RCPT TO:<ok@x.test>\r\n", b"DATA\r\n",
                       b"Subject: s\r\n\r\nbare\nlf\r\n..dot\r\n.\r\n", b"QUIT\r\n"])
    assert got[0].startswith(b"220 peer.test")
    assert got[3] == b"550 5.1.1 no such user\r\n"
    assert got[6].startswith(b"250 ")
    rc = p.wait(timeout=20)
    assert rc == 0, p.stderr.read()
    j = json.loads((out / "0001.json").read_text())
    assert j["mail_from"] == "a@b.test" and j["mail_params"] == "BODY=8BITMIME"
    assert [r["code"] for r in j["rcpts"]] == [550, 250]
    import base64
    assert base64.b64decode(j["raw_data_b64"]) == b"Subject: s\r\n\r\nbare\nlf\r\n..dot\r\n.\r\n"
    assert j["raw_data"] == "Subject: s\\r\\n\\r\\nbare\\nlf\\r\\n..dot\\r\\n.\\r\\n"
    assert j["data_complete"] and j["helo_verb"] == "EHLO" and j["peer_ip"] == "127.0.0.2"
    assert (out / "0001.eml").read_bytes() == b"Subject: s\r\n\r\nbare\nlf\r\n.dot\r\n"


def test_sink_stops_on_sigterm(tmp_path):
    import signal
    p = subprocess.Popen([MTASPEC, "sink", "--listen", "127.0.0.24:0", "--out", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().startswith(b"mtaspec sink: listening on")
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0


def test_sink_bad_usage(tmp_path):
    rc, _, err = run("sink", "--listen", "nonsense", "--out", str(tmp_path))
    assert_bad_input(rc, err)
    bad = tmp_path / "b.json"
    bad.write_text('{"greeting": "250 no"}')
    rc, _, err = run("sink", "--listen", f"127.0.0.24:0={bad}", "--out", str(tmp_path))
    assert_bad_input(rc, err)
    assert b"greeting" in err
