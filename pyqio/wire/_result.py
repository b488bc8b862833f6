"""Result codes of the TCP/IP commands (application note, chapter 3, table 2)."""
from __future__ import annotations

import enum


class ResultCode(enum.IntEnum):
    """A ``<result>``/``<err>`` code from chapter 3 of the note.

    ``ResultCode.SOCKET_CONNECTION_FAILED.description`` is the note's wording.
    """

    description: str

    def __new__(cls, value: int, description: str) -> ResultCode:
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj.description = description
        return obj

    OK = 0, "Operation successful"
    UNKNOWN_ERROR = 550, "Unknown error"
    OPERATION_BLOCKED = 551, "Operation blocked"
    PARAMETERS_INVALID = 552, "Parameters invalid"
    MEMORY_NOT_ENOUGH = 553, "Memory not enough"
    CREATE_SOCKET_FAILED = 554, "Create socket failed"
    OPERATION_NOT_SUPPORTED = 555, "Operation not supported"
    SOCKET_BIND_FAILED = 556, "Socket bind failed"
    SOCKET_LISTEN_FAILED = 557, "Socket listen failed"
    SOCKET_WRITE_FAILED = 558, "Socket write failed"
    SOCKET_READ_FAILED = 559, "Socket read failed"
    SOCKET_ACCEPT_FAILED = 560, "Socket accept failed"
    OPEN_PDP_CONTEXT_FAILED = 561, "Open PDP context failed"
    CLOSE_PDP_CONTEXT_FAILED = 562, "Close PDP context failed"
    SOCKET_IDENTITY_USED = 563, "Socket identity has been used"
    DNS_BUSY = 564, "DNS busy"
    DNS_PARSE_FAILED = 565, "DNS parse failed"
    SOCKET_CONNECTION_FAILED = 566, "Socket connection failed"
    SOCKET_CLOSED = 567, "Socket closed"
    OPERATION_BUSY = 568, "Operation busy"
    OPERATION_TIMEOUT = 569, "Operation timeout"
    PDP_CONTEXT_BROKE_DOWN = 570, "PDP context broke down"
    SEND_CANCELED = 571, "Send Canceled"
    OPERATION_NOT_ALLOWED = 572, "Operation not allowed"
    APN_NOT_CONFIGURED = 573, "APN not configured"
    PORT_BUSY = 574, "Port busy"


_BY_VALUE = {int(m): m for m in ResultCode}


def result_code(value: int) -> ResultCode | int:
    """The :class:`ResultCode` member for *value*, or *value* itself when unknown."""
    return _BY_VALUE.get(value, value)
