"""Session: requests paired with their answers, fed as decoded events (no bytes yet).

Each test names the rule of the note it checks; the events are what the decoder
makes of the module's lines.  Needs: pytest.
"""
from __future__ import annotations

import pytest

import pyqio.events as E  # E.TestResponse: a Test* name at module level pytest would collect
from pyqio import commands as C
from pyqio.errors import InvalidArgument
from pyqio.events import (
    Closed,
    CloseOk,
    CmeError,
    DataFormat,
    DnsAddress,
    DnsResult,
    Error,
    Incoming,
    Info,
    IpAddress,
    NtpResult,
    Ok,
    OpenResult,
    PingReply,
    PingSummary,
    Prompt,
    Recv,
    SendFail,
    SendOk,
    SendStats,
    ShowRA,
    SocketStatus,
    Text,
)
from pyqio.session import LinkReset, Response, Session, TimedOut

OPEN0 = C.QIOpen(0, 0, "TCP", "220.180.239.212", 8062, 0, 1)


def feed(s: Session, *events) -> list:
    for ev in events:
        s._handle_event(ev)
    return s.events()


def responses(out: list) -> list[Response]:
    return [x for x in out if isinstance(x, Response)]


@pytest.fixture
def s() -> Session:
    return Session()


def test_qiopen_completes_on_deferred_result_not_on_ok(s):
    req = s.send_command(OPEN0)
    assert s.data_to_send() == b'AT+QIOPEN=0,0,"TCP","220.180.239.212",8062,0,1\r'
    assert (req.waiting_for, req.deferred) == ("OK", False)
    assert feed(s, Ok()) == []
    assert (req.waiting_for, req.deferred, req.done) == ("+QIOPEN", True, False)
    assert s.sockets[0].state == "opening"
    [resp] = feed(s, OpenResult(0, 0))
    assert resp.request is req and req.response is resp and req.done
    assert resp.final == OpenResult(0, 0) and resp.events == (Ok(), OpenResult(0, 0))
    assert resp.ok and resp.result == 0
    assert s.sockets[0].state == "open" and s.sockets[0].service_type == "TCP"
    assert s.pending is None


def test_qiopen_error_ends_at_once(s):
    req = s.send_command(OPEN0)
    [resp] = feed(s, Error())
    assert resp.final == Error() and not resp.ok and req.done
    assert 0 not in s.sockets


def test_failed_open_leaves_socket_needing_close(s):
    s.send_command(OPEN0)
    [resp] = feed(s, Ok(), OpenResult(0, 566))
    assert not resp.ok and resp.result == 566
    assert s.sockets[0].state == "failed"  # 2.3.1 note 3: AT+QICLOSE still needed
    s.send_command(C.QIClose(0))
    feed(s, Ok(), CloseOk())
    assert s.sockets[0].state == "closed"


def test_one_command_in_flight_fifo(s):
    r1 = s.send_command(OPEN0)
    r2 = s.send_command(C.QIStateAll())
    assert s.data_to_send() == OPEN0.to_bytes()
    assert s.queued == (r2,) and s.pending is r1
    feed(s, Ok())
    assert s.data_to_send() == b""  # QIOPEN is still waiting for +QIOPEN
    feed(s, OpenResult(0, 0))
    assert s.data_to_send() == b"AT+QISTATE?\r" and s.pending is r2


def test_foreign_prefix_is_not_attached(s):
    req = s.send_command(C.QIStateAll())
    out = feed(s, OpenResult(1, 0), SocketStatus(0, "TCP", "1.2.3.4", 80, 0, 2, 0, 1), Ok())
    assert out[0] == OpenResult(1, 0)  # unattached, surfaced on its own
    assert out[1].events == (SocketStatus(0, "TCP", "1.2.3.4", 80, 0, 2, 0, 1), Ok())
    assert req.response is out[1]


def test_urcs_are_delivered_at_once_and_never_attached(s):
    s.send_command(C.QISend(0, b"12345"))
    urcs = [Recv(0, b"OK"), Closed(1), Incoming(2, 0, "1.2.3.4", 5), IpAddress("10.0.0.1"),
            Info("QIURC", ("pdpdeact", 1))]
    out = feed(s, urcs[0], Ok(), *urcs[1:], SendOk())
    assert out[:-1] == urcs
    assert out[-1].events == (Ok(), SendOk())


