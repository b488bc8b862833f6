"""The wire layer: the module's byte stream in, typed events out (sans-I/O).

- :mod:`pyqio.wire.tokenizer` picks the tokenizer backend: ``_ctokenizer`` (the
  cffi binding of the C core, ``csrc/tokenizer.c``) or ``_pytokenizer`` (its
  pure-Python twin); both frame the stream as ``csrc/TOKENS.md`` says;
- ``_decoder`` turns tokens into events (:class:`Decoder`, :func:`decode`) through
  one feeder per decoder (``_feed``): the C one of the optional extension
  ``pyqio._events_c`` (``csrc/events_c.c``, loaded by ``_accel``) or the tokens of
  either backend made into events in Python;
- :mod:`pyqio.wire.events` holds one frozen dataclass per response and URC kind (the
  base in ``_event_base``, the classes by the note's chapters: ``_events_sockets``,
  ``_events_services``, ``_events_3gpp``, ``_events_family``, ``_context_events``);
- ``_lines`` classifies one line into its event, reading the fields with
  ``_fields``; ``_eventfmt`` writes events back as the module's bytes and as JSON;
- ``_events_3gpp``/``_lines_3gpp`` the 3GPP TS 27.007 answers and the ``+CEREG`` URC,
  ``_timers3gpp`` their PSM/eDRX timer strings in seconds;
- ``_result`` holds :class:`ResultCode`, the note's result codes (chapter 3).

Nothing here knows which command is pending: that is :mod:`pyqio.session`.
"""
from __future__ import annotations

from . import events
from ._decoder import Decoder, decode
from ._lines import classify_line
from ._result import ResultCode
from .tokenizer import T_ERROR, T_LINE, T_PROMPT, T_READ, T_RECV, Tokenizer, backend

__all__ = [
    "Decoder", "ResultCode", "T_ERROR", "T_LINE", "T_PROMPT", "T_READ", "T_RECV", "Tokenizer",
    "backend", "classify_line", "decode", "events",
]
