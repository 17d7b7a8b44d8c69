"""Compiles the KPI core (streams/kpi), the live partition state (streams/state) and the
audit run, its sink and its file loop to C extensions with mypyc, in place.

The modules stay plain, fully typed Python; compiled, the per-event path of the worker
runs about a fifth faster (docs/performance.md). Each `<module>.cpython-*.so` sits beside its
`.py` and is imported instead of it; `streams/__init__.py` refuses to import a package
whose extension is older than its source, so an edit is never shadowed by old machine code.

Run by scripts/install.sh (so by the test and demo commands): does nothing when every
extension is newer than its source, else rebuilds them all (about 30 s). Without a C
compiler or Python headers it removes the extensions and says so: everything runs
interpreted, with the same results, only slower. Without mypyc (the demo's install has no
development tools) it only removes extensions older than their source, if any.

Usage: python scripts/compile_core.py [--clean]   (--clean: remove the extensions only)
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import warnings
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("streams/kpi", "streams/state", "streams/state/checkpoint")
"""Compiled whole: the pure per-event engine and the live partition state."""
SOURCES = sorted(
    str(source.relative_to(ROOT))
    for source in [*(ROOT / package / name for package in PACKAGES
                     for name in os.listdir(ROOT / package) if name.endswith(".py")),
                   ROOT / "streams/audit/report.py", ROOT / "streams/audit/sink.py",
                   ROOT / "streams/audit/replay.py"]
    if source.name != "__init__.py"
)
SUFFIX = EXTENSION_SUFFIXES[0]  # this interpreter's, e.g. .cpython-311-x86_64-linux-gnu.so
GROUP = "streams.kpi"  # names the modules' shared library: streams/kpi__mypyc<SUFFIX>
SHARED_LIBRARY = ROOT / (GROUP.replace(".", "/") + "__mypyc" + SUFFIX)


def extension(source: str) -> Path:
    return ROOT / (source.removesuffix(".py") + SUFFIX)


def up_to_date() -> bool:
    return all(
        extension(source).exists()
        and extension(source).stat().st_mtime >= (ROOT / source).stat().st_mtime
        for source in SOURCES
    )


def clean() -> None:
    for path in [*map(extension, SOURCES), SHARED_LIBRARY]:
        path.unlink(missing_ok=True)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    os.chdir(ROOT)
    warnings.filterwarnings("ignore", module="setuptools")  # its [tool.setuptools] "beta"
    with tempfile.TemporaryDirectory(prefix="carepulse-mypyc-") as work:
        setup(
            name="carepulse-core",
            ext_modules=mypycify(SOURCES, opt_level="3", group_name=GROUP, target_dir=work),
            script_args=["--quiet", "build_ext", "--inplace", "--build-temp", work],
        )


def main(argv: list[str]) -> int:
    if argv == ["--clean"]:
        clean()
        return 0
    if up_to_date():
        return 0
    if importlib.util.find_spec("mypyc") is None:
        if any(extension(source).exists() for source in SOURCES):
            clean()
            print("compile_core: mypyc is not installed: removed the compiled core (older "
                  "than its source); the core runs interpreted", file=sys.stderr)
        return 0
    clean()
    print(f"compile_core: compiling {len(SOURCES)} modules with mypyc (about 30 s)", flush=True)
    try:
        build()
    except (Exception, SystemExit) as error:  # setuptools reports a compiler error by exit
        clean()
        print(f"compile_core: not compiled ({error}); the core runs interpreted, slower",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