def test_echo_of_pending_command_is_dropped(s):
    s.send_command(C.At())
    out = feed(s, Text(b"AT"), Ok())
    assert len(out) == 1 and out[0].events == (Ok(),)


def test_identify_attaches_text_lines(s):
    s.send_command(C.Identify())
    [resp] = feed(s, Text(b"ATI"), Text(b"Quectel_Ltd"), Text(b"Revision: X"), Ok())
    assert resp.events == (Text(b"Quectel_Ltd"), Text(b"Revision: X"), Ok())


def test_text_line_not_attached_to_other_commands(s):
    s.send_command(C.QIStateAll())
    out = feed(s, Text(b"RDY"), Ok())
    assert out[0] == Text(b"RDY") and out[1].events == (Ok(),)


def test_qiclose_waits_for_close_ok(s):
    req = s.send_command(C.QIClose(0))
    feed(s, Ok())
    assert req.waiting_for == "CLOSE OK" and req.deferred
    [resp] = feed(s, CloseOk())
    assert resp.ok and resp.events == (Ok(), CloseOk())


def test_inline_send_ok_then_send_ok(s):
    req = s.send_command(C.QISend(0, b"12345"))
    assert s.data_to_send() == b'AT+QISEND=0,5,"12345"\r'
    feed(s, Ok())
    assert req.waiting_for == "SEND OK"
    [resp] = feed(s, SendOk())
    assert resp.ok


def test_send_fail_is_a_final_not_ok(s):
    s.send_command(C.QISend(0, b"12345"))
    [resp] = feed(s, Ok(), SendFail())
    assert resp.final == SendFail() and not resp.ok


@pytest.mark.parametrize("at", [0, 1])
def test_send_error_at_any_point(s, at):
    s.send_command(C.QISend(0, b"12345"))
    [resp] = feed(s, *[Ok()][:at], CmeError(567))
    assert resp.final == CmeError(567) and resp.result == 567 and not resp.ok


def test_data_mode_payload_released_only_after_prompt(s):
    payload = C.ctrl_z_payload(b"12345")
    req = s.send_command(C.QISendData(0), payload)
    assert s.data_to_send() == b"AT+QISEND=0\r"
    assert req.waiting_for == ">"
    feed(s, Recv(0, b"x"))
    assert s.data_to_send() == b""
    feed(s, Prompt())
    assert s.data_to_send() == b"12345\x1a"
    [resp] = feed(s, Ok(), SendOk())
    assert resp.events == (Prompt(), Ok(), SendOk())


def test_data_mode_error_before_prompt_never_releases_payload(s):
    s.send_command(C.QISendFixed(0, 5), C.fixed_payload(b"12345", 5))
    s.data_to_send()
    [resp] = feed(s, Error())
    assert resp.final == Error()
    feed(s, Prompt())  # a stray prompt now is not ours
    assert s.data_to_send() == b""


def test_fixed_length_send_ok_without_ok(s):
    s.send_command(C.QISendFixed(0, 5), C.fixed_payload(b"12345", 5))
    [resp] = feed(s, Prompt(), SendOk())
    assert resp.ok


def test_esc_cancel_ends_on_first_result(s):
    s.send_command(C.QISendData(0), C.ESC)
    s.data_to_send()
    feed(s, Prompt())
    assert s.data_to_send() == b"\x1b"
    [resp] = feed(s, Ok())
    assert resp.final == Ok()


def test_payload_rules(s):
    with pytest.raises(InvalidArgument, match="payload"):
        s.send_command(C.QISendData(0))
    with pytest.raises(InvalidArgument, match="payload"):
        s.send_command(C.QISend(0, b"1"), b"x")
    with pytest.raises(InvalidArgument, match="cmd"):
        s.send_command(b"AT\r")
    assert s.pending is None and s.data_to_send() == b""


def test_send_stats_then_ok(s):
    s.send_command(C.QISendStats(0))
    [resp] = feed(s, SendStats(10, 10, 0), Ok())
    assert resp.events == (SendStats(10, 10, 0), Ok()) and resp.ok


REPLY = PingReply(0, "47.100.63.174", 32, 560, 88)


