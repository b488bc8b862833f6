"""The socket state table: every state x every trigger, against the transitions spelled out.

Needs: pytest.
"""
from __future__ import annotations

import itertools

import pytest

from pyqio.session._socket_table import (
    CLOSED,
    CLOSING,
    FAILED,
    OPEN,
    OPENING,
    TRANSITIONS,
    SocketInfo,
    SocketTable,
)

STATES = [OPENING, OPEN, FAILED, CLOSING, CLOSED]
TRIGGERS = sorted({t for moves in TRANSITIONS.values() for t in moves})


def test_every_state_has_a_row():
    assert set(TRANSITIONS) == set(STATES)
    assert all(nxt in STATES for moves in TRANSITIONS.values() for nxt in moves.values())


@pytest.mark.parametrize("state,trigger", list(itertools.product(STATES, TRIGGERS)))
def test_state_by_trigger_sweep(state, trigger):
    table = SocketTable()
    table.sockets[0] = SocketInfo(0, "TCP", state)
    allowed = trigger in TRANSITIONS[state]
    assert table.fire(0, trigger) is allowed
    assert table.sockets[0].state == (TRANSITIONS[state][trigger] if allowed else state)
    assert table.ignored == (0 if allowed else 1)  # refused moves are counted, never raised


def test_trigger_on_unknown_id_changes_nothing():
    table = SocketTable()
    assert table.fire(3, "remote_closed") is False
    assert table.sockets == {} and table.ignored == 1


def test_remote_close_then_close_ok():
    """2.4.1: "closed" URC -> "closing"; the host still closes it with AT+QICLOSE."""
    table = SocketTable()
    table.open_ok(0, "TCP", "1.2.3.4", 80, None)
    table.open_result(0, 0)
    assert table.fire(0, "remote_closed") and table.sockets[0].state == CLOSING
    assert table.fire(0, "close_ok") and table.sockets[0].state == CLOSED


def test_open_result_records_code_and_failure_needs_close():
    table = SocketTable()
    table.open_ok(1, "UDP", "1.2.3.4", 80, None)
    table.open_result(1, 566)
    assert (table.sockets[1].state, table.sockets[1].result) == (FAILED, 566)
    assert not table.fire(1, "remote_closed")  # not open: no URC makes sense here


@pytest.mark.parametrize("socket_state,expected", [(0, OPENING), (1, OPENING), (2, OPEN),
                                                   (3, CLOSING), (4, CLOSING)])
def test_qistate_row_is_the_modules_word(socket_state, expected):
    table = SocketTable()
    table.sync(2, "TCP INCOMING", "5.6.7.8", 999, 5000, socket_state)
    info = table.sockets[2]
    assert (info.state, info.service_type, info.remote_port, info.local_port) == (
        expected, "TCP INCOMING", 999, 5000)


def test_udp_service_ids_exclude_closed_and_other_types():
    table = SocketTable()
    table.open_ok(0, "UDP SERVICE", "127.0.0.1", 1, 1234)
    table.open_ok(1, "UDP", "1.2.3.4", 9, None)
    table.open_ok(2, "UDP SERVICE", "127.0.0.1", 1, 1235)
    table.fire(2, "close_ok")
    assert table.udp_service_ids() == {0}


def test_incoming_takes_listener_port():
    table = SocketTable()
    table.open_ok(0, "TCP LISTENER", "192.168.4.26", 0, 5000)
    table.open_result(0, 0)
    table.incoming(1, 0, "192.168.4.30", 34835)
    assert table.sockets[1] == SocketInfo(1, "TCP INCOMING", OPEN, server_id=0,
                                          remote_ip="192.168.4.30", remote_port=34835,
                                          local_port=5000)
