"""Files: nothing is written but where the user named it, atomically, never through a symlink.

The simulator's state file (its NVRAM, note 2.3.9) is replaced atomically through a
temporary file in its own directory; a symlinked target is refused; a file that is
not a state file is a clear InvalidArgument and is never overwritten. Transport URLs
that write files (``spy://...?file=``, ``sim://?state_file=``) need ``allow_files=True``
(CLI: ``--allow-files``), and nothing is created when the port fails to open.
"""
from __future__ import annotations

import asyncio
import json
import os

import pytest

from pyqio.errors import InvalidArgument
from pyqio.sim import SimConfig, Simulator
from pyqio.transports import open_transport, serve_pty
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"


class _Quiet(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport


@async_test
async def test_state_file_is_replaced_atomically_and_leaves_no_temporary_file(tmp_path) -> None:
    state = tmp_path / "nvram.json"
    link = await Link.memory(state_file=str(state))
    assert await link.command(b'AT+QICFG="showRA",1') == OK
    assert json.loads(state.read_text()) == {"send_hex": False, "recv_hex": False,
                                             "show_ra": True}
    assert sorted(os.listdir(tmp_path)) == ["nvram.json"]  # no .tmp or mkstemp leftover


@async_test
async def test_a_planted_symlink_beside_the_state_file_is_never_followed(tmp_path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    state = tmp_path / "nvram.json"
    os.symlink(victim, str(state) + ".tmp")  # where a fixed-name temporary file would go
    link = await Link.memory(state_file=str(state))
    assert await link.command(b'AT+QICFG="showRA",1') == OK
    assert victim.read_text() == "precious"
    assert json.loads(state.read_text())["show_ra"] is True


def test_a_symlinked_state_file_is_refused(tmp_path) -> None:
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    state = tmp_path / "nvram.json"
    os.symlink(victim, state)
    with pytest.raises(InvalidArgument, match="symbolic link"):
        Simulator(SimConfig(state_file=str(state)))
    assert victim.read_text() == "{}"


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b'{"show_ra": "yes"}',
                                     b"\xff\xfe", b""])
def test_a_malformed_state_file_is_a_clear_invalid_argument_and_is_kept(tmp_path,
                                                                      content: bytes) -> None:
    state = tmp_path / "nvram.json"
    state.write_bytes(content)
    with pytest.raises(InvalidArgument, match="state file"):
        Simulator(SimConfig(state_file=str(state)))
    assert state.read_bytes() == content  # never overwritten


@pytest.mark.parametrize("url_tail", ["spy://{pty}?file={log}", "sim://?state_file={log}"])
def test_file_writing_urls_need_allow_files(tmp_path, url_tail: str) -> None:
    log = tmp_path / "written"

    async def main() -> None:
        module_t, pty = await serve_pty(_Quiet)
        url = url_tail.format(pty=pty, log=log)
        try:
            with pytest.raises(InvalidArgument, match="allow_files=True.*--allow-files"):
                await open_transport(url, _Quiet)
            assert not log.exists()
            t, _ = await open_transport(url, _Quiet, allow_files=True)
            t.close()
        finally:
            module_t.close()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert log.exists() or "sim://" in url_tail  # sim writes its state file on AT+QICFG only


def test_spy_file_is_not_created_when_the_port_fails_to_open(tmp_path) -> None:
    log = tmp_path / "spy.txt"

    async def main() -> None:
        with pytest.raises(OSError):
            await open_transport(f"spy://{tmp_path}/no-such-port?file={log}", _Quiet,
                                 allow_files=True)

    asyncio.run(main())
    assert not log.exists()


def test_modem_refuses_a_file_writing_url_unless_allowed(tmp_path) -> None:
    import pyqio

    state = tmp_path / "nv.json"
    url = f"sim://?state_file={state}"

    async def main() -> None:
        with pytest.raises(InvalidArgument, match="allow_files"):
            await pyqio.Modem.open(url, wait_ip=0)
        m = await pyqio.Modem.open(url, wait_ip=0, allow_files=True)
        await m.set_show_ra(True)
        await m.close()

    asyncio.run(asyncio.wait_for(main(), 20))
    assert json.loads(state.read_text())["show_ra"] is True


def test_cli_allow_files_flag_lets_the_at_command_write_the_state_file(tmp_path, capsys) -> None:
    from pyqio.cli import main

    state = tmp_path / "nv.json"
    url = f"sim://?state_file={state}"
    assert main(["at", "--device", url, "--linger", "0", 'AT+QICFG="showRA",1']) == 2
    assert "--allow-files" in capsys.readouterr().err  # a usage error, one line
    assert not state.exists()
    assert main(["at", "--device", url, "--allow-files", "--linger", "0",
                 'AT+QICFG="showRA",1']) == 0
    assert json.loads(state.read_text())["show_ra"] is True