def test_ping_four_replies_then_summary(s):
    req = s.send_command(C.QPing(0, "iot.quectel.com"))
    out = feed(s, Ok(), REPLY, REPLY, REPLY, REPLY)
    assert out == [] and req.waiting_for == "+QPING"
    [resp] = feed(s, PingSummary(0, 4, 4, 0, 220, 560, 322))
    assert resp.ok and resp.events[1:5] == (REPLY,) * 4


def test_ping_timed_out_replies_are_replies_then_lone_summary(s):
    s.send_command(C.QPing(0, "1.2.3.4", timeout=4, count=2))
    out = feed(s, Ok(), PingReply(569), PingReply(569))
    assert out == []  # both lone 569s are failed replies: 2 asked for
    [resp] = feed(s, PingReply(569))
    assert resp.final == PingSummary(569) and resp.result == 569
    assert resp.events == (Ok(), PingReply(569), PingReply(569), PingSummary(569))


def test_ping_failing_summary_after_fewer_replies_ends_it(s):
    s.send_command(C.QPing(0, "no.such.host"))
    [resp] = feed(s, Ok(), PingReply(565))
    assert resp.final == PingSummary(565) and not resp.ok


def test_ping_lone_result_after_count_replies_is_summary(s):
    s.send_command(C.QPing(0, "1.2.3.4", timeout=4, count=1))
    [resp] = feed(s, Ok(), REPLY, PingReply(569))
    assert resp.final == PingSummary(569)


def test_ntp_ok_then_result(s):
    s.send_command(C.QNtp(0, "ntp5.aliyun.com"))
    [resp] = feed(s, Ok(), NtpResult(0, None))
    assert resp.ok and resp.final == NtpResult(0, None)


def test_dns_ends_after_first_address_whatever_the_count(s):
    s.send_command(C.QIDnsGip(0, "www.baidu.com"))
    out = feed(s, Ok(), DnsResult(0, 3, 600))
    assert out == [] and s.pending.waiting_for == "+QIDNSGIP address"
    [resp] = feed(s, DnsAddress("14.215.177.39"))
    assert resp.final == DnsResult(0, 3, 600) and resp.ok
    assert resp.events == (Ok(), DnsResult(0, 3, 600), DnsAddress("14.215.177.39"))
    assert feed(s, DnsAddress("14.215.177.38")) == [DnsAddress("14.215.177.38")]


@pytest.mark.parametrize("header", [DnsResult(565, 0, 0), DnsResult(0, 0, 0)])
def test_dns_ends_at_header_without_addresses(s, header):
    s.send_command(C.QIDnsGip(0, "x.example"))
    [resp] = feed(s, Ok(), header)
    assert resp.final == header


def test_queries_keep_decoder_and_settings_in_step(s):
    s.send_command(C.QICfgDataFormat(True, True))
    feed(s, Ok())
    assert (s.recv_format, s.send_format) == ("hex", "hex")
    s.send_command(C.QICfgShowRA(True))
    feed(s, Error())
    assert s.show_ra is False  # refused: nothing changes
    s.send_command(C.QICfgShowRA())
    [resp] = feed(s, ShowRA(True), Ok())
    assert s.show_ra is True and resp.events == (ShowRA(True), Ok())
    s.send_command(C.QICfgDataFormat())
    feed(s, DataFormat(False, False), Ok())
    assert s.recv_format == "text" and s.decoder.recv_format == "text"


def test_udp_service_ids_follow_open_and_close(s):
    s.send_command(C.QIOpen(0, 2, "UDP SERVICE", "127.0.0.1", 1, 1234, 1))
    feed(s, Ok(), OpenResult(2, 0))
    assert s.decoder.udp_service == {2}
    s.send_command(C.QIClose(2))
    feed(s, Ok(), CloseOk())
    assert s.decoder.udp_service == frozenset()


def test_incoming_and_closed_urcs_drive_socket_states(s):
    s.send_command(C.QIOpen(0, 0, "TCP LISTENER", "192.168.4.26", 0, 5000, 1))
    feed(s, Ok(), OpenResult(0, 0))
    feed(s, Incoming(1, 0, "192.168.4.30", 34835))
    info = s.sockets[1]
    assert (info.service_type, info.state, info.server_id) == ("TCP INCOMING", "open", 0)
    assert (info.remote_ip, info.remote_port, info.local_port) == ("192.168.4.30", 34835, 5000)
    feed(s, Closed(1))
    assert s.sockets[1].state == "closing"  # 2.4.1: <socket_state> becomes "closing"


