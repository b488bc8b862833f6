"""The C extension under AddressSanitizer and UBSan, driven by the test suites.

The cffi extension ``pyqio._tokenizer_c`` is rebuilt into a scratch copy of the
source tree with ``-fsanitize=address,undefined -fno-sanitize-recover=all`` (gcc,
whose ``libasan`` is preloaded into CPython, which is not built with it), and the
tokenizer, decoder, chapter-4, Feeder and events_c test files run against it (with
``pyqio._events_c`` built with the same flags) in a subprocess: any
out-of-bounds access, use after free or undefined behaviour aborts that run.
Leak detection is off (``detect_leaks=0``): CPython's own allocations at exit are
not ours to report. The atheris harnesses' corpora (lines, decoder, session) are
replayed there too, through the harnesses themselves (tests/fuzz/replay.py), so their
invariants are checked with csrc/lines.c and events_c.c under the sanitizers; that
needs atheris installed (the test extra has it), not a fuzzing run. And
tools/asan_fuzz.sh, the long fuzzing runs under ASan (clang), is checked to load the
C code's coverage counters and to stop at an out-of-bounds read planted in lines.c.

Then valgrind memcheck runs a driver script over the normal (uninstrumented)
build: every tokenizer entry point on hostile input, both settings, cut at every
byte, with demux buffers.

Needs (CI installs them): gcc with its sanitizer runtimes (Debian
``build-essential``: libasan, libubsan), ``valgrind``, clang with its runtimes
(``clang libclang-rt-14-dev``), atheris, and cffi/setuptools to build.
A missing tool FAILS with what to install: CI must not pass this by skipping.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = ["test_tokenizer.py", "test_tokenizer_hypothesis.py", "test_decoder.py",
          "test_examples_ch4.py", "test_feeder.py", "test_events_c.py",
          "test_events_c_safety.py", "test_events_c_nomem.py", "test_no_loss.py",
          "test_feed_ordered.py", "test_recv_fields.py", "test_lines_c.py",
          "test_lines_c_safety.py", "test_events_c_append.py"]
SAN_FLAGS = "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"


def need(tool: str, install: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: install it ({install}); the sanitizer tests need it")
    return path


def gcc_runtime(name: str) -> str:
    need("gcc", "apt-get install -y build-essential")
    lib = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                         text=True, check=True).stdout.strip()
    if not os.path.isabs(lib) or not os.path.exists(lib):
        pytest.fail(f"gcc has no {name}: apt-get install -y build-essential "
                    "(libasan and libubsan come with gcc's runtime packages)")
    return lib


def san_env(tree: Path) -> dict[str, str]:
    """The environment of a run against the ASan tree. ``PYTHONMALLOC=malloc``: every
    Python object (the bytes and bytearrays handed to C among them) is its own
    allocation with ASan's red zones, not a slice of a pymalloc arena, where a read a
    few bytes past a short line lands in the next object unseen."""
    env = dict(os.environ)
    env.update(
        PYTHONMALLOC="malloc",
        LD_PRELOAD=gcc_runtime("libasan.so"),
        ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86",
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87",
        PYTHONPATH=str(tree), PYQIO_BACKEND="c", PYTHONDONTWRITEBYTECODE="1")
    env.pop("CI", None)  # the copied conftest's CI rule is not what this run checks
    return env


@pytest.fixture(scope="module")
def asan_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of pyqio/ and csrc/ whose extension is built with ASan + UBSan."""
    tree = tmp_path_factory.mktemp("asan")
    skip = shutil.ignore_patterns("_tokenizer_c*", "_events_c*", "__pycache__", "fuzz", "bench")
    shutil.copytree(ROOT / "pyqio", tree / "pyqio", ignore=skip)
    shutil.copytree(ROOT / "csrc", tree / "csrc", ignore=skip)
    (tree / "tests").mkdir()
    for name in ["conftest.py", *SUITES]:
        shutil.copy(ROOT / "tests" / name, tree / "tests" / name)
    # the atheris harnesses and their corpora, replayed below
    shutil.copytree(ROOT / "tests" / "fuzz", tree / "tests" / "fuzz",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, CC="gcc", CFLAGS=SAN_FLAGS, LDFLAGS="-fsanitize=address,undefined")
    build = subprocess.run([sys.executable, "csrc/build_tokenizer.py"], cwd=tree, env=env,
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, \
        f"ASan build failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    # pyqio._events_c (the Feeder: its own tokenizer, events made in C) with the same
    # sanitizers, limited API as setup.py builds it
    target = tree / "pyqio" / ("_events_c" + sysconfig.get_config_var("EXT_SUFFIX"))
    build = subprocess.run(
        ["gcc", "-shared", "-fPIC", *SAN_FLAGS.split(), "-Wall", "-Wextra", "-Werror",
         "-DPy_LIMITED_API=0x030A0000", f"-I{sysconfig.get_paths()['include']}", "-Icsrc",
         "csrc/events_c.c", "csrc/lines.c", "csrc/tokenizer.c", "csrc/hex.c", "-o",
         str(target)],
        cwd=tree, capture_output=True, text=True, check=False)
    assert build.returncode == 0, f"ASan build of _events_c failed:\n{build.stderr[-3000:]}"
    return tree


def run_py(tree: Path, code: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args] if not code else [sys.executable, "-c", code],
                          cwd=tree, env=san_env(tree), capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_the_instrumented_extension_is_the_one_loaded(asan_tree: Path) -> None:
    """Guard: the suites below really run the ASan build, with ASan live."""
    for pattern in ("_tokenizer_c*.so", "_events_c*.so"):
        lib = next((asan_tree / "pyqio").glob(pattern))
        needed = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True,
                                check=True).stdout
        assert "libasan" in needed and "libubsan" in needed, pattern
    r = run_py(asan_tree, textwrap.dedent("""
        import ctypes, pyqio, pyqio._tokenizer_c as c
        from pyqio.wire import _feed
        ctypes.CDLL(None).__asan_init  # the preloaded runtime is live
        print(c.__file__, pyqio.backend(), _feed.events_c.__file__)
    """))
    assert r.returncode == 0, r.stderr[-3000:]
    path, backend, events_c = r.stdout.split()
    assert path.startswith(str(asan_tree)) and backend == "c"
    assert events_c.startswith(str(asan_tree))


