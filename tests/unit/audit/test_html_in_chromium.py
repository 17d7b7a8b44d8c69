"""The HTML report in a real headless Chromium (Debian's `chromium`, installed by
`scripts/setup.sh`): no console error, no blocked fetch, and a screenshot that is not
blank.

Errors are counted by a probe script put in a copy of the page before its
Content-Security-Policy (so the policy does not block the probe): it counts uncaught
errors, failed resources, policy violations and `console.error` calls, and writes the
count into the title when the page has loaded; `--dump-dom` prints it. A page with a
deliberate error and a blocked image shows the probe counts them. The screenshot is
decoded here (PNG: zlib and the five row filters) and must hold many colours and ink.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from streams.cli.main import main
from tests.unit.audit.html_story import RANGE, write_story

PROBE = """<script>
var errors = 0;
window.addEventListener("error", function () { errors++; }, true);
document.addEventListener("securitypolicyviolation", function () { errors++; });
var logError = console.error;
console.error = function () { errors++; logError.apply(console, arguments); };
window.addEventListener("load", function () { document.title = "errors: " + errors; });
</script>"""
WIDTH_PX, HEIGHT_PX = 900, 1400


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not on PATH: run `bash scripts/setup.sh` (it installs "
                    "Debian's chromium package) or install it")
    return path


def run_chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run with a profile of its own (no HOME needed)."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
             "--no-first-run", f"--user-data-dir={profile}",
             f"--window-size={WIDTH_PX},{HEIGHT_PX}", *arguments],
            capture_output=True, text=True, timeout=120, check=True,
        )


def errors_in(page: Path) -> str:
    probed = page.with_name("probed-" + page.name)
    probed.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1),
                      encoding="utf-8")
    dom = run_chromium("--dump-dom", probed.as_uri()).stdout
    start = dom.index("<title>") + len("<title>")
    return dom[start:dom.index("</title>", start)]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("chromium")
    events, config = write_story(directory)
    out = directory / "report.html"
    assert main(["replay", "--input", str(events), "--config", str(config), "--from",
                 RANGE[0], "--to", RANGE[1], "--format", "html", "--out", str(out)]) == 0
    return out


def test_the_report_loads_without_any_error(page: Path) -> None:
    assert errors_in(page) == "errors: 0"


def test_the_probe_counts_a_script_error_and_a_blocked_fetch(page: Path) -> None:
    broken = page.with_name("broken.html")
    broken.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<img src="http://127.0.0.1:9/x.png"><script>undefinedCall()</script>'
        "</body>"), encoding="utf-8")
    count = int(errors_in(broken).removeprefix("errors: "))
    assert count >= 2  # the policy blocks the image and the inline script


def test_the_screenshot_is_not_blank(page: Path) -> None:
    shot = page.with_name("shot.png")
    run_chromium(f"--screenshot={shot}", page.as_uri())
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH_PX, HEIGHT_PX)
    colours = set(pixels)
    ink = sum(1 for pixel in pixels if pixel != (255, 255, 255))
    assert len(colours) > 50  # text anti-aliasing, bars in three colours, tiles
    assert ink > len(pixels) // 50


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for row in range(height):
        start = row * (stride + 1)
        line = unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous,
                        channels)
        pixels += [tuple(line[i:i + 3]) for i in range(0, stride, channels)]  # type: ignore[misc]
        previous = line
    return width, height, pixels


def unfilter(kind: int, line: bytearray, above: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = above[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            corner = above[i - bpp] if i >= bpp else 0
            estimate = left + up - corner
            near = min((abs(estimate - left), 0, left), (abs(estimate - up), 1, up),
                       (abs(estimate - corner), 2, corner))
            line[i] = (line[i] + near[2]) & 0xFF
    return line
