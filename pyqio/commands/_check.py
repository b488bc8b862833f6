"""Argument checks shared by every command builder and by :func:`pyqio.commands.parse`.

Builders validate in ``__post_init__`` and ``parse`` builds the same classes, so a
value is refused by both through this one code path. Every message names the
parameter, the value and what is allowed (``connect_id=7 is out of range 0–4``).
"""
from __future__ import annotations

import ipaddress
import re

from ..errors import CommandSyntaxError, InvalidArgument

__all__ = [
    "CommandSyntaxError",
    "check_flag",
    "check_int",
    "check_ip",
    "check_quoted",
    "hex_to_bytes",
    "show",
    "text_data_refusal",
]


def show(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to *limit* characters: messages stay small whatever is passed."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def check_int(name: str, value: object, lo: int, hi: int, allowed: str = "") -> int:
    """*value* as an int in ``lo..hi``; bools and other types are refused."""
    allowed = allowed or f"{lo}–{hi}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={show(value)} is not an int (allowed: {allowed})")
    if not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value} is out of range {allowed}")
    return value


def check_flag(name: str, value: object) -> bool:
    """A 0/1 parameter given as a bool or the int 0 or 1; returns the bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, int):
        raise InvalidArgument(f"{name}={value} is out of range 0–1")
    raise InvalidArgument(f"{name}={show(value)} is not a bool or 0/1 (allowed: 0–1)")


def check_quoted(name: str, value: object, max_len: int, min_len: int = 1) -> str:
    """A string for a quoted parameter: *min_len*..*max_len* bytes of printable ASCII, no ``"``.

    The module ends a quoted parameter at the next ``"`` and the command at CR
    (note 2.1.2), and Ctrl-Z/Esc act in data mode: any of these, or any other
    control byte, would let a caller's string inject a second command.
    """
    if not isinstance(value, str):
        raise InvalidArgument(f"{name}={show(value)} is not a str ({min_len}–{max_len} bytes)")
    if len(value) < min_len:
        raise InvalidArgument(f"{name}='' is empty (allowed: {min_len}–{max_len} bytes)")
    for ch in value:
        if ch == '"':
            raise InvalidArgument(
                f"{name}={show(value)} contains '\"', which would end the quoted parameter")
        if not " " <= ch <= "~":
            raise InvalidArgument(
                f"{name}={show(value)} contains {_describe(ch)}: quoted parameters take "
                "printable ASCII only (a control byte could inject a command)")
    if len(value) > max_len:
        raise InvalidArgument(f"{name} is {len(value)} bytes long, over the maximum of "
                              f"{max_len} bytes (allowed: {min_len}–{max_len})")
    return value


def check_ip(name: str, value: object, max_len: int = 64) -> str:
    """A quoted IP address parameter (``<remote_ip>``, DNS server addresses, 2.3.4/2.3.8)."""
    text = check_quoted(name, value, max_len)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgument(f"{name}={show(text)} is not an IPv4 or IPv6 address") from None
    return text


_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_DIGITS = re.compile("[0-9A-Fa-f]*")


def hex_to_bytes(name: str, text: str) -> bytes:
    """Hex digits given as text -> bytes; odd length or a non-hex digit is refused."""
    if len(text) % 2:
        raise InvalidArgument(f"{name}: hex data has an odd number of digits ({len(text)}); "
                              "hex data must be an even number of hex digits")
    if not _HEX_DIGITS.fullmatch(text):  # checked first: bytes.fromhex skips whitespace
        i = next(i for i, ch in enumerate(text) if ch not in _HEX)
        raise InvalidArgument(f"{name}: {_describe(text[i])} at offset {i} is not a hex digit; "
                              "hex data must be an even number of hex digits")
    return bytes.fromhex(text)


def text_data_refusal(data: bytes, forbidden: bytes, remedy: str) -> str | None:
    """The reason *data* cannot travel in a form that forbids the bytes *forbidden*."""
    if len(data.translate(None, forbidden)) == len(data):
        return None  # the common case, in C: no byte-by-byte Python loop on the send path
    for i, byte in enumerate(data):
        if byte in forbidden:
            return f"data holds {_describe(chr(byte))} at offset {i}, which this form cannot " \
                   f"carry: {remedy}"
    return None


def _describe(ch: str) -> str:
    if ch == '"':
        return "'\"' (0x22)"
    if " " <= ch <= "~":
        return repr(ch)
    return f"the byte 0x{ord(ch):02x}" if ord(ch) < 256 else f"the character {ch!r}"
