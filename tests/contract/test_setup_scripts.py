"""Tests for scripts/setup.sh and scripts/install.sh, the first thing a newcomer runs.

`source scripts/setup.sh` runs in the user's own shell, so it must leave that shell's
options alone (a `set -e` left behind closes the terminal at the next failing command)
and still stop a script with `set -e` when the install fails.

One test sources the real scripts in this repository, whose .venv is up to date when the
tests run (scripts/test.sh set it up), so nothing is installed. The others run the real
scripts in a scratch copy of the repository with a stand-in `python` that records what it
is asked to do, on a PATH holding only the tools the scripts need: fast, and no package
is installed nor Debian package touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"

# The shell's whole option state: `set -o`, `shopt` and the single-letter flags.
OPTIONS = 'printf "%s\\n" "$(set -o)" "$(shopt -p)" "$-"'

FAKE_PYTHON = r"""#!/bin/sh
# Stand-in interpreter: records its arguments; `-m venv DIR` makes a .venv whose
# activate script puts DIR/bin first on PATH, with itself as python and a recording
# carepulse; `-m pip install` exits with $FAKE_PIP_STATUS.
echo "python $*" >> "$FAKE_LOG"
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin"
  cp "$0" "$3/bin/python"
  printf 'VIRTUAL_ENV="%s"\nexport VIRTUAL_ENV\nPATH="%s/bin:$PATH"\nexport PATH\n' \
    "$PWD/$3" "$PWD/$3" > "$3/bin/activate"
  printf '#!/bin/sh\necho "carepulse $*" >> "$FAKE_LOG"\n' > "$3/bin/carepulse"
  chmod +x "$3/bin/carepulse"
elif [ "$1" = -m ] && [ "$2" = pip ] && [ "$3" = install ]; then
  exit "${FAKE_PIP_STATUS:-0}"
fi
exit 0
"""

# What a pyenv shim for an interpreter that is not installed does.
PYENV_SHIM = """#!/bin/sh
echo "pyenv: python3.13: command not found" >&2
exit 127
"""

TOOLS = ("bash", "dirname", "cp", "mkdir", "chmod", "touch", "cat", "rm", "mktemp", "tee")


class Sandbox:
    """A copy of the scripts in a scratch repository, and a PATH of stand-ins."""

    def __init__(self, base: Path) -> None:
        self.repo = base / "repo"
        (self.repo / "scripts").mkdir(parents=True)
        for name in ("setup.sh", "install.sh", "test.sh", "demo.sh"):
            shutil.copy2(ROOT / "scripts" / name, self.repo / "scripts" / name)
        (self.repo / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
        self.bin = base / "bin"
        self.bin.mkdir()
        for tool in TOOLS:
            found = shutil.which(tool)
            assert found is not None, tool
            (self.bin / tool).symlink_to(found)
        self._script("python3", FAKE_PYTHON)
        self._script("python3.13", PYENV_SHIM)
        self._script("id", "#!/bin/sh\necho 1000\n")  # not root, and no sudo on PATH
        self._script("apt-get", '#!/bin/sh\necho "apt-get $*" >> "$FAKE_LOG"\n')
        self.log = base / "calls.log"
        self.log.touch()

    def _script(self, name: str, text: str) -> None:
        path = self.bin / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)

    def bash(self, script: str, pip_status: int = 0) -> subprocess.CompletedProcess[str]:
        env = {"PATH": str(self.bin), "HOME": str(self.repo), "FAKE_LOG": str(self.log),
               "FAKE_PIP_STATUS": str(pip_status)}
        return subprocess.run([BASH, "--norc", "--noprofile", "-c", script], cwd=self.repo,
                              env=env, capture_output=True, text=True, timeout=60, check=False)

    def calls(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


def _options_kept_and_shell_alive(script_prefix: str, setup: str) -> str:
    return f"""
{script_prefix}
before=$({OPTIONS})
{setup}
echo "setup status $?"
after=$({OPTIONS})
if [ "$before" = "$after" ]; then echo "options unchanged"; else echo "options changed"; fi
false
ls /nonexistent-carepulse-path 2>/dev/null
echo "still alive"
"""


def _compile_core() -> Any:
    """scripts/compile_core.py as a module."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import compile_core
    finally:
        sys.path.pop(0)
    return compile_core


def _venv_up_to_date() -> bool:
    compile_core = _compile_core()
    stamp = ROOT / ".venv" / ".carepulse-installed"
    return (
        stamp.is_file()
        and stamp.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime
        and compile_core.up_to_date()
        and shutil.which("promtool") is not None and shutil.which("amtool") is not None
        and shutil.which("chromium") is not None
    )


@pytest.mark.skipif(not _venv_up_to_date(),
                    reason="this repository's .venv is not up to date: sourcing setup.sh "
                           "would install (run scripts/test.sh, or source it once)")
