"""Hypothesis strategies for module output around recv URCs (note 2.4.2), shared by
the tests that compare the C paths with the pure-Python twin (test_events_c.py,
test_feeder.py)."""
from __future__ import annotations

from hypothesis import strategies as st


def recv_urcs(max_id: int, max_size: int) -> st.SearchStrategy[bytes]:
    """A recv URC line: length-framed, length-framed with an address, or address only."""
    return st.builds(
        lambda cid, data, shape: (
            b'+QIURC: "recv",%d,%d,"%s"' % (cid, len(data), data) if shape == 0 else
            b'+QIURC: "recv",%d,%d,"10.1.2.3",%d,"%s"' % (cid, len(data), cid + 1, data)
            if shape == 1 else b'+QIURC: "recv",%d,"::1",9,%s' % (
                cid, data.replace(b"\r", b"").replace(b"\n", b""))),
        st.integers(0, max_id), st.binary(max_size=max_size), st.integers(0, 2))


def hex_urcs(max_id: int, max_size: int) -> st.SearchStrategy[bytes]:
    """A hex-mode recv URC line, sometimes with a bad digit at the end."""
    return st.builds(
        lambda cid, data, bad: b'+QIURC: "recv",%d,%d,"%s"' % (
            cid, len(data), data.hex().encode() + (b"G" if bad else b"")),
        st.integers(0, max_id), st.binary(max_size=max_size), st.booleans())


other_lines = st.sampled_from([
    b"OK", b"ERROR", b"+QIOPEN: 0,0", b'+QIURC: "closed",2', b">", b"", b"+CME ERROR: 552",
    b"junk\x00line", b'+QIURC: "recv",x', b"SEND OK", b'+QIURC: "recv",1,99999,"x"'])
