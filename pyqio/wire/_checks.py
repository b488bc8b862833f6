"""The settings of a tokenizer and a decoder, checked once for both backends.

Both tokenizers (``_ctokenizer``, the cffi binding, and ``_pytokenizer``, its twin)
and :class:`pyqio.Decoder` take the same settings (TOKENS.md "Settings"); a bad one
is refused with the same :class:`~pyqio.errors.InvalidArgument`, naming the setting,
whichever backend runs.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from ..errors import InvalidArgument
from ..protocol import CONNECT_IDS, FRAMING_IDS, MODULES

__all__ = [
    "DEFAULT_MAX_LINE", "MAX_CONNECT_ID", "MAX_MAX_LINE", "MIN_MAX_LINE", "Module", "check_buffers",
    "check_ids", "check_max_line", "check_module", "ids_mask",
]

DEFAULT_MAX_LINE = 4096
MIN_MAX_LINE = 256
MAX_MAX_LINE = 1 << 20     # a cap far above any URC (1400 bytes); csrc/tokenizer.h agrees
#: The profiles of :data:`pyqio.protocol.MODULES`, for type checkers
Module = Literal["bc660k", "bc66", "bg96"]
#: udp_service and buffer_access hold connect ids 0-31: the C parser's 32-bit masks
MAX_CONNECT_ID = FRAMING_IDS[-1]


def check_module(value: object) -> Module:
    """*value* if it is a module profile of :data:`pyqio.protocol.MODULES`."""
    if value not in MODULES:
        raise InvalidArgument(
            f"module={value!r}: allowed values are {', '.join(map(repr, MODULES))}")
    return value  # type: ignore[return-value]  # one of MODULES, the Literal's values


def check_max_line(value: object) -> int:
    """*value* if it is an int from :data:`MIN_MAX_LINE` to :data:`MAX_MAX_LINE`."""
    if (isinstance(value, bool) or not isinstance(value, int)
            or not MIN_MAX_LINE <= value <= MAX_MAX_LINE):
        raise InvalidArgument(f"max_line={value!r} is out of range: an int from "
                              f"{MIN_MAX_LINE} to {MAX_MAX_LINE} is required")
    return value


def check_ids(value: Iterable[int], name: str = "udp_service") -> frozenset[int]:
    """The connect ids (0-31) of *value*, a setting named *name*, as a frozenset."""
    try:
        ids = frozenset(value)
    except TypeError:
        raise InvalidArgument(
            f"{name}={value!r}: must be an iterable of connect ids 0-{MAX_CONNECT_ID}"
        ) from None
    for cid in ids:
        if isinstance(cid, bool) or not isinstance(cid, int) or not 0 <= cid <= MAX_CONNECT_ID:
            raise InvalidArgument(
                f"{name} contains {cid!r}: connect ids are integers 0-{MAX_CONNECT_ID}")
    return ids


def ids_mask(ids: Iterable[int]) -> int:
    """The C parser's mask of checked connect ids: bit *i* for id *i*."""
    mask = 0
    for i in ids:
        mask |= 1 << i
    return mask


def check_buffers(buffers: Sequence[bytearray | None]) -> None:
    """The demux buffers as every feeder requires them: a sequence covering at least
    the note's connect ids 0-4, each entry a bytearray or None."""
    try:
        n = len(buffers)
    except TypeError:
        raise TypeError("buffers must be a sequence of bytearray or None") from None
    if n < len(CONNECT_IDS):
        raise InvalidArgument(
            f"buffers has {n} entries: at least {len(CONNECT_IDS)} (connect ids "
            f"{CONNECT_IDS[0]}-{CONNECT_IDS[-1]}) are required")
    for i, b in enumerate(buffers):
        if b is not None and not isinstance(b, bytearray):
            raise InvalidArgument(
                f"buffers[{i}] is a {type(b).__name__}: a bytearray or None is required")
