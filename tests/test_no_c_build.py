"""A build without a working C compiler: it installs the pure-Python twin, says why
in one stderr line at build time, and in one warning at the first import after the
install; later imports and ``pyqio`` commands are quiet; ``PYQIO_NO_C_WARNING=1``
silences the warning.

The wheel is built from a copy of the source with ``CC=/bin/false`` (a compiler
that always fails) and installed with ``pip install --target`` into tmp_path; the
programs run from another folder so that they import that install, not the tree.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_LINE = "pyqio: building WITHOUT the C tokenizer: the C compiler /bin/false failed (exit status 1)."
WARNING = "RuntimeWarning: pyqio: the C tokenizer is not built (the C compiler /bin/false failed"


def site_packages() -> list[str]:
    return sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})


def _copy_source(dest: Path) -> None:
    junk = shutil.ignore_patterns("*.so", "__pycache__", "build", "*.egg-info", "_no_c_reason.txt",
                                  "_tokenizer_c.c")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("pyqio", "csrc"):
        shutil.copytree(ROOT / name, dest / name, ignore=junk)


@pytest.fixture(scope="module")
def no_c_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("no-c")
    src, wheels, site = tmp / "src", tmp / "wheels", tmp / "site"
    src.mkdir()
    _copy_source(src)
    env = {**os.environ, "CC": "/bin/false"}
    env.pop("PYQIO_REQUIRE_C", None)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
                            "-w", str(wheels), str(src)], capture_output=True, text=True, env=env, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("pyqio-*.whl")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    return site, build.stdout + build.stderr


def _run(site: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    # -S: no .pth files, so the editable install of the tree (a meta-path finder that
    # answers for every pyqio.* name) cannot lend its compiled modules; the test's
    # site-packages still provide cffi and pyserial, after the install under test
    full = {k: v for k, v in os.environ.items() if not k.startswith("PYQIO_")}
    full.update(PYTHONPATH=os.pathsep.join([str(site), *site_packages()]), **env)
    return subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60,
                          env=full, cwd=site.parent)


def test_the_build_says_why_in_one_stderr_line_and_makes_a_pure_python_wheel(no_c_install, tmp_path) -> None:
    site, log = no_c_install
    assert [line.strip() for line in log.splitlines() if "building WITHOUT" in line] == [
        BUILD_LINE + " The pure-Python twin gives the same events more slowly; install a C compiler and "
        "the Python headers (Debian: apt-get install build-essential python3-dev) and reinstall to build it."]
    assert not list(site.glob("pyqio/*.so"))
    (whl,) = (site.parent / "wheels").glob("*.whl")
    assert whl.name.endswith("-py3-none-any.whl")  # nothing compiled in it
    assert "pyqio/_no_c_reason.txt" in zipfile.ZipFile(whl).namelist()


def test_first_import_warns_once_with_the_reason_then_imports_and_commands_are_quiet(no_c_install) -> None:
    site, _ = no_c_install
    record = site / "pyqio" / "_no_c_reason.txt"
    original = record.read_text()
    try:
        silenced = _run(site, "import pyqio; print(pyqio.backend(), pyqio.__file__)", PYQIO_NO_C_WARNING="1")
        assert silenced.stderr == "" and silenced.stdout.startswith(f"python {site}")
        first = _run(site, "import pyqio, pyqio.wire.tokenizer; print(pyqio.backend())")
        assert first.stdout == "python\n"
        assert first.stderr.count("RuntimeWarning") == 1 and WARNING in first.stderr
        assert "PYQIO_NO_C_WARNING=1" in first.stderr
        again = _run(site, "import pyqio; print(pyqio.backend())")
        assert (again.stdout, again.stderr) == ("python\n", "")
        cli = _run(site, "from pyqio.cli import main; main(['decode', '--sample'])")
        assert cli.stderr == "" and cli.stdout.startswith('{"event": "IpAddress"')
    finally:
        record.write_text(original)


def test_a_missing_module_without_a_build_record_warns_in_every_process(no_c_install) -> None:
    site, _ = no_c_install
    record = site / "pyqio" / "_no_c_reason.txt"
    saved = record.read_text()
    record.unlink()
    try:
        for _ in range(2):
            run = _run(site, "import pyqio; pyqio.Decoder")  # the wire layer loads on first use
            assert run.stderr.count("RuntimeWarning") == 1
            assert "the C tokenizer is not built (it does not import: " in run.stderr
    finally:
        record.write_text(saved)
