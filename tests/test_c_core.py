"""The C core (csrc/) on its own: warning-free builds, sanitizers, fuzzing, coverage.

Needs at test time: gcc and gcov (Debian: gcc, which brings libasan and libubsan)
and cffi; for the clang builds and the libFuzzer run: clang and its
sanitizer/fuzzer runtimes (Debian 12: clang-14 and libclang-rt-14-dev, which the
``clang`` package pulls in). Without clang, the clang-only tests are skipped (and
say so); the gcc ones always run.
"""
from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
FUZZ = CSRC / "fuzz"
CORPUS = sorted((FUZZ / "corpus").iterdir())
CORE = [CSRC / "tokenizer.c", CSRC / "hex.c"]   # what the cffi module compiles
HARNESS = [FUZZ / n for n in ("check.c", "ref.c", "sink.c")] + CORE
WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SAN = ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
       "-fno-omit-frame-pointer"]
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
X86_64 = platform.machine() in ("x86_64", "AMD64")
_CPUINFO = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
CPU_AVX2 = any(ln.startswith("flags") and " avx2" in ln for ln in _CPUINFO.splitlines())
ARM_NEON = platform.machine() in ("aarch64", "arm64") or any(
    ln.startswith("Features") and " neon" in ln for ln in _CPUINFO.splitlines())
# the best hex level hex.c picks at run time here (0 scalar; 1 SSE2, 2 AVX2; 1 NEON)
BEST_SIMD = (2 if CPU_AVX2 else 1) if X86_64 else 1 if ARM_NEON else 0
needs_clang = pytest.mark.skipif(shutil.which("clang") is None,
                                 reason="clang not installed (apt-get install clang)")


def run(cmd: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def compile_ok(cmd: list, cwd: Path) -> None:
    r = run(cmd, cwd)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


# x86-64: AVX2 is compiled in by a function attribute, whatever -m flags say
# (none, all of AVX2, or not even SSE2: then no SIMD level is built)
X86_OPTS = ["-O2 -mavx2", "-O0 -mno-sse2"] if X86_64 else []


@pytest.mark.parametrize("src", [c.name for c in CORE])
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("opt", ["-O0", "-O2", "-O0 -DQIO_NO_SIMD", "-O2 -DQIO_NO_SIMD",
                                 *X86_OPTS])
def test_c_core_compiles_without_a_single_warning(src, cc, opt, tmp_path):
    compile_ok([cc, *WARN, *opt.split(), "-c", CSRC / src, "-o", tmp_path / "t.o"], tmp_path)


def test_cffi_module_source_compiles_without_warnings(tmp_path):
    # what setup.py compiles: cffi's generated wrapper around tokenizer.h
    sys.path.insert(0, str(CSRC))
    try:
        import build_tokenizer
    finally:
        sys.path.pop(0)
    src = tmp_path / "_tokenizer_c.c"
    build_tokenizer.ffi.emit_c_code(str(src))
    compile_ok(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-I", CSRC,
                "-I", sysconfig.get_paths()["include"], "-c", src, "-o", tmp_path / "m.o"],
               tmp_path)


@pytest.fixture(scope="module", params=["simd", "scalar"])
def asan_driver(request, tmp_path_factory) -> Path:
    # "scalar" compiles out the SIMD hex paths; "simd" runs every hex input under
    # each level the CPU has (scalar, SSE2, AVX2): all must agree with the reference
    out = tmp_path_factory.mktemp(f"asan-{request.param}") / "driver"
    cc = "clang" if shutil.which("clang") else "gcc"
    flags = ["-DQIO_NO_SIMD"] if request.param == "scalar" else []
    compile_ok([cc, *WARN, *SAN, *flags, "-o", out, FUZZ / "driver.c", *HARNESS], out.parent)
    return out


def test_driver_under_asan_ubsan_agrees_with_the_reference_on_the_note_and_edge_cases(
        asan_driver):
    # golden cases written by hand from TOKENS.md, then every corpus file (the
    # note's chapter 4 streams among them) under 192 settings (the bc660k and the
    # bg96 framing each) x 4 ways of cutting it, each compared with the
    # byte-at-a-time reference
    r = run([asan_driver, *CORPUS], ROOT)
    assert r.returncode == 0, r.stderr[-4000:]
    best = 0 if "scalar" in str(asan_driver.parent) else BEST_SIMD
    assert f"ok: 18 golden cases, {len(CORPUS)} files, hex levels 0-{best}" in r.stdout
    assert "runtime error" not in r.stderr and "AddressSanitizer" not in r.stderr


