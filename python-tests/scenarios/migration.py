"""Migration entry points: the API layer's flag and feature checks, which
the test driver (no migration support) answers with errors."""
from differential import *  # noqa: F401,F403


def _flag_sets(libvirt):
    L = libvirt
    return [
        0, L.VIR_MIGRATE_PEER2PEER, L.VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES,
        L.VIR_MIGRATE_OFFLINE | L.VIR_MIGRATE_NON_SHARED_DISK | L.VIR_MIGRATE_NON_SHARED_INC,
        L.VIR_MIGRATE_OFFLINE | L.VIR_MIGRATE_LIVE, L.VIR_MIGRATE_TUNNELLED,
        L.VIR_MIGRATE_TUNNELLED | L.VIR_MIGRATE_PARALLEL, L.VIR_MIGRATE_TUNNELLED | L.VIR_MIGRATE_PEER2PEER,
        L.VIR_MIGRATE_POSTCOPY_RESUME, 1 << 31,
    ]


@scenario
def migrate_flag_checks(libvirt):
    c = libvirt.open(URI)
    c2 = libvirt.open(URI)
    d = c.lookupByName("test")
    out = []
    for f in _flag_sets(libvirt):
        out.append([
            f,
            call(d.migrate, c2, f, None, None, 0),
            call(d.migrate2, c2, None, f, None, None, 0),
            call(d.migrate3, c2, {}, f),
            call(d.migrateToURI, "test:///default", f, None, 0),
            call(d.migrateToURI2, None, "tcp://x", None, f, None, 0),
            call(d.migrateToURI3, "test:///default", {}, f),
        ])
    c2.close()
    c.close()
    return out


@scenario
def migrate3_extended_params(libvirt):
    c = libvirt.open(URI)
    c2 = libvirt.open(URI)
    d = c.lookupByName("test")
    out = [
        call(d.migrate3, c2, {libvirt.VIR_MIGRATE_PARAM_URI: "tcp://x"}, 0),
        call(d.migrate3, c2, {libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS: "x"}, 0),
        call(d.migrateToURI3, "test:///default", {libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS: "x"}, 0),
    ]
    c2.close()
    c.close()
    return out


@scenario
def migrate_read_only(libvirt):
    c = libvirt.open(URI)
    ro = libvirt.openReadOnly(URI)
    out = [
        call(ro.lookupByName("test").migrate, c, 0, None, None, 0),
        call(c.lookupByName("test").migrate, ro, 0, None, None, 0),
        call(ro.lookupByName("test").migrateToURI, "test:///default", 0, None, 0),
    ]
    ro.close()
    c.close()
    return out
