"""Hypothesis stateful test of the session: queue, pairing, sockets, URCs anywhere.

The machine issues commands with a scripted module answer (success, failure, error,
ping timeouts ...), feeds the module's lines one by one (each cut in two at a drawn
point), injects URCs at any moment, times commands out, and feeds the late deferred
results of timed-out commands.  Invariants: every request completes exactly once and
with the final its script ends with; URCs in == URCs out, in order; late results come
out unattached; the host's bytes are each command line once, in order, with data-mode
payloads only after their prompt; a UDP SERVICE socket's recv URCs (which carry the
sender's address, 2.4.2) decode as such whenever the session saw the socket open.
Needs: pytest, hypothesis.
"""
from __future__ import annotations

from collections import deque

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pyqio import commands as C
from pyqio.events import (
    Closed,
    CloseOk,
    CmeError,
    DnsResult,
    Error,
    Event,
    Incoming,
    IpAddress,
    NtpResult,
    Ok,
    OpenResult,
    PingSummary,
    Recv,
    SendFail,
    SendOk,
)
from pyqio.session import Response, Session, TimedOut

REPLY = b'+QPING: 0,"1.2.3.4",32,20,64'
ROW0 = b'+QISTATE: 0,"TCP","1.2.3.4",80,0,2,0,1'

# kind -> outcome -> (module lines, final class, index of the first deferred line or None)
SCRIPTS = {
    "at": {"ok": ([b"OK"], Ok, None)},
    "state": {"ok": ([ROW0, b"OK"], Ok, None), "error": ([b"ERROR"], Error, None)},
    "close": {"ok": ([b"OK", b"CLOSE OK"], CloseOk, 1), "error": ([b"ERROR"], Error, None)},
    "send": {"ok": ([b"OK", b"SEND OK"], SendOk, 1), "fail": ([b"OK", b"SEND FAIL"], SendFail, 1),
             "cme": ([b"+CME ERROR: 567"], CmeError, None)},
    "senddata": {"ok": ([b">", b"OK", b"SEND OK"], SendOk, 2),
                 "error": ([b"ERROR"], Error, None)},
    "ping": {"ok": ([b"OK", REPLY, REPLY, b"+QPING: 0,2,2,0,20,20,20"], PingSummary, 1),
             "timeouts": ([b"OK", b"+QPING: 569", b"+QPING: 569", b"+QPING: 569"],
                          PingSummary, 1),
             "dnsfail": ([b"OK", b"+QPING: 565"], PingSummary, 1)},
    "dns": {"ok": ([b"OK", b"+QIDNSGIP: 0,2,600", b"+QIDNSGIP: 1.2.3.4"], DnsResult, 1),
            "fail": ([b"OK", b"+QIDNSGIP: 565"], DnsResult, 1)},
    "ntp": {"ok": ([b"OK", b'+QNTP: 0,"2019/06/11,11:08:20"'], NtpResult, 1),
            "fail": ([b"OK", b"+QNTP: 569"], NtpResult, 1)},
}
KINDS = sorted(SCRIPTS) + ["open"]
OPEN_OUTCOMES = {"ok": 0, "fail": 566}

FAKE = b"\r\nOK\r\n>\rSEND OK\r\n"  # lines inside a payload must not answer anything
URCS = [
    (b'+QIURC: "recv",1,%d,"%s"' % (len(FAKE), FAKE), Recv(1, FAKE, len(FAKE))),
    (b'+QIURC: "closed",2', Closed(2)),
    (b'+QIURC: "incoming",3,0,"5.6.7.8",9', Incoming(3, 0, "5.6.7.8", 9)),
    (b"+IP: 10.0.0.1", IpAddress("10.0.0.1")),
]
UDP_RECV = (b'+QIURC: "recv",4,3,"9.9.9.9",53,"abc"', Recv(4, b"abc", 3, "9.9.9.9", 53))


def command_for(kind: str, cid: int):
    return {
        "at": lambda: C.At(),
        "state": lambda: C.QIState(1, 0),
        "close": lambda: C.QIClose(cid),
        "send": lambda: C.QISend(0, b"hello"),
        "senddata": lambda: C.QISendData(0),
        "ping": lambda: C.QPing(0, "1.2.3.4", 4, 2),
        "dns": lambda: C.QIDnsGip(0, "example.com"),
        "ntp": lambda: C.QNtp(0, "1.2.3.4"),
        "open": lambda: C.QIOpen(0, cid, "UDP SERVICE" if cid == 4 else "TCP",
                                 "1.2.3.4", 80, 4444 if cid == 4 else 0, 1),
    }[kind]()


def frame(line: bytes) -> bytes:
    return b"\r\n> " if line == b">" else b"\r\n" + line + b"\r\n"


class Job:
    """The model's view of one request: the module lines still to come, and what ends it."""

    def __init__(self, req, kind: str, cid: int, lines: list, final: type, deferred_at):
        self.req, self.kind, self.cid = req, kind, cid
        self.lines = deque(lines)
        self.total = len(lines)
        self.final = final
        self.deferred_at = deferred_at

    @property
    def fed(self) -> int:
        return self.total - len(self.lines)


class SessionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.s = Session()
        self.jobs: deque[Job] = deque()      # issued and not complete, FIFO
        self.all_jobs: list[Job] = []
        self.late: deque[bytes] = deque()    # deferred results of timed-out requests
        self.late_jobs: list[Job] = []
        self.urcs_in: list[Event] = []
        self.urcs_out: list[Event] = []
        self.late_in = 0
        self.unattached: list[Event] = []
        self.seen: dict[int, int] = {}
        self.host_expected = b""
        self.host_sent = b""
        self.udp4 = False  # the session saw socket 4 open as UDP SERVICE

    # -- helpers ------------------------------------------------------------

    def feed(self, data: bytes, cut: int) -> None:
        cut %= len(data) + 1
        self.s.receive_data(data[:cut])
        self.s.receive_data(data[cut:])
        self.host_sent += self.s.data_to_send()
        for ev in self.s.events():
            if isinstance(ev, Response):
                self.seen[id(ev.request)] = self.seen.get(id(ev.request), 0) + 1
            elif isinstance(ev, (Recv, Closed, Incoming, IpAddress)):
                self.urcs_out.append(ev)
            else:
                self.unattached.append(ev)

    def start_next(self) -> None:
        """The model's account of what the host writes when a request goes in flight."""
        if self.jobs and self.jobs[0].fed == 0 and not getattr(self.jobs[0], "started", False):
            self.jobs[0].started = True
            self.host_expected += self.jobs[0].req.line

    # -- rules --------------------------------------------------------------

    @rule(kind=st.sampled_from(KINDS), cid=st.integers(0, 4), outcome=st.integers(0, 2))
    def issue(self, kind, cid, outcome):
        if kind == "open":
            name = sorted(OPEN_OUTCOMES)[outcome % 2]
            res = OPEN_OUTCOMES[name]
            lines, final, dat = [b"OK", b"+QIOPEN: %d,%d" % (cid, res)], OpenResult, 1
            if outcome == 2:
                lines, final, dat = [b"ERROR"], Error, None
        else:
            options = SCRIPTS[kind]
            lines, final, dat = options[sorted(options)[outcome % len(options)]]
        payload = C.ctrl_z_payload(b"hello") if kind == "senddata" else None
        req = self.s.send_command(command_for(kind, cid), payload)
        job = Job(req, kind, cid, list(lines), final, dat)
        self.jobs.append(job)
        self.all_jobs.append(job)
        self.start_next()
        self.host_sent += self.s.data_to_send()

    @precondition(lambda self: bool(self.jobs))
    @rule(cut=st.integers(0, 200))
    def module_line(self, cut):
        job = self.jobs[0]
        line = job.lines.popleft()
        self.feed(frame(line), cut)
        self.track_udp4(job, line)
        if line == b">":
            self.host_expected += job.req.payload
        if not job.lines:
            assert job.req.done and job.req.response.final.__class__ is job.final
            self.jobs.popleft()
            self.start_next()

    @rule(which=st.integers(0, len(URCS)), cut=st.integers(0, 200))
    def urc(self, which, cut):
        raw, ev = UDP_RECV if which == len(URCS) and self.udp4 else URCS[which % len(URCS)]
        self.urcs_in.append(ev)
        self.feed(frame(raw), cut)

    @precondition(lambda self: bool(self.jobs))
    @rule()
    def timeout(self):
        job = self.jobs.popleft()
        assert self.s.fail_pending("deadline") is job.req
        assert job.req.response.final == TimedOut("deadline")
        self.seen[id(job.req)] = self.seen.get(id(job.req), 0) + 1
        if job.deferred_at is not None and job.fed >= job.deferred_at:
            # timed out while waiting for the deferred result: it may still come
            self.late.extend(job.lines)
            self.late_jobs.extend([job] * len(job.lines))
        self.host_sent += self.s.data_to_send()
        self.s.events()  # the TimedOut response, counted above
        self.start_next()

    @precondition(lambda self: bool(self.late) and (not self.jobs or self.jobs[0].fed == 0))
    @rule(cut=st.integers(0, 200))
    def late_result(self, cut):
        """A deferred result after its command timed out, before the next command's OK."""
        line = self.late.popleft()
        job = self.late_jobs.pop(0)
        before = len(self.unattached)
        self.feed(frame(line), cut)
        self.track_udp4(job, line)
        assert len(self.unattached) == before + 1  # surfaced, never attached

    def track_udp4(self, job: Job, line: bytes) -> None:
        if job.cid != 4:
            return
        if job.kind == "open" and line == b"OK":
            self.udp4 = True  # the socket is "opening" as UDP SERVICE from its OK on
        elif job.kind == "close" and line == b"CLOSE OK":
            self.udp4 = False

    # -- invariants ---------------------------------------------------------

    @invariant()
    def every_request_completes_at_most_once(self):
        assert all(n == 1 for n in self.seen.values())
        done = sum(1 for j in self.all_jobs if j.req.done)
        assert done == len(self.seen)

    @invariant()
    def urcs_out_equal_urcs_in(self):
        assert self.urcs_out == self.urcs_in

    @invariant()
    def host_bytes_in_order(self):
        assert self.host_sent == self.host_expected

    @invariant()
    def pending_is_the_oldest_job(self):
        assert self.s.pending is (self.jobs[0].req if self.jobs else None)

    @invariant()
    def decoder_frames_udp_service(self):
        assert (4 in self.s.decoder.udp_service) == self.udp4

    @invariant()
    def no_protocol_error(self):
        assert not [e for e in self.unattached if type(e).__name__ == "ProtocolError"]


SessionMachine.TestCase.settings = settings(
    max_examples=300, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestSessionMachine = SessionMachine.TestCase
