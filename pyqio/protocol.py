"""The protocol's numbers, stated once: ranges, lengths and token kinds every layer uses.

Ranges are ``range`` objects, so ``cid in CONNECT_IDS`` reads as the note does and
``CONNECT_IDS[-1]`` is the top. Builders, the parser, the session, the modem and the
simulator take them from here; the C tokenizer has its own copies of the token
kinds and of the recv framing limits in ``csrc/tokenizer.h``, and
tests/test_protocol_constants.py holds the two equal.
"""
from __future__ import annotations

__all__ = [
    "CID_RANGE",
    "CONNECT_IDS",
    "CONTEXT_IDS",
    "FRAMING_IDS",
    "MAX_APN",
    "MAX_DNS_ADDRESS",
    "MAX_HEX_LENGTH",
    "MAX_HOST",
    "MAX_LINE_LENGTH",
    "MAX_TEXT_LENGTH",
    "MAX_READ_LENGTH",
    "MODULES",
    "PROFILE_ACCESS_MODES",
    "PROFILE_CONNECT_IDS",
    "PROFILE_CONTEXT_IDS",
    "PDP_TYPES",
    "PING_COUNTS",
    "PING_SIZES",
    "PING_TIMEOUTS",
    "PORTS",
    "SERVICE_TYPES",
    "T_ERROR",
    "T_LINE",
    "T_PROMPT",
    "T_READ",
    "T_RECV",
]

# -- the application note (BC660K-GL TCP/IP, chapter 2) --------------------------

#: ``<connectID>``: 0–4 (2.3.1).
CONNECT_IDS = range(0, 5)
#: ``<contextID>``: 0–10 (2.3.1; "currently only 0 is supported").
CONTEXT_IDS = range(0, 11)
#: ``<remote_port>``/``<local_port>``/``<port>``: 1–65535 (0 where the note allows it).
PORTS = range(1, 65536)
#: ``<host>``, ``<hostname>``, ``<server>``: at most 150 bytes (2.3.1, 2.3.6, 2.3.7).
MAX_HOST = 150
#: ``<pridnsaddr>``/``<secdnsaddr>``: at most 64 bytes (2.3.8).
MAX_DNS_ADDRESS = 64
#: ``<send_length>`` maxima: 1024 bytes in text mode, 512 in hex mode (2.3.4).
MAX_TEXT_LENGTH = 1024
MAX_HEX_LENGTH = 512
#: AT+QPING ``<time_out>`` (s), ``<ping_num>``, ``<ping_size>`` (2.3.5).
PING_TIMEOUTS = range(1, 256)
PING_COUNTS = range(1, 11)
PING_SIZES = range(32, 1501)
#: ``<service_type>`` values AT+QIOPEN takes (2.3.1); "TCP INCOMING" only appears in +QISTATE.
SERVICE_TYPES = ("TCP", "UDP", "TCP LISTENER", "UDP SERVICE")

# -- 3GPP TS 27.007 ------------------------------------------------------------------

#: ``<cid>`` of AT+CGDCONT/AT+CGPADDR (27.007 leaves it to the module; 0–10 as <contextID>).
CID_RANGE = range(0, 11)
#: ``<PDP_type>`` values of AT+CGDCONT an NB-IoT module takes (27.007 10.1.1).
PDP_TYPES = ("IP", "IPV6", "IPV4V6", "Non-IP")
#: The longest APN (3GPP TS 23.003 9.1: 100 octets).
MAX_APN = 100

# -- pyqio's own bounds ----------------------------------------------------------------

#: The longest command line ``commands.Raw`` takes: above every line of the note (an
#: inline AT+QISEND of 1024 bytes is ~1050 characters) and bounded.
MAX_LINE_LENGTH = 1100
#: Connect ids the tokenizer can frame recv URCs of as UDP SERVICE sockets: a 32-bit
#: mask in C (``csrc/tokenizer.h``), wider than the module's :data:`CONNECT_IDS` so
#: that sibling modules (0–11) fit.
FRAMING_IDS = range(0, 32)

# -- module profiles (docs/modules.md) -------------------------------------------------

#: The module profiles a :class:`pyqio.Decoder` takes (``module=``): ``"bc660k"`` (the
#: note; the default), ``"bc66"`` (the same framing) and ``"bg96"`` (BG95/BG96/BG77/
#: BG600L/EG9x/EC2x/EC200/EC600: data after the URC's line end, buffer access, +QIRD).
MODULES = ("bc660k", "bc66", "bg96")

#: ``<connectID>`` by profile: 0–4 on the BC660K (and BC66), 0–11 on the BG96 family
#: (BG96 TCP/IP Application Note 2.2.4, BG95&BG77&BG600L 2.3.4).
PROFILE_CONNECT_IDS = {"bc660k": CONNECT_IDS, "bc66": CONNECT_IDS, "bg96": range(0, 12)}
#: ``<contextID>`` by profile: 0–10 on the BC660K (2.3.1), 1–16 on the BG96 family.
PROFILE_CONTEXT_IDS = {"bc660k": CONTEXT_IDS, "bc66": CONTEXT_IDS, "bg96": range(1, 17)}
#: AT+QIOPEN ``<access_mode>`` by profile: 1 (direct push) alone on the BC660K; 0 (buffer
#: access), 1 (direct push) and 2 (transparent) on the BG96 family.
PROFILE_ACCESS_MODES = {"bc660k": range(1, 2), "bc66": range(1, 2), "bg96": range(0, 3)}
#: AT+QIRD ``<read_length>``: at most 1500 bytes a read (0 asks for the counters).
MAX_READ_LENGTH = 1500

# -- token kinds of the tokenizer (csrc/tokenizer.h ``QIO_T_*``, TOKENS.md) ----------

T_LINE = 0
T_PROMPT = 1
T_RECV = 2
T_ERROR = 3
#: ``(4, length, ip, port, data)``: the data of a ``+QIRD`` answer (``bg96`` profile).
T_READ = 4