# asks qio_feed to read 64 bytes from a 9-byte buffer: an out-of-bounds read in C
OVERFLOW = textwrap.dedent("""
        from pyqio._tokenizer_c import ffi, lib
        cap = lib.qio_buf_size(256)
        buf = ffi.new("unsigned char[]", cap)
        p = ffi.new("qio_parser *")
        lib.qio_init(p, buf, cap, 256)
        room = lib.qio_token_room(256)
        tok = ffi.new("qio_token[]", 64)
        arena = ffi.new("unsigned char[]", room + 4096)
        seg = ffi.new("int32_t[]", 64)
        lib.qio_set_output(p, tok, 64, arena, room + 4096, seg, 64,
                           ffi.NULL, ffi.NULL, 0, ffi.NULL)
        data = ffi.new("unsigned char[]", b"ATTTTTTT")
        lib.qio_feed(p, data, 64)   # 9 bytes allocated, 64 claimed
    """)


def test_a_heap_overflow_in_the_extension_is_reported(asan_tree: Path) -> None:
    """The set-up catches what it is for: a read past a buffer handed to the C
    core (asking qio_feed for more bytes than the buffer holds) aborts with ASan's report."""
    r = run_py(asan_tree, OVERFLOW)
    assert r.returncode == 86, (r.returncode, r.stderr[-2000:])
    assert "heap-buffer-overflow" in r.stderr


