"""The simulated module's radio and network registration (3GPP TS 27.007).

A mixin of :class:`pyqio.sim.Simulator`.  It keeps the state a host queries
at bring-up and watches afterwards: the functionality level (``AT+CFUN``), the
EPS registration (``AT+CEREG``, with a ``+CEREG`` URC on every change in the
form ``<n>`` asks for), the PS attach and the PDP address (``AT+CGATT``,
``AT+CGPADDR``), the APN, signal quality, PSM and eDRX requests (kept across
``AT+CFUN`` and restarts, as the module keeps them in NVRAM), the clock and
the identity answers.

It reads these lines itself, with its own small grammar, rather than through
:func:`pyqio.commands.parse`: the simulator plays the module and must not share
the host side's parser, or a bug there would be invisible to every test.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from ..wire import events as ev
from . import _wire

__all__ = ["Network"]

HOME, ROAMING = 1, 5  # registered <stat>s
NOT_REGISTERED, SEARCHING = 0, 2
TAC, CI, ACT = b'"1A2B"', b'"0012ABCD"', b"9"  # E-UTRAN (NB-S1 mode)
_SET = re.compile(rb"AT\+(CFUN|CEREG|CGATT|CGPADDR|CGDCONT|CPSMS|CEDRXS|CCLK|CGSN)=(.*)\Z",
                  re.IGNORECASE)
_READ = re.compile(rb"AT\+(CFUN|CEREG|CGATT|CGDCONT|CPSMS|CEDRXS|CCLK)\?\Z", re.IGNORECASE)
_ACTION = re.compile(rb"AT\+(CSQ|CGPADDR|CGSN|CIMI|CGMR)\Z", re.IGNORECASE)
_TEST = re.compile(rb"AT\+(CFUN|CEREG|CGATT|CSQ|CPSMS|CEDRXS)=\?\Z", re.IGNORECASE)
_TEST_ANSWERS = {
    b"CFUN": b"+CFUN: (0,1),(0,1)", b"CEREG": b"+CEREG: (0-5)", b"CGATT": b"+CGATT: (0,1)",
    b"CSQ": b"+CSQ: (0-31,99),(99)", b"CPSMS": b'+CPSMS: (0,1,2),,,("00000000"-"11111111"),'
    b'("00000000"-"11111111")', b"CEDRXS": b'+CEDRXS: (0,1,2,3),(5),("0000"-"1111")',
}
_BITS8 = re.compile(rb'"[01]{8}"\Z')
_BITS4 = re.compile(rb'"[01]{4}"\Z')
_CCLK = re.compile(rb'"(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d)"\Z')


class Network:
    """Registration, functionality, signal, PSM/eDRX, clock and identity commands."""

    # provided by Simulator
    reply: Callable[..., None]
    write: Callable[[bytes], None]
    urc: Callable[..., None]
    attach: Callable[[], None]
    break_pdp: Callable[..., None]
    _schedule: Callable[..., None]
    config: Any
    rng: Any
    loop: Any
    transport: Any
    attached: bool

    def _init_network(self) -> None:
        """Settings a restart keeps (the module's NVRAM)."""
        self.psm: list[Any] = [0, b"", b"", b'"00111000"', b'"00100001"']  # mode RAU GPRS TAU active
        self.edrx: list[Any] = [0, 5, b'"0010"']  # mode, AcT, value
        self.apn = b""
        self.clock_offset = 0.0

    def _reset_network(self) -> None:
        """State a restart wipes: the radio comes up searching, ``<n>`` is 0."""
        self.fun = 1
        self.reg_stat = NOT_REGISTERED
        self.cereg_n = 0
        self._reg_gen = 0  # bumps on every change, so a stale timer does nothing

    # registration life cycle --------------------------------------------------------

    @property
    def registered(self) -> bool:
        return self.reg_stat in (HOME, ROAMING)

    def set_registration(self, stat: int) -> None:
        """Change ``<stat>``; a ``+CEREG`` URC in the form ``<n>`` asks for (n >= 1)."""
        if stat == self.reg_stat:
            return
        self.reg_stat = stat
        self._reg_gen += 1
        if self.cereg_n >= 1:
            self.urc(_wire.line(b"+CEREG: " + self._cereg_fields(urc=True)))

    def register_later(self, delay: float) -> None:
        """Search, then register (home) after *delay* s and activate the PDP context
        (``+IP:``, note 2.3.1 NOTE 4)."""
        if self.fun != 1:
            return
        self.set_registration(SEARCHING)
        gen = self._reg_gen

        def done() -> None:
            if gen == self._reg_gen and self.fun == 1:
                self.set_registration(HOME)
                self.attach()
        if delay:
            self._schedule(delay, done)
        else:
            done()

    def lose_registration(self, stat: int = SEARCHING, *, regain_after: float | None = None) -> None:
        """Coverage lost: ``+CEREG: <stat>``, the PDP context goes down with it (pending
        work ends with 570, open sockets get ``+QIURC: "closed"``)."""
        if not self.registered and stat == self.reg_stat:
            return
        self.set_registration(stat)
        self.break_pdp(reattach=False)
        if regain_after is not None:
            gen = self._reg_gen

            def regain() -> None:
                if gen == self._reg_gen:  # nothing changed it meanwhile (AT+CFUN, AT+CGATT)
                    self.regain()
            self._schedule(regain_after, regain)

    def regain(self) -> None:
        """Registered again (home) and attached: ``+CEREG: 1`` then ``+IP:``."""
        if self.fun == 1 and not self.registered:
            self.set_registration(HOME)
            self.attach()

    def _detach_tick(self) -> None:
        """The seeded ``detach_rate`` fault: each second, a loss with that probability."""
        if self.registered and self.rng.random() < self.config.detach_rate:
            self.lose_registration(regain_after=self.config.reattach_after)
        self._schedule(1.0, self._detach_tick)

    # answers ------------------------------------------------------------------------

    def _cereg_fields(self, *, urc: bool) -> bytes:
        n = self.cereg_n
        fields = [] if urc else [b"%d" % n]
        fields.append(b"%d" % self.reg_stat)
        if n >= 2 and self.registered:
            fields += [TAC, CI, ACT]
            if n >= 4 or n == 3:
                fields += [b"", b""]  # <cause_type>,<reject_cause>: no rejection
            if n >= 4:
                fields += [self.psm[4], self.psm[3]] if self.psm[0] == 1 else [b"", b""]
        return b",".join(fields)

    def network_line(self, line: bytes) -> bool:
        """Carry out *line* if it is one of these commands; False if it is not."""
        if line.upper() == b"ATI":
            return False  # the note's builders know ATI (Identify)
        m = _TEST.match(line)
        if m:
            self.write(_wire.line(_TEST_ANSWERS[m.group(1).upper()]) + _wire.encode(ev.Ok()))
            return True
        m = _READ.match(line)
        if m:
            self._read(m.group(1).upper())
            return True
        m = _ACTION.match(line)
        if m:
            self._action(m.group(1).upper())
            return True
        m = _SET.match(line)
        if m:
            args = m.group(2).split(b",") if m.group(2) else []
            ok = self._set(m.group(1).upper(), args, m.group(2))
            if ok is not None:
                self.reply(ev.Ok() if ok else ev.Error())
            return True
        return False

    def _info(self, *lines: bytes) -> None:
        self.write(b"".join(_wire.line(x) for x in lines) + _wire.encode(ev.Ok()))

    def _read(self, name: bytes) -> None:
        if name == b"CFUN":
            self._info(b"+CFUN: %d" % self.fun)
        elif name == b"CEREG":
            self._info(b"+CEREG: " + self._cereg_fields(urc=False))
        elif name == b"CGATT":
            self._info(b"+CGATT: %d" % int(self.attached))
        elif name == b"CGDCONT":
            self._info(b'+CGDCONT: 0,"IP",' + (self.apn or b'""'))
        elif name == b"CPSMS":
            self._info(b"+CPSMS: %d," % self.psm[0] + b",".join(self.psm[1:]))
        elif name == b"CEDRXS":
            self._info(b"+CEDRXS: %d,%s" % (self.edrx[1], self.edrx[2]))
        else:  # CCLK: "yy/MM/dd,hh:mm:ss±zz", UTC with zone +00 (quarter hours)
            now = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=self.clock_offset)
            self._info(b'+CCLK: "' + now.strftime("%y/%m/%d,%H:%M:%S").encode() + b'+00"')

    def _action(self, name: bytes) -> None:
        cfg = self.config
        if name == b"CSQ":
            rssi = cfg.rssi if self.fun == 1 and self.registered else 99
            self._info(b"+CSQ: %d,99" % rssi)
        elif name == b"CGPADDR":
            self._info(b"+CGPADDR: 0," + cfg.ip.encode() if self.attached else b"+CGPADDR: 0")
        elif name == b"CGSN":
            self._info(cfg.imei.encode())
        elif name == b"CIMI":
            self._info(cfg.imsi.encode())
        else:  # CGMR
            self._info(_wire.IDENTITY[2].split(b": ")[-1])

    def _set(self, name: bytes, args: list[bytes], raw: bytes) -> bool | None:
        """The write forms; True for OK, False for ERROR, None when answered already."""
        if name == b"CGPADDR":
            if args != [b"0"]:
                return False
            self._action(b"CGPADDR")
            return None
        if name == b"CGSN":
            if args not in ([b"0"], [b"1"]):
                return False
            if args == [b"0"]:
                self._info(self.config.imei.encode())
            else:
                self._info(b"+CGSN: " + self.config.imei.encode())
            return None
        if name == b"CCLK":
            return self._set_clock(raw)
        nums = [int(a) if a.isdigit() else -1 for a in args]
        if name == b"CFUN":
            if not 1 <= len(args) <= 2 or nums[0] not in (0, 1) or -1 in nums:
                return False
            self.reply(ev.Ok())  # the command ends, then the network reacts (URCs)
            self.set_fun(nums[0])
            return None
        if name == b"CEREG":
            if len(args) != 1 or not 0 <= nums[0] <= 5:
                return False
            self.cereg_n = nums[0]
            return True
        if name == b"CGATT":
            if len(args) != 1 or nums[0] not in (0, 1):
                return False
            self.reply(ev.Ok())
            if nums[0] == 0:
                self.lose_registration(NOT_REGISTERED)
            elif not self.registered:
                self.register_later(self.config.register_delay)
            return None
        if name == b"CGDCONT":
            if len(args) < 2 or nums[0] != 0 or args[1].upper() not in (b'"IP"', b'"IPV6"',
                                                                         b'"IPV4V6"', b'"NON-IP"'):
                return False
            self.apn = args[2] if len(args) > 2 else b'""'
            return True
        if name == b"CPSMS":
            if not args or nums[0] not in (0, 1, 2) or len(args) > 5:
                return False
            given = (args + [b""] * 5)[:5]
            for i in (3, 4):
                if given[i] and not _BITS8.match(given[i]):
                    return False
            self.psm[0] = 0 if nums[0] == 2 else nums[0]  # 2: off and back to defaults
            for i in (3, 4):
                if given[i]:
                    self.psm[i] = given[i]
            return True
        # CEDRXS
        if not args or nums[0] not in (0, 1, 2, 3) or len(args) > 3:
            return False
        if len(args) > 1 and nums[1] != 5:
            return False
        if len(args) > 2 and not _BITS4.match(args[2]):
            return False
        self.edrx[0] = 0 if nums[0] == 3 else nums[0]
        if len(args) > 2:
            self.edrx[2] = args[2]
        return True

    def _set_clock(self, raw: bytes) -> bool:
        m = _CCLK.match(raw)
        if not m:
            return False
        yy, mo, dd, hh, mi, ss, zz = (int(g) for g in m.groups())
        try:
            when = _dt.datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=_dt.timezone(
                _dt.timedelta(minutes=15 * zz)))
        except ValueError:
            return False
        self.clock_offset = when.timestamp() - _dt.datetime.now(_dt.timezone.utc).timestamp()
        return True

    def set_fun(self, fun: int) -> None:
        """``AT+CFUN=0`` takes the radio down (``+CEREG: 0``, the PDP context and its
        sockets with it); ``AT+CFUN=1`` searches and registers again."""
        if fun == self.fun:
            return
        if fun == 0:
            self.lose_registration(NOT_REGISTERED)
            self.fun = 0
        else:
            self.fun = 1
            self.register_later(self.config.register_delay)
