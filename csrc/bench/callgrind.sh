#!/bin/sh
# Instructions per input byte (and per URC) of qio_feed() under callgrind, for
# each case of bench_tokenizer.c: one pass over a 1 MiB stream, counting only
# what runs inside qio_feed (--toggle-collect). Hex cases run once per hex
# decoding level the CPU has (0 scalar, 1 sse2, 2 avx2), with instructions per
# hex digit too.
#   csrc/bench/callgrind.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
${CC:-gcc} -std=c99 -O2 -g -Wall -Wextra -Werror -o "$out/bench" \
    "$here/bench_tokenizer.c" "$here/../tokenizer.c" "$here/../hex.c"
# the best level: a request above it is clamped (run natively, not under valgrind)
best=$("$out/bench" --once 0 99 | sed -n 's/.* simd=//p')
printf "%-16s %10s %8s %12s %9s %9s %9s\n" case bytes URCs instructions Ir/byte Ir/URC Ir/digit
for k in 0 1 2 3 4 5; do
    levels=$best
    if [ "$k" -ge 3 ]; then levels=$(seq 0 "$best"); fi
    for level in $levels; do
        info=$(valgrind --tool=callgrind --callgrind-out-file="$out/cg.$k.$level" \
            --toggle-collect=qio_feed \
            "$out/bench" --once $k $level 2>/dev/null)
        ir=$(sed -n 's/^summary: *//p' "$out/cg.$k.$level")
        echo "$info" | awk -v ir="$ir" -v hexk=$((k >= 3)) '{
            split($0, a, " bytes="); name=a[1]; split(a[2], b, " urcs=");
            bytes=b[1]; split(b[2], c, " "); urcs=c[1];
            split($0, d, " digits="); split(d[2], e, " simd="); digits=e[1]; lv=e[2];
            if (hexk) name = name " " (lv == 0 ? "scalar" : lv == 1 ? "sse2" : "avx2");
            printf "%-16s %10d %8d %12d %9.2f %9.0f %9s\n", name, bytes, urcs, ir, ir/bytes,
                ir/urcs, (digits > 0 ? sprintf("%.3f", ir/digits) : "-") }'
    done
done
