"""test_report_html.py - the HTML report as a person sees it: headless Chromium loads the
index.html of a catalogue run (each target's own, and the two merged by `mtaspec report`),
the dumped DOM must hold the matrix of cases x targets, and a screenshot must show it (not a
blank page: many distinct colours, the verdict colours among them).

  /usr/bin/python3 -m pytest harness/tests/catalogue/test_report_html.py -q
Needs Debian's `chromium` (scripts/bootstrap installs it).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from html.parser import HTMLParser

import pytest

from conftest import target_name

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-dev-shm-usage",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]
# Verdict backgrounds of harness/report/html.cc (PASS #8d8, NON_STRICT #dd6, INFO #9bf).
PASS_RGB = (0x88, 0xDD, 0x88)
MIN_DISTINCT_COLOURS = 16


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if p := shutil.which(name):
            return p
    pytest.skip("no chromium (Debian package `chromium`; scripts/bootstrap installs it)")


def chromium(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="mtaspec-chromium-") as profile:
        return subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               *args, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)


# --- DOM ------------------------------------------------------------------------------------

class MatrixParser(HTMLParser):
    """The table that follows <h2>Cases</h2>: header cells, case rows, result cells."""

    def __init__(self) -> None:
        super().__init__()
        self.h2 = None              # text of the current/last h2
        self.in_h2 = False
        self.depth = 0              # table nesting inside the matrix
        self.done = False
        self.headers: list[str] = []
        self.in_th = False
        self.rows = 0               # rows with a case link
        self.cells = 0              # cells with a link to a case transcript
        self.row_has_case = False
        self.verdicts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.in_h2, self.h2 = True, ""
        if self.done:
            return
        if tag == "table" and self.h2 == "Cases":
            self.depth += 1
        if self.depth == 0:
            return
        if tag == "tr":
            self.row_has_case = False
        elif tag == "th":
            self.in_th = True
            self.headers.append("")
        elif tag == "a" and (a.get("href") or "").startswith("#c-"):
            if not self.row_has_case:
                self.rows += 1
            self.row_has_case = True
        elif tag == "a" and (a.get("href") or "").startswith("cases/"):
            self.cells += 1
        elif tag == "td" and a.get("class") and a["class"] != "area":
            self.verdicts.append(a["class"])

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
        if tag == "th":
            self.in_th = False
        if tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.done = True

    def handle_data(self, data):
        if self.in_h2:
            self.h2 += data.strip()
        if self.in_th and self.headers:
            self.headers[-1] += data.strip()


# --- PNG --------------------------------------------------------------------------------------

def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, pixels as RGB(A) tuples) of an 8-bit RGB/RGBA non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    assert ihdr, "no IHDR"
    width, height, depth, colour, _, _, interlace = ihdr
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {ihdr}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
            else:
                assert f == 0, f"bad filter {f}"
        pixels.extend(tuple(line[i:i + bpp]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels


def test_png_decoder_round_trip():
    """The reader against a PNG made here with every filter type."""
    w, h = 5, 5
    rows = [[((x * 40) & 255, (y * 50) & 255, (x * y * 9) & 255) for x in range(w)]
            for y in range(h)]
    raw, prev = b"", bytes(w * 3)
    for y, row in enumerate(rows):
        line = bytes(v for px in row for v in px)
        f = y % 5
        out = bytearray()
        for i, v in enumerate(line):
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], (prev[i - 3] if i >= 3 else 0)
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out.append((v - pred) & 0xFF)
        raw += bytes([f]) + bytes(out)
        prev = line

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    gw, gh, px = decode_png(png)
    assert (gw, gh) == (w, h)
    assert px == [p for row in rows for p in row]


# --- the report ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reports(harness, catalogue_run):
    """{label: (index.html, targets, cases)}: each target's report and the merged one."""
    out = {}
    runs = [catalogue_run(t) for t in harness.targets]
    for r in runs:
        if r.problem():
            pytest.fail(r.problem(), pytrace=False)
        out[r.target] = (r.out_dir / "index.html", [r.target], set(r.results))
    if len(runs) > 1:
        merged = harness.tmp / "merged"
        p = subprocess.run(harness.command("report", *[str(r.out_dir) for r in runs],
                                           "--out", str(merged)),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=120)
        assert p.returncode == 0, p.stdout
        cases = set().union(*(set(r.results) for r in runs))
        out["merged"] = (merged / "index.html", [r.target for r in runs], cases)
    return out


def pytest_generate_tests(metafunc):
    if "label" in metafunc.fixturenames:
        targets = [t for t in metafunc.config.getoption("--targets").split(",") if t]
        labels = [target_name(t) for t in targets] + (["merged"] if len(targets) > 1 else [])
        metafunc.parametrize("label", labels)


def test_dom_has_the_matrix(label, reports):
    index, targets, cases = reports[label]
    assert index.is_file()
    p = chromium(index.as_uri(), "--dump-dom")
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    dom = p.stdout.decode("utf-8", "replace")
    m = MatrixParser()
    m.feed(dom)
    assert m.done, "no matrix table after <h2>Cases</h2> in the rendered DOM"
    assert m.headers[:3] == ["case", "level", "spec"]
    assert m.headers[3:] == targets, m.headers
    assert m.rows == len(cases), f"{m.rows} case rows for {len(cases)} cases"
    assert m.cells == len(cases) * len(targets), (
        f"{m.cells} result cells for {len(cases)} cases x {len(targets)} targets")
    assert set(m.verdicts) <= {"PASS", "NON_STRICT", "FAIL", "INFO", "UNSUPPORTED", "SKIP",
                               "ERROR", "TIMEOUT"}, set(m.verdicts)
    assert "PASS" in m.verdicts


def test_screenshot_is_not_blank(label, reports, tmp_path):
    index, targets, cases = reports[label]
    shot = tmp_path / "shot.png"
    p = chromium(index.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600")
    assert p.returncode == 0 and shot.is_file(), p.stderr.decode(errors="replace")[-2000:]
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 1600)
    colours = {px[:3] for px in pixels}
    assert len(colours) > MIN_DISTINCT_COLOURS, f"only {len(colours)} colours: blank page?"
    white = sum(1 for px in pixels if px[:3] == (255, 255, 255))
    assert white < 0.97 * len(pixels), "almost all white"
    # The PASS background is on screen (the matrix rendered, with its styles).
    near = [c for c in colours if all(abs(c[i] - PASS_RGB[i]) <= 8 for i in range(3))]
    assert near, "no PASS-coloured cell in the screenshot"
