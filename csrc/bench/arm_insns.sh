#!/bin/sh
# Instructions per input byte (and per URC, per hex digit) of qio_feed() on ARM,
# the ARM twin of callgrind.sh: bench_tokenizer.c cross-built (static, -O2) for
# aarch64 and armhf (Debian's flags: ARMv7-A, no -mfpu=neon, so NEON comes from
# hex.c's target attribute and HWCAP_NEON) and run once per case under
# qemu-user, which logs every translated block (in_asm: its instructions) and
# every execution of one (exec, nochain: none is skipped). The instructions of
# the blocks executed from qio_feed's first block until control is back in its
# caller are summed, as callgrind's --toggle-collect=qio_feed does (callees such
# as memcpy included). Exact and repeatable for a given compiler and qemu; not
# a speed: qemu's count says nothing about a core's pipelines.
# Hex cases run at every level the target has (0 scalar, 1 neon).
#   csrc/bench/arm_insns.sh [BUILD_DIR [CASES]]   (CASES: bench case numbers,
#                                                  default "0 1 2 3 4 5")
# Needs (Debian): gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
# libc6-dev-arm64-cross libc6-dev-armhf-cross qemu-user.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
cases=${2:-0 1 2 3 4 5}
mkdir -p "$out"
printf "%-8s %-16s %10s %8s %12s %9s %9s %9s\n" target case bytes URCs instructions \
    Ir/byte Ir/URC Ir/digit
for t in "aarch64 aarch64-linux-gnu-gcc qemu-aarch64" "armhf arm-linux-gnueabihf-gcc qemu-arm"; do
    set -- $t
    name=$1 cc=$2 qemu=$3
    "$cc" -std=c99 -O2 -Wall -Wextra -Werror -static -o "$out/bench-$name" \
        "$here/bench_tokenizer.c" "$here/../tokenizer.c" "$here/../hex.c"
    best=$("$qemu" "$out/bench-$name" --once 0 99 | sed -n 's/.* simd=//p')
    for k in $cases; do
        levels=$best
        if [ "$k" -ge 3 ]; then levels=$(seq 0 "$best"); fi
        for level in $levels; do
            # the log goes to fd 3 (the pipe), the bench's own line to a file
            ir=$("$qemu" -d in_asm,exec,nochain -D /dev/fd/3 "$out/bench-$name" --once $k $level \
                    3>&1 >"$out/info" | awk '
                /^IN:/ { blk = 1; start = ""; n = 0; next }
                blk && /^0x[0-9a-f]+:/ {
                    if (start == "") { start = substr($1, 3, length($1) - 3); sub(/^0+/, "", start) }
                    n++; next }
                blk && start != "" && !/^0x/ { size[start] = n; blk = 0 }
                /^Trace / {
                    split($0, f, "/"); pc = f[2]; sub(/^0+/, "", pc); sym = $NF
                    if (sym == "qio_feed") on = 1
                    else if (sym == "tokenize" || sym == "main") on = 0
                    if (on) { if (!(pc in size)) { print "no block at " pc > "/dev/stderr"; exit 1 }
                              total += size[pc] } }
                END { printf "%d\n", total }')
            awk -v ir="$ir" -v hexk=$((k >= 3)) -v target="$name" '{
                split($0, a, " bytes="); nm=a[1]; split(a[2], b, " urcs=");
                bytes=b[1]; split(b[2], c, " "); urcs=c[1];
                split($0, d, " digits="); split(d[2], e, " simd="); digits=e[1]; lv=e[2];
                if (hexk) nm = nm " " (lv == 0 ? "scalar" : "neon");
                printf "%-8s %-16s %10d %8d %12d %9.2f %9.0f %9s\n", target, nm, bytes, urcs,
                    ir, ir/bytes, ir/urcs, (digits > 0 ? sprintf("%.3f", ir/digits) : "-") }' \
                "$out/info"
        done
    done
done
