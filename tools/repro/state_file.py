"""The state file: a planted .tmp symlink, then a malformed file (pass "after" to give the opt-in newer trees need)."""
import asyncio, os, sys, tempfile
import pyqio
kw = {"allow_files": True} if sys.argv[1:] == ["after"] else {}
d = tempfile.mkdtemp()
victim = os.path.join(d, "victim.txt"); open(victim, "w").write("precious")
state = os.path.join(d, "nv.json")
os.symlink(victim, state + ".tmp")
async def main():
    async with pyqio.Modem(f"sim://?state_file={state}", wait_ip=0, **kw) as m:
        await m.set_show_ra(True)
    print("symlinked .tmp: victim now", repr(open(victim).read()), "; files:", sorted(os.listdir(d)))
    open(state, "w").write("not json")
    try:
        async with pyqio.Modem(f"sim://?state_file={state}", wait_ip=0, **kw) as m:
            pass
    except Exception as e:
        print("malformed state file:", type(e).__name__, str(e)[:110])
asyncio.run(main())