def test_hexcheck_under_asan_ubsan_agrees_at_every_hex_level(tmp_path):
    # the hex differential driver that tests/test_arm.py runs under qemu, here
    # natively: scalar, SSE2 and AVX2 against a plain decoder and the reference
    out = tmp_path / "hexcheck"
    cc = "clang" if shutil.which("clang") else "gcc"
    compile_ok([cc, *WARN, *SAN, "-o", out, FUZZ / "hexcheck.c", *HARNESS], tmp_path)
    r = run([out, "1000"], ROOT)
    assert r.returncode == 0, r.stderr[-4000:]
    assert r.stdout.startswith(f"ok: hex levels 0-{BEST_SIMD}, unhex lengths 0-200, "
                               "tokenizer streams, 1000 random streams"), r.stdout
    assert "runtime error" not in r.stderr and "AddressSanitizer" not in r.stderr
def test_fuzz_corpus_seeds_every_module_profile_and_the_dictionary_its_forms():
    # byte 4 of a seed picks the profile (check.c cfg_from_bytes): the libFuzzer run
    # starts from seeds of each, so it mutates every framing from the first input
    profiles = {f.read_bytes()[4] & 3 for f in CORPUS}
    assert {0, 1, 2} <= profiles
    assert any(f.read_bytes()[4] & 4 for f in CORPUS)  # buffer access ids set
    words = (FUZZ / "tokens.dict").read_text()
    assert 'qird="+QIRD: "' in words and "push_hdr=" in words and "notice=" in words


def test_driver_prints_the_tokens_of_the_note_tcp_server_example(asan_driver):
    r = run([asan_driver, "-p", FUZZ / "corpus" / "note_tcp_server_text"], ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "LINE +QIOPEN: 0,0",
        'LINE +QIURC: "incoming",1,0,"192.168.4.30",34835',
        'LINE +QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1',
        "LINE OK",
        "RECV 1 10 - -1 1 1234567890",
        'LINE +QIURC: "closed",1',
    ]


def test_driver_fails_when_the_tokenizer_disagrees_with_the_reference(tmp_path):
    # the check is not vacuous: a tokenizer that frames one byte short is caught
    broken = tmp_path / "tokenizer.c"
    text = (CSRC / "tokenizer.c").read_text()
    mutated = text.replace("p->remaining = (size_t)p->length * (p->uhex ? 2u : 1u);",
                           "p->remaining = (size_t)p->length * (p->uhex ? 2u : 1u) / 2;")
    assert mutated != text
    broken.write_text(mutated)
    (tmp_path / "tokenizer.h").write_text((CSRC / "tokenizer.h").read_text())
    out = tmp_path / "driver"
    compile_ok(["gcc", "-std=c99", "-O1", "-I", tmp_path, "-I", CSRC, "-o", out,
                FUZZ / "driver.c", *HARNESS[:-2], broken, CSRC / "hex.c"], tmp_path)
    r = run([out, FUZZ / "corpus" / "note_tcp_server_text"], tmp_path)
    assert r.returncode == 1 and "MISMATCH" in r.stderr


# a bug in one hex level only: accepting 'g'/'G' as a digit
SIMD_BUGS = {1: ("_mm_subs_epu8(a, _mm_set1_epi8(5))", "_mm_subs_epu8(a, _mm_set1_epi8(6))"),
             2: ("K32(5)", "K32(6)")}


@pytest.mark.parametrize("level", [lv for lv in SIMD_BUGS if lv <= BEST_SIMD])
def test_driver_runs_every_hex_level_and_catches_a_bug_in_one_of_them(level, tmp_path):
    text = (CSRC / "hex.c").read_text()
    mutated = text.replace(*SIMD_BUGS[level])
    assert mutated != text
    (tmp_path / "hex.c").write_text(mutated)
    out = tmp_path / "driver"
    compile_ok(["gcc", "-std=c99", "-O1", "-I", CSRC, "-o", out, FUZZ / "driver.c",
                *HARNESS[:-1], tmp_path / "hex.c"], tmp_path)
    r = run([out, FUZZ / "corpus" / "edge_hex_blocks"], tmp_path)
    assert r.returncode == 1 and f"simd={level}\n" in r.stderr
    assert "simd=0\n" not in r.stderr   # the scalar run of the same input agreed


