"""Socket tracking for the session: each connect id's state machine, spelled out as data.

As in h11's ``_state.py``, the states and the moves between them are a table, not
scattered flags.  The session feeds it what it saw the module say:

===============  ==============================================================
trigger          cause
===============  ==============================================================
``open_ok``      ``OK`` to ``AT+QIOPEN`` (2.3.1): the module is opening it
``opened``       ``+QIOPEN: <id>,0``
``open_failed``  ``+QIOPEN: <id>,<result>`` with result != 0; note 3 of 2.3.1
                 says the socket must still be closed with ``AT+QICLOSE``
``remote_closed````+QIURC: "closed",<id>`` (2.4.1): <socket_state> becomes "closing"
``close_ok``     ``CLOSE OK`` to ``AT+QICLOSE`` (2.3.2)
``incoming``     ``+QIURC: "incoming",<id>,<serverID>,...`` (2.4.3): a listener
                 accepted a connection into this id ("TCP INCOMING")
===============  ==============================================================

A trigger that the table does not allow in the current state (a ``closed`` URC for
an id never opened, say) changes nothing: bytes from the module never raise.  It is
counted in :attr:`SocketTable.ignored` so that a test or a log can see it.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CLOSED",
    "CLOSING",
    "FAILED",
    "OPEN",
    "OPENING",
    "TRANSITIONS",
    "SocketInfo",
    "SocketTable",
]

OPENING = "opening"   # OK came, +QIOPEN not yet
OPEN = "open"         # +QIOPEN: <id>,0, or accepted by a listener
FAILED = "failed"     # +QIOPEN: <id>,<err>: still needs AT+QICLOSE (2.3.1 note 3)
CLOSING = "closing"   # closed by the peer or the network: still needs AT+QICLOSE
CLOSED = "closed"     # CLOSE OK, or never opened

#: state -> {trigger: next state}.  Anything missing is not allowed.
TRANSITIONS: dict[str, dict[str, str]] = {
    CLOSED: {"open_ok": OPENING, "incoming": OPEN},
    OPENING: {"opened": OPEN, "open_failed": FAILED, "remote_closed": CLOSING,
              "close_ok": CLOSED},
    OPEN: {"remote_closed": CLOSING, "close_ok": CLOSED},
    FAILED: {"close_ok": CLOSED},
    CLOSING: {"close_ok": CLOSED},
}

# +QISTATE <socket_state> (2.3.3) -> our state: the module's own word wins
_FROM_SOCKET_STATE = {0: OPENING, 1: OPENING, 2: OPEN, 3: CLOSING, 4: CLOSING}


@dataclass(slots=True)
class SocketInfo:
    """What the session knows of one connect id (0-4).

    ``service_type`` is the note's string ("TCP", "UDP", "TCP LISTENER",
    "UDP SERVICE", "TCP INCOMING"); ``server_id`` is the listener that accepted a
    "TCP INCOMING" socket, else None; ``remote_ip``/``remote_port`` are the peer
    where known; ``local_port`` the bound port where known; ``result`` the
    ``+QIOPEN`` result code once it came.
    """

    connect_id: int
    service_type: str
    state: str = CLOSED
    server_id: int | None = None
    remote_ip: str | None = None
    remote_port: int | None = None
    local_port: int | None = None
    result: int | None = None
    #: <access_mode> of AT+QIOPEN: 1 direct push (the note's only one), 0 buffer access
    #: (the BG96 family: data waits in the module for AT+QIRD), 2 transparent
    access_mode: int = 1


class SocketTable:
    """The sockets the session tracks, by connect id, and the moves between states."""

    def __init__(self) -> None:
        self.sockets: dict[int, SocketInfo] = {}
        self.ignored = 0

    def fire(self, connect_id: int, trigger: str) -> bool:
        """Apply *trigger* to *connect_id*; False (and nothing changes) if not allowed."""
        info = self.sockets.get(connect_id)
        state = info.state if info is not None else CLOSED
        nxt = TRANSITIONS[state].get(trigger)
        if nxt is None or info is None:
            self.ignored += 1
            return False
        info.state = nxt
        return True

    def open_ok(self, connect_id: int, service_type: str, host: str,
                remote_port: int, local_port: int | None, access_mode: int = 1) -> None:
        """``OK`` to ``AT+QIOPEN``: a fresh record in state "opening"."""
        old = self.sockets.get(connect_id)
        if old is not None and old.state != CLOSED:
            # the module refuses a used id with a result code (563), not with OK;
            # if it said OK anyway, its word wins over our stale record
            self.ignored += 1
        listening = service_type in ("TCP LISTENER", "UDP SERVICE")
        self.sockets[connect_id] = SocketInfo(
            connect_id, service_type, OPENING,
            remote_ip=None if listening else host,
            remote_port=None if listening else remote_port,
            local_port=local_port, access_mode=access_mode)

    def open_result(self, connect_id: int, result: int) -> None:
        """``+QIOPEN: <id>,<result>``, attached or late."""
        if self.fire(connect_id, "opened" if result == 0 else "open_failed"):
            self.sockets[connect_id].result = result

    def incoming(self, connect_id: int, server_id: int, ip: str, port: int) -> None:
        """``+QIURC: "incoming"``: the listener *server_id* accepted into *connect_id*."""
        old = self.sockets.get(connect_id)
        if old is not None and old.state != CLOSED:
            self.ignored += 1  # the module reuses only free ids; trust it anyway
        listener = self.sockets.get(server_id)
        local = listener.local_port if listener is not None else None
        # a TCP INCOMING socket takes its listener's access mode (BG96 TCP/IP AN 2.2.4)
        mode = listener.access_mode if listener is not None else 1
        self.sockets[connect_id] = SocketInfo(
            connect_id, "TCP INCOMING", OPEN, server_id=server_id,
            remote_ip=ip, remote_port=port, local_port=local, access_mode=mode)

    def sync(self, connect_id: int, service_type: str, host: str, remote_port: int,
             local_port: int, socket_state: int, access_mode: int = 1) -> None:
        """A ``+QISTATE:`` row: the module's own account replaces ours (2.3.3)."""
        old = self.sockets.get(connect_id)
        server_id = old.server_id if old is not None else None
        state = _FROM_SOCKET_STATE.get(socket_state, OPEN)
        if old is not None and old.state == FAILED and state == OPENING:
            state = FAILED  # "Initial" after a failed open: still needs AT+QICLOSE
        self.sockets[connect_id] = SocketInfo(
            connect_id, service_type, state, server_id=server_id,
            remote_ip=host, remote_port=remote_port, local_port=local_port,
            result=old.result if old is not None else None, access_mode=access_mode)

    def sync_absent(self, connect_ids: set[int]) -> None:
        """A full ``AT+QISTATE?`` listed none of *connect_ids*: they are closed (2.3.3 note 2)."""
        for cid in connect_ids:
            info = self.sockets.get(cid)
            if info is not None:
                info.state = CLOSED

    def udp_service_ids(self) -> set[int]:
        """Connect ids whose recv URCs carry the sender's address (2.4.2)."""
        return {cid for cid, info in self.sockets.items()
                if info.service_type == "UDP SERVICE" and info.state != CLOSED}

    def buffer_access_ids(self) -> set[int]:
        """Connect ids in buffer access mode, whose recv URCs are notices (BG96 family)."""
        return {cid for cid, info in self.sockets.items()
                if info.access_mode == 0 and info.state != CLOSED}

    def clear(self) -> None:
        """Forget every socket (the module restarted)."""
        self.sockets.clear()
