#!/bin/sh
# Instructions per input byte (and per URC) of qio_feed() under callgrind, for
# each case of bench_tokenizer.c: one pass over a 1 MiB stream, counting only
# what runs inside qio_feed (--toggle-collect).
#   csrc/bench/callgrind.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
${CC:-gcc} -std=c99 -O2 -g -Wall -Wextra -Werror -o "$out/bench" \
    "$here/bench_tokenizer.c" "$here/../tokenizer.c"
printf "%-10s %10s %8s %12s %9s %9s\n" case bytes URCs instructions Ir/byte Ir/URC
for k in 0 1 2 3 4 5; do
    info=$(valgrind --tool=callgrind --callgrind-out-file="$out/cg.$k" \
        --toggle-collect=qio_feed \
        "$out/bench" --once $k 2>/dev/null)
    ir=$(sed -n 's/^summary: *//p' "$out/cg.$k")
    echo "$info" | awk -v ir="$ir" '{
        split($0, a, " bytes="); name=a[1]; split(a[2], b, " urcs=");
        bytes=b[1]; split(b[2], c, " "); urcs=c[1];
        printf "%-10s %10d %8d %12d %9.2f %9.0f\n", name, bytes, urcs, ir, ir/bytes, ir/urcs }'
done
