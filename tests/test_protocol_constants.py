"""The protocol's numbers are stated once (pyqio.protocol) and the C tokenizer agrees.

Needs: pytest; the C part runs where the C tokenizer is built (CI builds it).
"""
from __future__ import annotations

import pytest

from pyqio import commands as C
from pyqio import protocol as P
from pyqio.errors import InvalidArgument


def test_c_tokenizer_token_kinds_are_the_protocol_modules():
    lib = pytest.importorskip("pyqio._tokenizer_c").lib
    assert (lib.QIO_T_LINE, lib.QIO_T_PROMPT, lib.QIO_T_RECV, lib.QIO_T_ERROR, lib.QIO_T_READ) == \
        (P.T_LINE, P.T_PROMPT, P.T_RECV, P.T_ERROR, P.T_READ)


def test_c_tokenizer_module_profiles_are_the_protocol_modules_in_order():
    lib = pytest.importorskip("pyqio._tokenizer_c").lib
    assert (lib.QIO_M_BC660K, lib.QIO_M_BC66, lib.QIO_M_BG96) == tuple(
        P.MODULES.index(m) for m in ("bc660k", "bc66", "bg96"))
    assert len(P.MODULES) == 3


def test_buffer_access_ids_fill_the_c_mask_too(Tokenizer):  # noqa: N803 - conftest fixture
    tok = Tokenizer(module="bg96")
    tok.buffer_access = {P.FRAMING_IDS[-1]}
    assert tok.buffer_access == {P.FRAMING_IDS[-1]}
    with pytest.raises(InvalidArgument, match="buffer_access"):
        tok.buffer_access = {P.FRAMING_IDS[-1] + 1}
    with pytest.raises(InvalidArgument, match="module='bg95'"):
        Tokenizer(module="bg95")


def test_framing_ids_fill_the_c_udp_service_mask(Tokenizer):  # noqa: N803 - conftest fixture
    tok = Tokenizer(udp_service={P.FRAMING_IDS[-1]})
    assert P.FRAMING_IDS[-1] in tok.udp_service
    with pytest.raises(InvalidArgument):
        Tokenizer(udp_service={P.FRAMING_IDS[-1] + 1})


@pytest.mark.parametrize("build, top", [
    (lambda v: C.QIClose(v), P.CONNECT_IDS[-1]),
    (lambda v: C.QIDnsGip(v, "h"), P.CONTEXT_IDS[-1]),
    (lambda v: C.QNtp(0, "h", v), P.PORTS[-1]),
    (lambda v: C.QPing(0, "h", v), P.PING_TIMEOUTS[-1]),
    (lambda v: C.QPing(0, "h", 1, v), P.PING_COUNTS[-1]),
    (lambda v: C.QPing(0, "h", 1, 1, v), P.PING_SIZES[-1]),
    (lambda v: C.QISendFixed(0, v), P.MAX_TEXT_LENGTH),
    (lambda v: C.QISendFixed(0, v, hex=True), P.MAX_HEX_LENGTH),
    (lambda v: C.Cgpaddr(v), P.CID_RANGE[-1]),
])
def test_builders_take_their_ranges_from_the_protocol_module(build, top):
    build(top)
    with pytest.raises(InvalidArgument, match=f"={top + 1} is out of range"):
        build(top + 1)


def test_raw_line_length_is_the_protocol_modules():
    C.Raw("AT+X=" + "1" * (P.MAX_LINE_LENGTH - 5))
    with pytest.raises(InvalidArgument, match="over the maximum"):
        C.Raw("AT+X=" + "1" * (P.MAX_LINE_LENGTH - 4))
