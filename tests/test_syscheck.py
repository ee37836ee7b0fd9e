"""A fresh machine: what `make run` and `make test` need from the system is checked first and
said in one line (config/syscheck.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import syscheck

ROOT = Path(__file__).resolve().parent.parent

# Loaded by the child Python before anything else: Pango's libraries cannot be opened, as on
# a machine without libpango-1.0-0 (WeasyPrint opens them through cffi when imported).
HIDE_PANGO = """
import cffi
_real = cffi.FFI.dlopen
def _dlopen(self, name, *args, **kwargs):
    if "pango" in str(name):
        raise OSError(f"cannot load library '{name}': {name}: cannot open shared object file")
    return _real(self, name, *args, **kwargs)
cffi.FFI.dlopen = _dlopen
"""


def test_syscheck_without_pango_names_the_packages_in_one_line(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(HIDE_PANGO)
    result = subprocess.run(
        [sys.executable, "-m", "config.syscheck"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""  # not WeasyPrint's screenful
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("WeasyPrint needs Pango (cannot load library 'libpango-1.0-0'")
    assert lines[0].endswith(": apt-get install libpango-1.0-0 libpangoft2-1.0-0")


def test_syscheck_without_the_font_names_fonts_dejavu_core(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(syscheck, "FONT", tmp_path / "DejaVuSans.ttf")
    assert syscheck.main() == 1
    assert capsys.readouterr().err == (
        f"The signed summaries are set in DejaVu Sans ({tmp_path / 'DejaVuSans.ttf'} is missing): "
        "apt-get install fonts-dejavu-core\n"
    )


def test_syscheck_with_everything_installed_says_nothing(capsys):
    assert syscheck.missing_packages() == ([], "")  # CI installs them (.ci/run), as the README says
    assert syscheck.main() == 0
    assert capsys.readouterr().err == ""


def test_make_run_and_make_test_check_the_system_before_anything_else():
    if not shutil.which("make"):
        pytest.skip("needs make")
    for target in ("run", "test"):
        # -o: the virtualenv counts as installed, so only the target's own recipe is shown.
        # Run from inside make (make test), a sub-make says where it is: not a step.
        env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
        shown = subprocess.run(
            ["make", "-n", "--no-print-directory", "-o", ".venv/.installed-stamp", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.splitlines()
        assert shown[0] == ".venv/bin/python -m config.syscheck", shown
