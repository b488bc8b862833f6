"""The C core on ARM: cross-built for aarch64 and armhf and run under qemu-user.

csrc/hex.c has a NEON hex path (level 1 on ARM) that an x86-64 machine cannot
compile natively, let alone run; here it is cross-compiled with Debian's cross
gcc (static, so qemu needs no sysroot) together with the tokenizer, the reference
(csrc/fuzz/ref.c) and two differential drivers, and run under qemu-user:

- ``csrc/fuzz/hexcheck.c``: every hex level the target has, against a plain
  decoder and, through the tokenizer, against the reference: lengths 0-200
  framed and unframed, all 256 byte values in both cases, a bad byte at every
  position, digits ending at an inaccessible page, and thousands of random hex
  streams under random settings and cuts;
- ``csrc/fuzz/driver.c``: the golden cases and the seed corpus under 192 settings (both framings)
  x 4 splits, again at every hex level.

Targets: aarch64 (NEON always there); armhf with ``-mfpu=neon``; armhf with
Debian's own flags (ARMv7-A, VFPv3-D16, no NEON) and with Raspberry Pi OS's
(ARMv6 + VFP), where GCC compiles the NEON functions alone and the kernel's
HWCAP_NEON decides at run time, so a CPU without NEON (qemu's cortex-r5f) runs
the scalar level only. A NEON bug planted
in a copy of hex.c must make the drivers fail, at level 1 only.

Needs (Debian): gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
libc6-dev-arm64-cross libc6-dev-armhf-cross qemu-user. Without them these tests
skip with that list (conftest makes a skip fail under CI, which installs them).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
FUZZ = CSRC / "fuzz"
CORPUS = sorted((FUZZ / "corpus").iterdir())
CORE = [CSRC / "tokenizer.c", CSRC / "hex.c"]
HARNESS = [FUZZ / n for n in ("check.c", "ref.c", "sink.c")]
WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SAN = ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
APT = ("gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross "
       "libc6-dev-armhf-cross qemu-user")

# name: (compiler and its flags, qemu, sysroot for dynamic (ASan) builds)
TARGETS = {
    "aarch64": (["aarch64-linux-gnu-gcc"], ["qemu-aarch64"], "/usr/aarch64-linux-gnu"),
    "armhf-neon": (["arm-linux-gnueabihf-gcc", "-mfpu=neon"], ["qemu-arm"],
                   "/usr/arm-linux-gnueabihf"),
    "armhf": (["arm-linux-gnueabihf-gcc"], ["qemu-arm"], "/usr/arm-linux-gnueabihf"),
    # Raspberry Pi OS's 32-bit flags (ARMv6 + VFP, ARM mode), which run on every Pi
    "armv6": (["arm-linux-gnueabihf-gcc", "-march=armv6+fp", "-marm"], ["qemu-arm"],
              "/usr/arm-linux-gnueabihf"),
}
MISSING = sorted({t for cc, qemu, _ in TARGETS.values() for t in (cc[0], qemu[0])
                  if shutil.which(t) is None})
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"{', '.join(MISSING)} not installed (apt-get install {APT})")

# planted NEON bugs, one per step of unhex_neon: accepting 'g'/'G' (both steps),
# and the 16-digit step's nibbles swapped
NEON_BUGS = {
    "accepts-g": ("vqsubq_u8(a, vdupq_n_u8(5))", "vqsubq_u8(a, vdupq_n_u8(6))"),
    "tail-swapped": ("vsli_n_u8(vget_high_u8(val), vget_low_u8(val), 4)",
                     "vsli_n_u8(vget_low_u8(val), vget_high_u8(val), 4)"),
}


def run(cmd: list, cwd: Path, timeout: float = 600, env: dict | None = None
        ) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)


def build(target: str, out: Path, main: Path, core: list[Path], flags: list[str]) -> Path:
    cc, _, _ = TARGETS[target]
    r = run([*cc, *WARN, *flags, "-I", CSRC, "-o", out, main, *HARNESS, *core], out.parent)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    return out


def qemu(target: str, *args, cpu: str | None = None, env: dict | None = None
         ) -> subprocess.CompletedProcess:
    _, q, _ = TARGETS[target]
    return run([*q, *(["-cpu", cpu] if cpu else []), *args], ROOT, env=env)


@pytest.fixture(scope="module", params=list(TARGETS))
def cross(request, tmp_path_factory) -> tuple[str, Path, Path]:
    """(target, hexcheck, driver), built -O2 and static for the target."""
    out = tmp_path_factory.mktemp(request.param)
    hexcheck = build(request.param, out / "hexcheck", FUZZ / "hexcheck.c", CORE, ["-O2", "-static"])
    driver = build(request.param, out / "driver", FUZZ / "driver.c", CORE, ["-O2", "-static"])
    return request.param, hexcheck, driver


# clang cross-compiles too (with the Debian cross sysroots' headers); without
# -mfpu=neon it builds no NEON on 32-bit ARM (its arm_neon.h needs the flag)
CLANG = {
    "clang-aarch64": ["clang", "--target=aarch64-linux-gnu", "-I/usr/aarch64-linux-gnu/include"],
    "clang-armhf": ["clang", "--target=arm-linux-gnueabihf", "-I/usr/arm-linux-gnueabihf/include"],
    "clang-armhf-neon": ["clang", "--target=arm-linux-gnueabihf", "-mfpu=neon",
                         "-I/usr/arm-linux-gnueabihf/include"],
}
COMPILERS = {**{t: cc for t, (cc, _, _) in TARGETS.items()},
             **(CLANG if shutil.which("clang") else {})}


@pytest.mark.parametrize("target", list(COMPILERS))
@pytest.mark.parametrize("opt", ["-O0", "-O2", "-O2 -DQIO_NO_SIMD"])
@pytest.mark.parametrize("src", ["tokenizer.c", "hex.c"])
def test_c_core_cross_compiles_without_a_single_warning(target, opt, src, tmp_path):
    cc = COMPILERS[target]
    r = run([*cc, *WARN, *opt.split(), "-c", CSRC / src, "-o", tmp_path / "x.o"], tmp_path)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


def test_the_neon_functions_are_compiled_for_every_arm_target(tmp_path):
    # Debian armhf's default flags have no NEON: GCC must still emit the NEON
    # path (a target attribute), not quietly leave ARMv7 with the scalar one
    for target, (cc, _, _) in TARGETS.items():
        r = run([*cc, "-O2", "-S", "-o", "-", CSRC / "hex.c"], tmp_path)
        assert r.returncode == 0, r.stderr
        assert re.search(r"\b(ld2|vld2\.8)\b", r.stdout), target


def test_hex_levels_agree_with_the_reference_under_qemu(cross):
    target, hexcheck, _ = cross
    r = qemu(target, hexcheck, "3000")
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    # NEON (level 1) is there on each target, next to the scalar level 0
    assert r.stdout.startswith("ok: hex levels 0-1, unhex lengths 0-200, tokenizer streams, "
                               "3000 random streams"), r.stdout


def test_driver_agrees_with_the_reference_on_the_corpus_under_qemu(cross):
    target, _, driver = cross
    r = qemu(target, driver, *CORPUS)
    assert r.returncode == 0, r.stderr[-4000:]
    assert f"ok: 18 golden cases, {len(CORPUS)} files, hex levels 0-1" in r.stdout


@pytest.mark.parametrize("target", ["armhf", "armv6"])
def test_a_32_bit_build_runs_scalar_on_a_cpu_without_neon(target, tmp_path):
    # flags without NEON: NEON only if the kernel says the CPU has it
    hexcheck = build(target, tmp_path / "hexcheck", FUZZ / "hexcheck.c", CORE, ["-O2", "-static"])
    driver = build(target, tmp_path / "driver", FUZZ / "driver.c", CORE, ["-O2", "-static"])
    r = qemu(target, driver, *CORPUS[:4], cpu="cortex-r5f")
    assert r.returncode == 0, r.stderr[-4000:]
    assert "ok: 18 golden cases, 4 files, hex levels 0-0" in r.stdout
    r = qemu(target, hexcheck, "100", cpu="cortex-r5f")
    assert r.returncode == 0 and r.stdout.startswith("ok: hex levels 0-0,"), r.stdout + r.stderr
    r = qemu(target, driver, *CORPUS[:4], cpu="cortex-a15")  # an ARMv7 with NEON
    assert "hex levels 0-1" in r.stdout


@pytest.mark.parametrize("target", ["aarch64", "armhf-neon"])
def test_hexcheck_is_clean_under_asan_and_ubsan_under_qemu(target, tmp_path):
    # dynamic (the sanitizer runtimes), with the cross sysroot; LeakSanitizer
    # does not run under qemu-user. NEON loads and stores are not instrumented,
    # which the page-wall cases of hexcheck make up for.
    hexcheck = build(target, tmp_path / "hexcheck", FUZZ / "hexcheck.c", CORE, SAN)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:halt_on_error=1",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    r = qemu(target, "-L", TARGETS[target][2], hexcheck, "200", env=env)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert r.stdout.startswith("ok: hex levels 0-1,"), r.stdout
    assert "runtime error" not in r.stderr and "AddressSanitizer" not in r.stderr


@pytest.mark.parametrize("bug", list(NEON_BUGS))
@pytest.mark.parametrize("target", ["aarch64", "armhf"])
def test_a_planted_neon_bug_fails_the_run_at_level_1_only(bug, target, tmp_path):
    text = (CSRC / "hex.c").read_text()
    mutated = text.replace(*NEON_BUGS[bug])
    assert mutated != text
    (tmp_path / "hex.c").write_text(mutated)
    core = [CSRC / "tokenizer.c", tmp_path / "hex.c"]
    hexcheck = build(target, tmp_path / "hexcheck", FUZZ / "hexcheck.c", core, ["-O2", "-static"])
    r = qemu(target, hexcheck, "100")
    assert r.returncode == 1 and r.stdout.startswith("FAIL"), r.stdout + r.stderr[-2000:]
    assert re.search(r"simd=1\b", r.stderr), r.stderr[-2000:]
    assert not re.search(r"simd=0\b", r.stderr), r.stderr[-2000:]   # scalar still agreed
    # the tokenizer-level comparison with the reference catches it on its own too
    driver = build(target, tmp_path / "driver", FUZZ / "driver.c", core, ["-O2", "-static"])
    r = qemu(target, driver, FUZZ / "corpus" / "edge_hex_blocks")
    assert r.returncode == 1 and "simd=1\n" in r.stderr and "simd=0\n" not in r.stderr, \
        r.stdout + r.stderr[-2000:]


def test_the_arm_instruction_count_script_prints_a_row_per_target_and_level(tmp_path):
    # csrc/bench/arm_insns.sh gives bench/README.md its ARM figures: it must keep
    # running (one text case and one hex case here, every level of each target)
    r = run(["sh", CSRC / "bench" / "arm_insns.sh", tmp_path, "0 3"], ROOT, timeout=1200)
    assert r.returncode == 0, r.stderr[-4000:]
    rows = [ln.split() for ln in r.stdout.splitlines()[1:]]
    assert [(row[0], " ".join(row[1:-6])) for row in rows] == [
        (t, case) for t in ("aarch64", "armhf")
        for case in ("text 16", "hex 16 scalar", "hex 16 neon")]
    for row in rows:    # a count of qio_feed's own work: at least 100 per URC
        instructions, urcs = int(row[-4]), int(row[-5])
        assert instructions > 100 * urcs > 0, row
