"""The state file and spy:// file options, without the opt-in."""
import asyncio, json, os, sys, tempfile
import pyqio
d = tempfile.mkdtemp()
victim = os.path.join(d, "victim.txt"); open(victim, "w").write("precious")
state = os.path.join(d, "nv.json")
os.symlink(victim, state + ".tmp")
open(state, "w").write("not json")
async def main():
    try:
        async with pyqio.Modem(f"sim://?state_file={state}", wait_ip=0) as m:
            await m.set_show_ra(True)
        print("state file: opened; victim now", repr(open(victim).read()), "state", repr(open(state).read()))
    except Exception as e:
        print("state file:", type(e).__name__, str(e)[:150], "| victim", repr(open(victim).read()), "state", repr(open(state).read()))
    log = os.path.join(d, "spy.txt")
    try:
        await pyqio.transports.open_transport(f"spy://{d}/no-such-port?file={log}", asyncio.Protocol)
    except Exception as e:
        print("spy:", type(e).__name__, str(e)[:120])
    print("spy: log file created:", os.path.exists(log))
import pyqio.transports
asyncio.run(main())
