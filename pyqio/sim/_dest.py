"""Which destinations the simulated module's sockets may reach (``SimConfig.allow_dest``).

The simulator opens real host sockets for its clients.  A local client (a PTY,
``sim://``) is the user, so anything goes by default; a client of ``pyqio sim
--listen`` may be anyone who reaches the port, so there the default is loopback
only.  ``allow_dest`` is ``"any"``, ``"loopback"`` or a comma-separated list of
CIDR networks (``"loopback,10.0.0.0/8"``).  A refused destination is answered as
the module answers an unreachable host (``+QIOPEN: <id>,566`` for a socket,
``SEND FAIL`` for a UDP SERVICE datagram, ``569`` for ping and NTP) and logged.
"""
from __future__ import annotations

import ipaddress
import logging

from ..errors import InvalidArgument

__all__ = ["DestPolicy", "parse_allow_dest"]

log = logging.getLogger("pyqio.sim")

_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
_LOOPBACK: tuple[_Net, ...] = (ipaddress.ip_network("127.0.0.0/8"),
                               ipaddress.ip_network("::1/128"))


class DestPolicy:
    """Parsed ``allow_dest``: ``allows(ip)`` says whether a socket may reach *ip*."""

    def __init__(self, networks: tuple[_Net, ...] | None) -> None:
        self.networks = networks  # None: any destination

    def allows(self, ip: str) -> bool:
        if self.networks is None:
            return True
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in net for net in self.networks if net.version == addr.version)

    def refuse(self, what: str, ip: str) -> bool:
        """True (and logged) when *what* to *ip* is not allowed."""
        if self.allows(ip):
            return False
        log.warning("refused %s to %s: outside allow_dest", what, ip)
        return True


def parse_allow_dest(text: str | None) -> DestPolicy:
    """``None``/``"any"`` -> any; ``"loopback"``; or CIDRs (with ``loopback``) by commas."""
    if text is None or text.strip().lower() == "any":
        return DestPolicy(None)
    nets: list[_Net] = []
    for part in (p.strip() for p in text.split(",")):
        if part.lower() == "loopback":
            nets.extend(_LOOPBACK)
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InvalidArgument(f"sim option allow_dest={text!r}: {part!r} is not 'any', "
                                  "'loopback' or a CIDR network such as 10.0.0.0/8") from None
    if not nets:
        raise InvalidArgument(f"sim option allow_dest={text!r}: name at least one network")
    return DestPolicy(tuple(nets))