@needs_clang
def test_libfuzzer_harness_finds_no_crash_or_disagreement_in_a_bounded_run(tmp_path):
    fuzzer = tmp_path / "fuzz_tokenizer"
    compile_ok(["clang", *WARN, "-g", "-O1", "-fsanitize=fuzzer,address,undefined",
                "-fno-sanitize-recover=all", "-o", fuzzer, FUZZ / "fuzz_tokenizer.c",
                *HARNESS], tmp_path)
    work = tmp_path / "corpus"
    work.mkdir()
    r = run([fuzzer, "-max_total_time=45", "-rss_limit_mb=1024", f"-dict={FUZZ / 'tokens.dict'}",
             f"-artifact_prefix={tmp_path}/", work, FUZZ / "corpus"], tmp_path, timeout=240)
    assert r.returncode == 0, r.stderr[-4000:]
    done = re.search(r"Done (\d+) runs", r.stderr)
    assert done and int(done.group(1)) > 1000, r.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("leak-*"))


@pytest.mark.skipif(shutil.which("gcov") is None, reason="gcov not installed")
def test_corpus_covers_every_line_and_branch_of_the_c_core(tmp_path):
    r = run(["sh", ROOT / "tools" / "coverage_c.sh", tmp_path], ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    # the driver ran every hex level the CPU has, so no level's lines go unseen
    assert f"hex levels 0-{BEST_SIMD}" in r.stdout
    for src in CORE:
        block = re.search(rf"File '[^']*/{re.escape(src.name)}'\n(.*?)(?:\nCreating|\Z)", r.stdout, re.S)
        assert block, r.stdout
        lines = re.search(r"Lines executed:([\d.]+)% of (\d+)", block.group(1))
        taken = re.search(r"Taken at least once:([\d.]+)% of (\d+)", block.group(1))
        assert lines and taken, r.stdout
        print(f"{src.name}: lines {lines.group(1)}% of {lines.group(2)}, "
              f"branches taken {taken.group(1)}% of {taken.group(2)}")
        # the bar: 100% of lines and of branches of each file the module compiles
        assert float(lines.group(1)) == 100.0, r.stdout
        assert float(taken.group(1)) == 100.0, r.stdout


def test_tokenizer_tests_pass_on_the_extension_built_with_asan_and_ubsan():
    # the Python-facing C code (wrapper, cffi glue, demux) under the sanitizers
    r = run(["sh", ROOT / "tools" / "asan_pytest.sh", "tests/test_tokenizer.py",
             "tests/test_backend.py", "tests/test_bg96_framing.py"], ROOT, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert " passed" in r.stdout and " failed" not in r.stdout
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr


@pytest.mark.skipif(shutil.which("gcov") is None, reason="gcov not installed")
def test_events_c_tests_cover_every_line_and_branch_of_events_c(tmp_path):
    """csrc/events_c.c and csrc/lines.c (pyqio._events_c) built with --coverage, their
    Python suites run against it (tools/coverage_events_c.sh): 100% of lines and of
    branches taken, in each file."""
    r = subprocess.run(["sh", str(ROOT / "tools" / "coverage_events_c.sh"), str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False,
                       env={**os.environ, "PYTHON": sys.executable})
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert " passed" in r.stdout and " failed" not in r.stdout, r.stdout[-2000:]
    for src in ("events_c.c", "lines.c"):
        block = r.stdout.split(f"File 'csrc/{src}'", 1)[-1].split("Creating", 1)[0]
        lines = re.search(r"Lines executed:([\d.]+)% of (\d+)", block)
        taken = re.search(r"Taken at least once:([\d.]+)% of (\d+)", block)
        assert f"File 'csrc/{src}'" in r.stdout and lines and taken, r.stdout
        print(f"{src}: lines {lines.group(1)}% of {lines.group(2)}, "
              f"branches taken {taken.group(1)}% of {taken.group(2)}")
        assert float(lines.group(1)) == 100.0, r.stdout
        assert float(taken.group(1)) == 100.0, r.stdout
