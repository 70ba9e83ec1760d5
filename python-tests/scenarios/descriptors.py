"""Calls that pass file descriptors, and the libvirt-qemu / libvirt-lxc
private interfaces, on the test driver."""
from differential import *  # noqa: F401,F403


@scenario
def hypervisor_private_calls(libvirt):
    import libvirt_lxc
    import libvirt_qemu
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    out = [
        call(libvirt_qemu.qemuMonitorCommand, d, "info", 0),
        call(libvirt_qemu.qemuAttach, c, 0, 0),
        call(libvirt_qemu.qemuAttach, c, 1, 0),
        call(libvirt_lxc.lxcOpenNamespace, d, 0),
    ]
    c.close()
    return out


@scenario
def graphics_and_fd_calls(libvirt):
    import socket
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    a, b = socket.socketpair()
    out = [
        call(d.openGraphicsFD, 0, 0),
        call(d.openGraphics, 0, a.fileno(), 0),
        call(d.openGraphics, 0, 0, 0),
        call(d.FDAssociate, "x", [a.fileno()], 0),
    ]
    a.close()
    b.close()
    c.close()
    return out


@scenario
def create_with_files(libvirt):
    c = libvirt.open(URI)
    xml = small_xml("vrs-files")
    d = c.createXMLWithFiles(xml, [], 0)
    out = [d.name(), d.isActive(), d.isPersistent()]
    d.destroy()
    d2 = c.defineXML(xml)
    out.append(call(d2.createWithFiles, [], 0))
    out.append(d2.isActive())
    d2.destroy()
    d2.undefine()
    c.close()
    return out
