"""A property test of a user's handler with pyqio's strategies: whatever the module
sends (hostile payloads, hex or text, any reads), the handler of handler.py
hands on exactly the payload bytes, line by line."""
from __future__ import annotations

import handler
from hypothesis import given, settings
from hypothesis import strategies as st

import pyqio
from pyqio import events
from pyqio.testing.strategies import chunked, module_streams


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_handler_passes_every_payload_byte_on(data):
    stream = data.draw(module_streams())
    handler.buffers.clear()
    handler.lines.clear()
    dec = pyqio.Decoder(**stream.decode_kwargs())
    for chunk in data.draw(chunked(stream.data)):
        handler.on_events_fixed(dec.feed(chunk))
    handler.on_events_fixed(dec.finish())
    sent = b"".join(ev.data for ev in stream.events if isinstance(ev, events.Recv))
    got = b"".join(handler.lines) + b"".join(bytes(b) for b in handler.buffers.values())
    assert sorted(got) == sorted(sent.replace(b"\n", b""))  # every byte but the line ends
