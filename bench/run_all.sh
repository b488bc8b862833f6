#!/bin/sh
# Every benchmark in one go, as recorded in bench/README.md:
#   sh bench/run_all.sh [--quick]
# Run from the repository root with the C tokenizer built in place
# (pip install -e . or python setup.py build_ext --inplace). Needs gcc and
# valgrind for the C level (apt-get install -y gcc valgrind).
set -eu
quick=${1:-}
echo "## machine"
lscpu | sed -n 's/^Model name: *//p; s/^CPU(s): *//p' | paste -sd ' ' -
python -VV
date -u '+%Y-%m-%d %H:%M UTC'
uptime
echo
echo "## pyqio bench $quick"
python -m pyqio bench $quick
echo
echo "## sweeps $quick"
python -m bench.sweeps $quick
echo
echo "## modems $quick"
python -m bench.modems $quick
echo
echo "## C level (csrc/bench, no Python)"
out=$(mktemp -d)
${CC:-gcc} -std=c99 -O2 -Wall -Wextra -o "$out/bench" csrc/bench/bench_tokenizer.c csrc/tokenizer.c csrc/hex.c
"$out/bench"
echo
echo "## callgrind (csrc/bench/callgrind.sh): instructions per byte of qio_feed"
sh csrc/bench/callgrind.sh "$out"
echo
echo "## callgrind: binascii.unhexlify of 1 MiB of hex digits (the hex limit)"
py=$(python -c 'import sys; print(sys.executable)')   # the real binary, not a pyenv shim
valgrind --tool=callgrind --callgrind-out-file="$out/cg.unhex" "$py" -c '
import binascii, os
binascii.unhexlify(binascii.hexlify(os.urandom(1 << 19)))' >/dev/null 2>&1
callgrind_annotate "$out/cg.unhex" | awk '/binascii_a2b_hex/ {
    gsub(",", "", $1); printf "binascii_a2b_hex: %d Ir, %.2f Ir per hex digit\n", $1, $1 / 1048576 }'
