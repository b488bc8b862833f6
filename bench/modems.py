"""Scaling over modems: 1, 8 and 64 simulated modules served by one asyncio process.

Each modem is a :class:`pyqio.modem.Modem` on ``sim://`` (the simulator,
:class:`pyqio.sim.Simulator`, joined by the in-memory transport); each opens a
TCP socket through its module to one loopback server, which, once every modem
has said "go", sends it ``--bytes`` bytes and closes. The module side turns them
into ``+QIURC: "recv"`` URCs; the host side decodes them (session, decoder, C
tokenizer) into each socket's stream, read with ``recv()`` until EOF.

Reported per modem count: wall time, throughput per modem and in all, CPU
seconds per megabyte received (``time.process_time``: the simulator, the
loopback server and the host side all run in this one process, so this is an
upper bound on pyqio's own cost), and memory per connection (``tracemalloc``,
measured in a separate run, in a fresh process, because tracing slows everything
down): what an idle connected modem holds, and the peak while all of them
receive; and the growth of the process's RSS, which also counts C buffers.

    python -m bench.modems [--quick] [--counts 1,8,64] [--bytes N] [--json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import tracemalloc

BLOCK = 4096  # bytes per server write


async def start_source(nbytes: int, go: asyncio.Event) -> tuple[asyncio.AbstractServer, int]:
    """A loopback TCP server sending *nbytes* to each client once *go* is set."""
    block = bytes(range(256)) * (BLOCK // 256)  # binary: CR, LF, quotes, NUL inside

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await go.wait()
        left = nbytes
        while left > 0:
            writer.write(block[:min(left, BLOCK)])
            left -= BLOCK
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def drain(sock) -> int:
    got = 0
    while data := await sock.recv(65536):
        got += len(data)
    return got


async def open_modems(count: int, port: int) -> tuple[list, list]:
    from pyqio.modem import Modem

    modems = await asyncio.gather(*(Modem.open("sim://?echo=0") for _ in range(count)))
    socks = await asyncio.gather(*(m.connect("127.0.0.1", port) for m in modems))
    return list(modems), list(socks)


def rss() -> int:
    """Resident bytes of this process (Linux), which counts C buffers tracemalloc misses."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def c_tokenizer_bytes() -> int:
    """Bytes the C tokenizer of one decoder allocates (once, at construction and at
    the first ``feed_demux``): cffi's ``ffi.new`` buffers, which tracemalloc does
    not see."""
    try:
        from pyqio.wire._ctokenizer import Tokenizer, ffi
    except ImportError:
        return 0
    tok = Tokenizer()
    tok.feed_demux(b"", [bytearray()] * 5)  # the demux space is made on first use
    total = 0
    for name in type(tok).__slots__:   # every buffer it owns, whatever its name
        value = getattr(tok, name, None)
        if isinstance(value, ffi.CData):
            try:
                total += ffi.sizeof(value)
            except (TypeError, ffi.error):
                pass                       # a pointer, not an owned array
    return total


async def one_run(count: int, nbytes: int, trace: bool) -> dict:
    go = asyncio.Event()
    server, port = await start_source(nbytes, go)
    base, rss0 = (tracemalloc.get_traced_memory()[0] if trace else 0), rss()
    modems, socks = await open_modems(count, port)
    idle, rss_idle = (tracemalloc.get_traced_memory()[0] if trace else 0), rss()
    if trace:
        tracemalloc.reset_peak()
    await asyncio.sleep(0.05)  # let every connection settle
    cpu0, t0 = time.process_time(), time.perf_counter()
    go.set()
    got = await asyncio.gather(*(drain(s) for s in socks))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak, rss_end = (tracemalloc.get_traced_memory()[1] if trace else 0), rss()
    for s in socks:
        await s.close()
    await asyncio.gather(*(m.close() for m in modems))
    server.close()
    mb = sum(got) / 1e6
    return {"modems": count, "bytes_per_modem": nbytes, "received": sum(got),
            "lost": count * nbytes - sum(got), "wall_s": wall,
            "mb_s_per_modem": mb / count / wall, "mb_s_total": mb / wall,
            "cpu_s_per_mb": cpu / mb if mb else float("nan"),
            "idle_bytes_per_conn": (idle - base) / count,
            "peak_bytes_per_conn": (peak - base) / count,
            "rss_idle_per_conn": (rss_idle - rss0) / count,
            "rss_end_per_conn": (rss_end - rss0) / count}


def memory_run(count: int, nbytes: int) -> dict:
    """The traced run, meant for a fresh process: after a warm-up (imports, first
    allocations), so that RSS grows by what the connections take, not by memory
    an earlier run freed."""
    asyncio.run(one_run(1, BLOCK, trace=False))
    tracemalloc.start()
    try:
        return asyncio.run(one_run(count, nbytes, trace=True))
    finally:
        tracemalloc.stop()


def measure(count: int, nbytes: int) -> dict:
    """Timed run without tracing here, then the memory run in a fresh process."""
    import concurrent.futures
    import multiprocessing

    row = asyncio.run(one_run(count, nbytes, trace=False))
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        mem = pool.submit(memory_run, count, nbytes).result()
    for key in ("idle_bytes_per_conn", "peak_bytes_per_conn", "rss_idle_per_conn",
                "rss_end_per_conn"):
        row[key] = mem[key]
    row["c_tokenizer_bytes"] = c_tokenizer_bytes()
    return row


def format_rows(rows: list[dict]) -> str:
    lines = [(f"{'modems':>6} {'MB/modem':>9} {'wall s':>7} {'MB/s/modem':>10} {'MB/s all':>9} "
              f"{'CPU s/MB':>9} {'py idle KiB':>11} {'py peak KiB':>11} {'RSS idle KiB':>12} "
              f"{'RSS end KiB':>11} {'lost B':>7}")]
    for r in rows:
        lines.append(f"{r['modems']:>6} {r['bytes_per_modem'] / 1e6:>9.3f} {r['wall_s']:>7.2f} "
                     f"{r['mb_s_per_modem']:>10.3f} {r['mb_s_total']:>9.2f} "
                     f"{r['cpu_s_per_mb']:>9.3f} {r['idle_bytes_per_conn'] / 1024:>11.1f} "
                     f"{r['peak_bytes_per_conn'] / 1024:>11.1f} "
                     f"{r['rss_idle_per_conn'] / 1024:>12.1f} "
                     f"{r['rss_end_per_conn'] / 1024:>11.1f} "
                     f"{r['lost']:>7}")
    lines.append("(per connection; py = tracemalloc, Python objects only; RSS = whole process,"
                 " module side included)")
    if rows:
        lines.append(f"C tokenizer buffers per decoder, allocated once: "
                     f"{rows[0]['c_tokenizer_bytes'] / 1024:.1f} KiB (not seen by tracemalloc; "
                     f"pages are touched only as used)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 KiB per modem")
    parser.add_argument("--counts", default="1,8,64", help="modem counts (default 1,8,64)")
    parser.add_argument("--bytes", type=int, default=None,
                        help="bytes each modem receives (default 1 MiB, 64 KiB quick)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    nbytes = args.bytes or (64 * 1024 if args.quick else 1 << 20)
    counts = [int(c) for c in args.counts.split(",")]
    for c in counts:
        if not 1 <= c <= 256:
            parser.error(f"--counts: {c} is out of range 1-256")
    asyncio.run(one_run(1, BLOCK, trace=False))  # warm-up: imports, first allocations
    rows = [measure(c, nbytes) for c in counts]
    print(json.dumps(rows, indent=1) if args.json else format_rows(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