def test_full_state_query_closes_unlisted_sockets(s):
    s.send_command(OPEN0)
    feed(s, Ok(), OpenResult(0, 0))
    s.send_command(C.QIStateAll())
    feed(s, Ok())
    assert s.sockets[0].state == "closed"  # 2.3.3 note 2: no row, no connection


def test_test_command_attaches_its_test_response(s):
    s.send_command(C.TestCommand("QICFG"))
    lines = (E.TestResponse("QICFG", ("dataformat", (0, 1), (0, 1))),
             E.TestResponse("QICFG", ("showRA", (0, 1))))
    [resp] = feed(s, *lines, Ok())
    assert resp.events == (*lines, Ok())


def test_deferred_result_that_never_comes_keeps_command_pending(s):
    req = s.send_command(OPEN0)
    s.send_command(C.QIStateAll())
    feed(s, Ok(), Ok(), Ok())  # extra OKs are not the +QIOPEN it waits for
    assert s.pending is req and req.waiting_for == "+QIOPEN"
    assert s.data_to_send() == OPEN0.to_bytes()


def test_fail_pending_then_late_result_is_unattached(s):
    req = s.send_command(OPEN0)
    nxt = s.send_command(C.QIOpen(0, 0, "UDP", "1.2.3.4", 9, 0, 1))
    s.data_to_send()
    feed(s, Ok())
    assert s.fail_pending("no +QIOPEN in 60 s") is req
    [resp] = s.events()
    assert resp.final == TimedOut("no +QIOPEN in 60 s") and not resp.ok
    assert s.data_to_send() == nxt.command.to_bytes() and s.pending is nxt
    # the late +QIOPEN: 0,0 arrives before the next command's OK: never attached
    assert feed(s, OpenResult(0, 0)) == [OpenResult(0, 0)]
    assert s.sockets[0].state == "open"  # but it still tells us the socket opened
    [resp2] = feed(s, Ok(), OpenResult(0, 563))
    assert resp2.request is nxt and resp2.result == 563


def test_fail_pending_with_nothing_pending_returns_none(s):
    assert s.fail_pending("race") is None


def test_late_prompt_after_timeout_is_cancelled_with_esc(s):
    s.send_command(C.QISendData(0), C.ctrl_z_payload(b"hi"))
    s.send_command(C.At())
    s.data_to_send()
    s.fail_pending("no prompt")
    s.events()
    assert s.data_to_send() == b"AT\r"
    out = feed(s, Prompt())
    assert out == [Prompt()] and s.data_to_send() == b"\x1b"


def test_reset_completes_everything_with_link_reset(s):
    r1 = s.send_command(OPEN0)
    r2 = s.send_command(C.At())
    feed(s, Ok(), OpenResult(0, 0), Ok())
    r3 = s.send_command(C.QIClose(0))
    r4 = s.send_command(C.At())
    s.reset()
    out = s.events()
    assert [x.request for x in out] == [r3, r4]
    assert all(x.final == LinkReset() for x in out)
    assert s.sockets == {} and s.pending is None and s.data_to_send() == b""
    assert r1.done and r2.done


def test_late_send_ok_does_not_end_the_next_inline_send(s):
    s.send_command(C.QISend(0, b"12345"))
    nxt = s.send_command(C.QISend(0, b"678"))
    feed(s, Ok())
    s.fail_pending("no SEND OK in time")
    s.events()
    assert feed(s, SendOk()) == [SendOk()]  # before the next send's OK: not its answer
    assert s.pending is nxt
    [resp] = feed(s, Ok(), SendFail())
    assert resp.request is nxt and resp.final == SendFail()


def test_late_close_ok_still_closes_the_socket(s):
    s.send_command(OPEN0)
    feed(s, Ok(), OpenResult(0, 0))
    s.send_command(C.QIClose(0))
    feed(s, Ok())
    s.fail_pending("no CLOSE OK")
    s.send_command(C.At())
    out = feed(s, CloseOk())
    assert out[-1] == CloseOk() and s.sockets[0].state == "closed"


