"""The binding's asyncio event loop (libvirtaio, registered through
virEventRegisterImpl) driving our library, compared with the real one.

Each case runs in its own /usr/bin/python3 process (a process registers one
event implementation for good), once per library, and prints JSON."""
import json
import os
import subprocess
import textwrap

import pytest

PYTHON = "/usr/bin/python3"

PRELUDE = textwrap.dedent("""
    import asyncio, json, libvirt, libvirtaio
    libvirt.registerErrorHandler(lambda ctx, e: None, None)
    out = []
""")

IDLE_AND_TIMERS = PRELUDE + textwrap.dedent("""
    async def main():
        impl = libvirtaio.virEventRegisterAsyncIOImpl()
        out.append(["idle at start", impl.is_idle()])
        conn = libvirt.open("test:///default")
        cid = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                          lambda *a: 0, None)
        out.append(["idle with a callback", impl.is_idle()])
        fired = []
        done = asyncio.Event()
        def tick(timer, opaque):
            fired.append(opaque)
            if len(fired) == 3:
                libvirt.virEventRemoveTimeout(timer)
                done.set()
        libvirt.virEventAddTimeout(1, tick, "t")
        await asyncio.wait_for(done.wait(), 2)
        out.append(["timer fired", fired])
        r, w = __import__("os").pipe()
        readable = asyncio.Event()
        def on_read(watch, fd, events, opaque):
            out.append(["handle", events, __import__("os").read(fd, 1).decode()])
            libvirt.virEventRemoveHandle(watch)
            readable.set()
        libvirt.virEventAddHandle(r, libvirt.VIR_EVENT_HANDLE_READABLE, on_read, None)
        __import__("os").write(w, b"z")
        await asyncio.wait_for(readable.wait(), 2)
        conn.domainEventDeregisterAny(cid)
        await impl.drain()
        out.append(["idle after deregistration", impl.is_idle()])
        out.append(["close", conn.close()])
    asyncio.run(main())
    print(json.dumps(out))
""")

LIFECYCLE = PRELUDE + textwrap.dedent("""
    async def main():
        impl = libvirtaio.virEventRegisterAsyncIOImpl()
        conn = libvirt.open("test:///default")
        dom = conn.lookupByName("test")
        got = asyncio.Event()
        def lifecycle(conn, d, event, detail, opaque):
            out.append([opaque, d.name(), event, detail])
            if event == libvirt.VIR_DOMAIN_EVENT_RESUMED:
                got.set()
        ids = [conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "any"),
               conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "all")]
        dom.suspend()
        dom.resume()
        try:
            await asyncio.wait_for(got.wait(), 2)
        except asyncio.TimeoutError:
            out.append("timeout")
        for i in ids:
            conn.domainEventDeregisterAny(i)
        await impl.drain()
        out.append(impl.is_idle())
    asyncio.run(main())
    print(json.dumps(out))
""")


def run(script, libdir=None):
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    p = subprocess.run([PYTHON, "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd="/")
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_asyncio_loop_idle_timers_handles(libdir):
    real = run(IDLE_AND_TIMERS)
    assert real[0] == ["idle at start", True] and real[1] == ["idle with a callback", False]
    assert run(IDLE_AND_TIMERS, libdir) == real


def test_asyncio_loop_delivers_lifecycle_events(libdir):
    real = run(LIFECYCLE)
    assert "timeout" not in real
    assert run(LIFECYCLE, libdir) == real