def test_sourcing_the_real_setup_keeps_the_callers_options_and_shell() -> None:
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS")}
    script = _options_kept_and_shell_alive(
        "set -o emacs; shopt -s extglob", "source scripts/setup.sh"
    ) + 'echo "venv $VIRTUAL_ENV"; command -v carepulse\n'
    done = subprocess.run([BASH, "--norc", "--noprofile", "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[:3] == ["setup status 0", "options unchanged", "still alive"], done.stdout
    assert lines[3] == f"venv {ROOT / '.venv'}"
    assert lines[4] == str(ROOT / ".venv" / "bin" / "carepulse")


def test_a_successful_setup_keeps_options_and_activates(sandbox: Sandbox) -> None:
    done = sandbox.bash(_options_kept_and_shell_alive("", "source scripts/setup.sh")
                        + 'echo "venv $VIRTUAL_ENV"\n')
    assert done.stdout.splitlines() == [
        "setup status 0", "options unchanged", "still alive", f"venv {sandbox.repo}/.venv",
    ]
    assert "pyenv" not in done.stderr


def test_a_caller_with_strict_options_keeps_exactly_those(sandbox: Sandbox) -> None:
    done = sandbox.bash(_options_kept_and_shell_alive(
        "set -u; set -o pipefail; shopt -s nullglob", "source scripts/setup.sh"
    ))
    assert done.stdout.splitlines() == ["setup status 0", "options unchanged", "still alive"]


def test_a_failed_install_returns_its_status_and_the_shell_lives(sandbox: Sandbox) -> None:
    done = sandbox.bash(_options_kept_and_shell_alive("", "source scripts/setup.sh"),
                        pip_status=3)
    assert done.stdout.splitlines() == ["setup status 3", "options unchanged", "still alive"]
    assert done.stderr.splitlines()[-1] == (
        "setup: the install failed (status 3); .venv is not activated"
    )


def test_a_failed_install_stops_a_script_with_set_e(sandbox: Sandbox) -> None:
    done = sandbox.bash("set -euo pipefail\nsource scripts/setup.sh --dev\necho 'went on'\n",
                        pip_status=3)
    assert done.returncode == 3
    assert "went on" not in done.stdout


def test_the_test_script_stops_when_the_install_fails(sandbox: Sandbox) -> None:
    done = sandbox.bash("bash scripts/test.sh", pip_status=3)
    assert done.returncode == 3
    assert "== ruff" not in done.stdout


def test_the_interpreter_probe_hides_the_probes_own_errors(sandbox: Sandbox) -> None:
    done = sandbox.bash("bash scripts/install.sh --which-python")
    assert (done.returncode, done.stdout, done.stderr) == (0, "python3\n", "")


def test_the_demo_installs_only_what_it_runs(sandbox: Sandbox) -> None:
    done = sandbox.bash("bash scripts/demo.sh --rate 5")
    assert done.returncode == 0, done.stderr
    calls = sandbox.calls()
    assert "python -m pip install --quiet -e ." in calls
    assert not any("[dev]" in call or call.startswith("apt-get") for call in calls)
    assert "promtool" not in done.stderr
    assert calls[-1] == "carepulse demo --rate 5"


def test_the_test_path_installs_the_development_tools_prometheus_tools_and_chromium(
    sandbox: Sandbox,
) -> None:
    done = sandbox.bash("source scripts/setup.sh --dev")
    assert done.returncode == 0
    assert "python -m pip install --quiet -e .[dev]" in sandbox.calls()
    # no promtool or chromium on this PATH, not root and no sudo: asked for, by name
    assert ("setup: promtool and amtool missing and not root (no sudo): install the Debian "
            "package(s) prometheus prometheus-alertmanager; the rule tests fail until "
            "then") in done.stderr
    assert ("setup: chromium missing and not root (no sudo): install the Debian package(s) "
            "chromium fonts-liberation; the HTML report's rendering test fails until "
            "then") in done.stderr


def test_an_up_to_date_install_installs_nothing_and_serves_the_demo(sandbox: Sandbox) -> None:
    assert sandbox.bash("source scripts/setup.sh").returncode == 0
    sandbox.log.write_text("", encoding="utf-8")
    assert sandbox.bash("source scripts/setup.sh --demo").returncode == 0
    assert sandbox.bash("source scripts/setup.sh").returncode == 0
    assert not any("pip" in call for call in sandbox.calls())


def test_the_license_is_an_spdx_expression_setuptools_can_read() -> None:
    import tomllib

    from packaging.licenses import canonicalize_license_expression
    from packaging.requirements import Requirement
    from packaging.version import Version

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    license_ = pyproject["project"]["license"]
    assert isinstance(license_, str)  # not the deprecated table form { text = ... }
    assert canonicalize_license_expression(license_) == license_ == "Apache-2.0"
    requires = [Requirement(text) for text in pyproject["build-system"]["requires"]]
    setuptools = next(requirement for requirement in requires if requirement.name == "setuptools")
    # setuptools reads an SPDX string from 77 on; no older one may be picked
    assert not any(setuptools.specifier.contains(Version(f"{major}.99")) for major in (68, 76))
    assert setuptools.specifier.contains(Version("77.0.3"))


def test_without_mypyc_a_stale_compiled_core_is_removed_not_rebuilt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's install has no mypyc: an extension older than its source would stop
    `import streams`, so it is removed and the core runs interpreted."""
    compile_core = _compile_core()
    stale = tmp_path / "engine.so"
    stale.touch()
    removed: list[bool] = []
    monkeypatch.setattr(compile_core, "up_to_date", lambda: False)
    monkeypatch.setattr(compile_core, "extension", lambda source: stale)
    monkeypatch.setattr(compile_core, "clean", lambda: removed.append(True))
    monkeypatch.setattr(compile_core, "build", lambda: pytest.fail("built without mypyc"))
    real_find_spec = compile_core.importlib.util.find_spec
    monkeypatch.setattr(compile_core.importlib.util, "find_spec",
                        lambda name: None if name == "mypyc" else real_find_spec(name))
    assert compile_core.main([]) == 0
    assert removed == [True]
    assert "mypyc is not installed" in capsys.readouterr().err
    stale.unlink()  # nothing compiled, nothing to remove: silent
    assert compile_core.main([]) == 0
    assert removed == [True]
    assert capsys.readouterr().err == ""