def test_runaway_answer_keeps_request_bounded(s):
    from pyqio.session import MAX_ATTACHED

    req = s.send_command(C.QIStateAll())
    row = SocketStatus(0, "TCP", "1.2.3.4", 80, 0, 2, 0, 1)
    out = feed(s, *[row] * 1000, Ok())
    assert len(req.response.events) == MAX_ATTACHED + 1  # the rows kept, and the OK
    assert out[:-1] == [row] * (1000 - MAX_ATTACHED)  # the rest surfaced, none lost


def test_constructor_settings_reach_the_decoder():
    s = Session("hex", True, send_format="hex")
    assert (s.recv_format, s.show_ra, s.send_format) == ("hex", True, "hex")
    assert (s.decoder.recv_format, s.decoder.show_ra) == ("hex", True)
    with pytest.raises(InvalidArgument, match="send_format='bin'"):
        Session(send_format="bin")
    with pytest.raises(InvalidArgument, match="recv_format"):
        Session(recv_format="bin")


@pytest.mark.parametrize("code", [569, 558, 559])
def test_ping_per_request_failures_are_replies(s, code):
    s.send_command(C.QPing(0, "1.2.3.4", timeout=1, count=2))
    assert feed(s, Ok(), PingReply(code), REPLY) == []
    [resp] = feed(s, PingSummary(0, 2, 1, 1, 560, 560, 560))
    assert resp.events[1] == PingReply(code)


@pytest.mark.parametrize("code", [565, 564, 561, 570, 550, 999])
def test_ping_whole_operation_failures_end_it_as_summary(s, code):
    s.send_command(C.QPing(0, "1.2.3.4", timeout=1, count=3))
    [resp] = feed(s, Ok(), REPLY, PingReply(code))
    assert resp.final == PingSummary(code) and resp.result == code


def test_an_incoming_connection_past_every_profile_is_delivered_not_tabled():
    """An +QIURC: "incoming" naming connect id 81 (the decoder frames 0-31) reaches the
    caller as its event and stays out of the socket table. On the BG96 family an
    accepted socket takes buffer access mode, so tabling it once raised InvalidArgument
    out of receive_data from the decoder's buffer_access setter (found by fuzzing the
    session on that profile)."""
    s = Session(module="bg96")
    s.send_command(C.QIOpen(1, 0, "TCP LISTENER", "127.0.0.1", 0, 2020, 0, module="bg96"))
    s.data_to_send()
    s.receive_data(b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n")
    assert set(s.decoder.buffer_access) == {0}   # the listener, in buffer access mode
    s.receive_data(b'\r\n+QIURC: "incoming",2,0,"192.168.4.30",34835\r\n'
                   b'\r\n+QIURC: "incoming",81,0,"192.168.4.30",34835\r\n')
    assert [e.connect_id for e in s.events() if isinstance(e, Incoming)] == [2, 81]
    assert set(s._table.sockets) == {0, 2}
    assert set(s.decoder.buffer_access) == {0, 2}


def test_a_state_row_with_a_connect_id_past_every_profile_is_delivered_not_tabled(s):
    """A +QISTATE row naming connect id 100 (no module has it; the decoder frames 0-31)
    reaches the caller as its event, but neither the socket table nor the decoder's
    framing sets take it: it once raised InvalidArgument out of receive_data, from
    the decoder's buffer_access (access mode 0) or udp_service (UDP SERVICE) setter."""
    req = s.send_command(C.QIStateAll())
    s.data_to_send()
    s.receive_data(b'+QISTATE: 100,"TCP","1.2.3.4",80,0,2,0,0\r\n'
                   b'+QISTATE: 0100,"UDP SERVICE","127.0.0.1",0,3030,2,0,1\r\n'
                   b'+QISTATE: 1,"TCP","1.2.3.4",80,0,2,0,0\r\nOK\r\n')
    out = s.events()
    assert req.response is out[-1]
    assert [e.connect_id for e in out[-1].events if isinstance(e, SocketStatus)] == [100, 100, 1]
    assert set(s._table.sockets) == {1}
    assert set(s.decoder.buffer_access) == {1} and not s.decoder.udp_service
