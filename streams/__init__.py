"""CarePulse. Some modules may be compiled in place by scripts/compile_core.py: an
extension older than its source would be imported instead of the edited source, so the
package refuses to load until the extensions are rebuilt or removed."""

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

_SUFFIX = EXTENSION_SUFFIXES[0]  # this interpreter's, e.g. .cpython-311-x86_64-linux-gnu.so


def refuse_stale_extensions(package_dir: Path) -> None:
    """ImportError if an extension module below `package_dir` is older than its source."""
    for extension in package_dir.rglob("*" + _SUFFIX):
        source = extension.with_name(extension.name.removesuffix(_SUFFIX) + ".py")
        if source.exists() and source.stat().st_mtime > extension.stat().st_mtime:
            raise ImportError(
                f"{source} changed after it was compiled: run `python "
                "scripts/compile_core.py` (or --clean to run it interpreted)"
            )


def core_compiled() -> bool:
    """Whether the KPI core runs compiled (scripts/compile_core.py) or interpreted."""
    from streams.kpi import engine

    return not str(engine.__file__).endswith(".py")


def core_runs() -> str:
    """"compiled" or "interpreted", for logs and benchmark output."""
    return "compiled" if core_compiled() else "interpreted"


refuse_stale_extensions(Path(__file__).parent)
