"""Answers of the BG96 family's context commands (re-exported by :mod:`pyqio.events`).

``AT+QICSGP=<contextID>`` (the context's configuration), ``AT+QIACT?`` (one row per
active context) and ``AT+QIGETERROR`` (the last TCP/IP error), as the BG96 TCP/IP
Application Note 2.2.1, 2.2.2 and 2.2.13 (BG95&BG77&BG600L 2.3.1, 2.3.2, 2.3.14)
describe them. ``to_bytes()`` writes the module's line back.
"""
from __future__ import annotations

from typing import ClassVar

from .._frozen import frozen
from ._event_base import Event
from ._eventfmt import _q

__all__ = ["ContextConfig", "ContextState", "LastError"]


@frozen
class ContextConfig(Event):
    """``+QICSGP: <context_type>,"<APN>","<username>","<password>",<authentication>``.

    ``context_type``: 1 IPv4, 2 IPv6, 3 IPv4v6; ``authentication``: 0 none, 1 PAP,
    2 CHAP, 3 PAP or CHAP.
    """

    prefix: ClassVar[str | None] = "QICSGP"

    context_type: int
    apn: str
    username: str
    password: str
    authentication: int

    def _body(self) -> bytes:
        return b"+QICSGP: %d,%s,%s,%s,%d" % (self.context_type, _q(self.apn), _q(self.username),
                                            _q(self.password), self.authentication)


@frozen
class ContextState(Event):
    """``+QIACT: <contextID>,<context_state>,<context_type>[,"<IP_address>"]``: one row of
    ``AT+QIACT?`` (``context_state`` 1 activated, 0 deactivated; ``context_type`` 1 IPv4,
    2 IPv6, 3 IPv4v6)."""

    prefix: ClassVar[str | None] = "QIACT"

    context_id: int
    state: int
    context_type: int
    ip: str | None = None

    @property
    def active(self) -> bool:
        """True when the context is activated."""
        return self.state == 1

    def _body(self) -> bytes:
        head = b"+QIACT: %d,%d,%d" % (self.context_id, self.state, self.context_type)
        return head if self.ip is None else head + b"," + _q(self.ip)


@frozen
class LastError(Event):
    """``+QIGETERROR: <err>,<errcode_description>``: the result code of the last TCP/IP
    command (codes 550–574 mean the same across the family) and the module's words for it."""

    prefix: ClassVar[str | None] = "QIGETERROR"

    code: int
    description: str

    def _body(self) -> bytes:
        return b"+QIGETERROR: %d,%s" % (self.code,
                                         self.description.encode("utf-8", "surrogateescape"))