@pytest.mark.parametrize("suite", SUITES)
def test_suite_passes_with_the_extension_under_asan_and_ubsan(asan_tree: Path, suite: str) -> None:
    r = run_py(asan_tree, "", "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "-p", "no:randomly", f"tests/{suite}", timeout=900)
    report = (r.stdout[-4000:] + "\n" + r.stderr[-6000:])
    assert "ERROR: AddressSanitizer" not in r.stderr, report
    assert "runtime error:" not in r.stderr, report
    assert r.returncode == 0, report
    assert " passed" in r.stdout, report


REPLAY = textwrap.dedent("""
    import runpy, sys
    sys.argv = ["replay.py"]
    runpy.run_path("tests/fuzz/replay.py", run_name="__main__")
    import pyqio._events_c, pyqio._tokenizer_c
    print("extensions:", pyqio._events_c.__file__, pyqio._tokenizer_c.__file__)
""")
def need_atheris() -> None:
    try:
        import atheris  # noqa: F401  (the harnesses import it)
    except ImportError:
        pytest.fail("atheris is not installed: `pip install atheris` (the fuzz harnesses "
                    "in tests/fuzz import it; it is in the test extra)")


HARNESS_CORPORA = {"fuzz_lines.py": "lines", "fuzz_decoder.py": "decoder", "fuzz_session.py": "session"}


def test_fuzz_corpora_replay_through_the_harnesses_under_asan_and_ubsan(asan_tree: Path) -> None:
    """Every input of the lines, decoder and session corpora (``finding-*`` included)
    through its atheris harness (tests/fuzz/replay.py: each harness's invariants, each
    input cut several ways) with csrc/lines.c, events_c.c and tokenizer.c under ASan
    and UBSan (with ``PYTHONMALLOC=malloc``, as every run here: see :func:`san_env`)."""
    need_atheris()
    r = subprocess.run([sys.executable, "-c", REPLAY], cwd=asan_tree, env=san_env(asan_tree),
                       capture_output=True, text=True, timeout=900, check=False)
    report = r.stdout[-3000:] + "\n" + r.stderr[-6000:]
    assert "ERROR: AddressSanitizer" not in r.stderr, report
    assert "runtime error:" not in r.stderr, report
    assert r.returncode == 0, report
    for harness, corpus in HARNESS_CORPORA.items():
        files = len(list((ROOT / "tests" / "fuzz" / "corpus" / corpus).iterdir()))
        m = re.search(rf"^{re.escape(harness)}: (\d+) files, (\d+) inputs$", r.stdout, re.M)
        assert m is not None, report
        assert int(m.group(1)) == files > 0 and int(m.group(2)) > files, (harness, m.group(0))
    loaded = r.stdout.split("extensions:")[1].split()
    assert all(path.startswith(str(asan_tree)) for path in loaded), loaded


def asan_fuzz(tree: Path, tmp_path: Path, runs: int) -> subprocess.CompletedProcess:
    """tools/asan_fuzz.sh of *tree* on fuzz_lines.py and the lines corpus for *runs* inputs."""
    need("clang", "apt-get install -y clang libclang-rt-14-dev")
    need_atheris()
    scratch = tmp_path / "corpus"
    scratch.mkdir()
    return subprocess.run(
        ["sh", str(tree / "tools" / "asan_fuzz.sh"), "fuzz_lines.py", f"-runs={runs}",
         f"-artifact_prefix={tmp_path}/", str(scratch), str(ROOT / "tests" / "fuzz" / "corpus" / "lines")],
        cwd=tmp_path, env=dict(os.environ, PYTHON=sys.executable), capture_output=True, text=True,
        timeout=600, check=False)


def test_the_asan_fuzz_tool_fuzzes_with_the_c_code_instrumented(tmp_path: Path) -> None:
    """tools/asan_fuzz.sh: atheris drives the libFuzzer of the preloaded ASan runtime,
    and takes both extensions' coverage counters (the C branches steer the run)."""
    r = asan_fuzz(ROOT, tmp_path, 300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "Using preloaded libfuzzer" in out, out[-4000:]
    assert re.search(r"Loaded 2 modules +\(\d+ inline 8-bit counters\)", out), out[-4000:]
    done = re.search(r"^Done (\d+) runs", out, re.M)  # the seeds, then 300 mutations
    assert done is not None and int(done.group(1)) >= 300, out[-4000:]


def test_the_asan_fuzz_tool_reports_an_out_of_bounds_read_in_lines_c(tmp_path: Path) -> None:
    """Guard for the tool: a copy of the tree whose lines.c reads two bytes past a line
    (kept_pair's key) stops on the seed corpus with ASan's report."""
    tree = tmp_path / "tree"
    skip = shutil.ignore_patterns("_tokenizer_c*", "_events_c*", "__pycache__")
    for part in ("pyqio", "csrc", "tools", "tests/fuzz"):
        shutil.copytree(ROOT / part, tree / part, ignore=skip)
    lines_c = tree / "csrc" / "lines.c"
    src = lines_c.read_text()
    planted = src.replace("memcpy(&key->w[1], s + n - 8, 8);", "memcpy(&key->w[1], s + n - 6, 8);")
    assert planted != src
    lines_c.write_text(planted)
    r = asan_fuzz(tree, tmp_path, 300)
    assert r.returncode != 0
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in r.stderr, r.stderr[-4000:]
    assert "in kept_pair" in r.stderr, r.stderr[-4000:]


DRIVER = """
import random
from pyqio.wire._ctokenizer import Tokenizer

seeds = [
    b'\\r\\n+QIURC: "recv",0,5,"ab\\r\\nc"\\r\\n',
    b'+QIURC: "recv",1,4,"10.0.0.1",7,"\\x00\\x01\\x02\\x03"\\r\\n',
    b'+QIURC: "recv",2,3,"616263"\\r\\n+QIURC: "recv",2,2,"6G"\\r\\n',
    b'+QIURC: "recv",3,99999,"x"\\r\\n> \\r\\n\\x00\\x00RDY\\r\\nOK\\r\\n',
    b'+QIURC: "recv",4,"::1",5,"unframed""\\r\\n' + b'A' * 5000 + b'\\r\\n',
]
rng = random.Random(1)
for i in range(40):
    alphabet = b'+QIURC: "recv",0123456789\\r\\n>\\x00abcdef.:'
    seeds.append(bytes(rng.choice(alphabet) for _ in range(300)))
for hexmode in (False, True):
    for show_ra in (False, True):
        for data in seeds:
            t = Tokenizer(hex=hexmode, show_ra=show_ra, udp_service={0, 4}, max_line=256)
            whole = t.feed(data) + t.finish()
            t2 = Tokenizer(hex=hexmode, show_ra=show_ra, udp_service={0, 4}, max_line=256)
            out = []
            for j in range(len(data)):
                out += t2.feed(data[j:j + 1])
            assert out + t2.finish() == whole
            bufs = [bytearray() for _ in range(5)]
            t3 = Tokenizer(hex=hexmode, show_ra=show_ra, max_line=256)
            t3.feed_demux(data, bufs)
            t3.finish()
            t3.reset()
print("driver done")
"""


def memcheck_errors(log: str, needle: str) -> list[str]:
    """The error blocks of a memcheck log whose stack passes through *needle*.

    CPython's finalisation trips memcheck on its own (uninitialised reads in
    the GC's teardown, known and suppressed in CPython's ``valgrind-python.supp``,
    which a pyenv or Debian python does not ship): only errors with a frame in
    the extension are ours."""
    blocks = re.split(r"(?m)^==\d+== ?\n", log)
    return [b for b in blocks if needle in b and (
        "Invalid" in b or "uninitialised" in b or "Mismatched" in b or "overlap" in b)]


def memcheck(tmp_path: Path, code: str) -> tuple[subprocess.CompletedProcess, str]:
    valgrind = need("valgrind", "apt-get install -y valgrind")
    script = tmp_path / "driver.py"
    script.write_text(code)
    log = tmp_path / "memcheck.log"
    env = dict(os.environ, PYTHONMALLOC="malloc", PYTHONPATH=str(ROOT), PYQIO_BACKEND="c")
    r = subprocess.run([valgrind, "--tool=memcheck", "--leak-check=no", "--num-callers=40",
                        f"--log-file={log}", sys.executable, str(script)],
                       cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=600, check=False)
    text = log.read_text()
    assert "ERROR SUMMARY" in text, text[-2000:]  # memcheck really ran
    return r, text


def test_valgrind_memcheck_finds_no_error_in_the_extension(tmp_path: Path) -> None:
    r, log = memcheck(tmp_path, DRIVER)
    assert r.returncode == 0 and "driver done" in r.stdout, r.stderr[-4000:]
    ours = memcheck_errors(log, "_tokenizer_c")
    assert not ours, "\n".join(ours)[:8000]


def test_valgrind_filter_sees_an_error_in_the_extension(tmp_path: Path) -> None:
    """Guard for the filter above: the out-of-bounds read is found and attributed."""
    _, log = memcheck(tmp_path, OVERFLOW)
    assert any("Invalid read" in b for b in memcheck_errors(log, "_tokenizer_c")), log[-4000:]
