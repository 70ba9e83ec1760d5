#!/usr/bin/env python3
"""Generate the remote driver's glue from the protocol description.

Reads src/drivers/remote/protocol.json (tools/import_protocol.py) and the
driver slot declarations (src/core/driver/*.rs) and writes
src/drivers/remote/generated.rs:
  * the procedure numbers of every program, as constants;
  * `install`, which points every slot whose public function has a
    procedure with a mechanical layout at a closure that encodes the slot's
    arguments in the order of the procedure's argument structure and decodes
    the first member of its reply.
The procedure of a slot is found by name (virNetworkGetXMLDesc <->
NETWORK_GET_XML_DESC), with OVERRIDES for the exceptions.  Slots whose
layout is not mechanical are left to hand-written code (HAND) or reported
as skipped with the reason (--verbose).
"""
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PROTOCOL = os.path.join(ROOT, "src", "drivers", "remote", "protocol.json")
OUT = os.path.join(ROOT, "src", "drivers", "remote", "generated.rs")
FAMILIES = [("api", "api_table.rs"), ("host", "host.rs"), ("domain", "domain.rs"),
            ("descriptors", "descriptors.rs"), ("migration", "migration.rs")]

# public function -> (program, procedure) where the names do not match
OVERRIDES = {
    "virDomainQemuMonitorCommand": ("QEMU", "DOMAIN_MONITOR_COMMAND"),
    "virDomainQemuAgentCommand": ("QEMU", "DOMAIN_AGENT_COMMAND"),
    "virDomainQemuAttach": ("QEMU", "DOMAIN_ATTACH"),
    "virDomainLxcOpenNamespace": ("LXC", "DOMAIN_OPEN_NAMESPACE"),
    "virNodeDeviceDettach": ("REMOTE", "NODE_DEVICE_DETTACH"),
    "virDomainGetVcpusFlags": ("REMOTE", "DOMAIN_GET_VCPUS_FLAGS"),
    "virDomainCreateLinux": ("REMOTE", "DOMAIN_CREATE_XML"),
}

# slots written by hand in the driver (their layout is not mechanical)
HAND = {"connect_get_type", "node_get_info", "domain_get_info", "domain_get_state",
        "connect_list_domains", "connect_is_alive", "connect_is_secure", "connect_is_encrypted",
        "connect_supports_feature", "domain_undefine", "domain_create", "domain_destroy",
        "domain_shutdown", "domain_define_xml", "domain_set_memory", "connect_set_keep_alive",
        "domain_create_xml_with_files", "domain_create_with_files", "domain_fd_associate",
        "domain_open_graphics", "domain_open_graphics_fd", "domain_lxc_open_namespace",
        "domain_qemu_monitor_command_with_files", "storage_vol_create_xml_from"}

# public functions that add VIR_TYPED_PARAM_STRING_OKAY to their flags when
# the driver can carry string parameters (the remote driver can)
STRING_OKAY = {"domain_get_memory_parameters", "domain_get_numa_parameters", "domain_get_blkio_parameters",
               "domain_get_scheduler_parameters_flags", "domain_block_stats_flags",
               "domain_get_interface_parameters", "domain_get_block_io_tune", "domain_get_cpu_stats",
               "domain_get_launch_security_info", "node_get_memory_parameters", "node_get_sev_info"}
TYPED_PARAM_STRING_OKAY = 4

OBJECTS = {"Domain": "domain", "Network": "network", "NetworkPort": "network_port",
           "StoragePool": "storage_pool", "StorageVol": "storage_vol", "Interface": "interface",
           "NodeDevice": "node_device", "Secret": "secret", "NWFilter": "nwfilter",
           "NWFilterBinding": "nwfilter_binding", "DomainSnapshot": "domain_snapshot",
           "DomainCheckpoint": "domain_checkpoint"}

SCALARS = {"u32": {"unsigned int"}, "i32": {"int"}, "u64": {"unsigned hyper"}, "i64": {"hyper"},
           "bool": {"int"}, "f64": {"double"}}

COUNT_FIELDS = {"maxnames", "maxids", "nparams", "maxdomains", "maxcpus", "maxinfo", "maxCells",
                "ncpumaps", "maxcells", "maxuuids"}


def key(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def slots():
    pat = re.compile(r"^\s*(\w+) \[([^\]]*)\]:\s*fn\((.*?)\) -> Result<(.*)>;", re.M)
    for fam, fname in FAMILIES:
        text = open(os.path.join(ROOT, "src", "core", "driver", fname)).read()
        text = re.sub(r"\]:\s*\n\s*fn", "]: fn", text)
        for m in pat.finditer(text):
            apis = re.findall(r'"(\w+)"', m.group(2))
            args = split_args(m.group(3))
            yield fam, m.group(1), apis, args, m.group(4)


def split_args(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def split_type(t):
    """('base', bound or None, kind) with kind in '', '[]', '<>', '*'."""
    m = re.match(r"^(.*?)(\[(\d*)\]|<(\d*)>|\*)?$", t)
    base = m.group(1)
    if m.group(2) is None:
        return base, None, ""
    if m.group(2) == "*":
        return base, None, "*"
    if m.group(2).startswith("["):
        return base, m.group(3), "[]"
    return base, m.group(4) or None, "<>"


class Gen:
    def __init__(self):
        self.p = json.load(open(PROTOCOL))
        self.procs = {}
        for prog, body in self.p["programs"].items():
            for number, name, args, ret, msg, notes in body["procedures"]:
                self.procs[(prog, name)] = (number, args, ret, msg, notes)
        self.by_key = {}
        for (prog, name) in self.procs:
            if prog == "REMOTE":
                self.by_key[key(name)] = (prog, name)
        self.skipped = []

    def fields(self, tname):
        if not tname:
            return []
        t = self.p["types"][tname]
        assert t[0] == "struct", tname
        return t[1]

    def find(self, api):
        if api in OVERRIDES:
            return OVERRIDES[api]
        return self.by_key.get(key(api[3:]))

    def enc_expr(self, rust, xdr, var):
        """Encoding expression for a slot argument of type rust, or None."""
        base, bound, kind = split_type(xdr)
        if not self.arg_ok(rust, xdr):
            if rust == "&NodeDevice" and base == "remote_nonnull_string" and kind == "":
                return "%s.name.enc(e)" % var
            if rust == "&str" and base == "remote_string" and kind == "":
                return "Some(%s).enc(e)" % var
            if rust == "Option<&str>" and base == "remote_nonnull_string" and kind == "":
                # the public function refuses NULL before the driver is reached
                return "%s.unwrap_or_default().enc(e)" % var
            return None
        if rust == "&[u8]":
            return "Bytes(%s).enc(e)" % var
        return "%s.enc(e)" % var

    def arg_ok(self, rust, xdr):
        base, bound, kind = split_type(xdr)
        r = rust.lstrip("&")
        if r in OBJECTS:
            return base == "remote_nonnull_" + OBJECTS[r] and kind == ""
        if rust == "&str":
            return base == "remote_nonnull_string" and kind == ""
        if rust == "Option<&str>":
            return base == "remote_string" and kind == ""
        if rust in SCALARS:
            return base in SCALARS[rust] and kind == ""
        if rust == "&Uuid":
            return base == "remote_uuid" and kind == ""
        if rust == "&[String]":
            return base == "remote_nonnull_string" and kind == "<>"
        if rust == "&[u8]":
            return base == "opaque" and kind == "<>"
        if rust == "&[u32]":
            return base == "unsigned int" and kind == "<>"
        if rust == "&[TypedParam]":
            return base == "remote_typed_param" and kind == "<>"
        return False

    def ret_ok(self, rust, xdr):
        """Rust type to decode for the reply member, or None."""
        base, bound, kind = split_type(xdr)
        if rust in OBJECTS:
            return rust if base == "remote_nonnull_" + OBJECTS[rust] and kind == "" else None
        m = re.match(r"^Vec<(\w+)>$", rust)
        if m and kind == "<>":
            inner = m.group(1)
            if inner in OBJECTS and base == "remote_nonnull_" + OBJECTS[inner]:
                return rust
            if inner == "String" and base == "remote_nonnull_string":
                return rust
            if inner == "TypedParam" and base == "remote_typed_param":
                return rust
            if inner == "u8" and base == "opaque":
                return "ByteVec"
            return None
        if rust == "String":
            return rust if base == "remote_nonnull_string" and kind == "" else None
        if rust in SCALARS:
            return rust if base in SCALARS[rust] and kind == "" else None
        return None

    def slot(self, fam, name, apis, args, ret):
        if name in HAND:
            return None
        found = None
        for api in apis:
            found = self.find(api)
            if found:
                break
        if not found:
            self.skipped.append((name, "no procedure"))
            return None
        prog, pname = found
        number, atype, rtype, _msg, notes = self.procs[found]
        if notes.get("readstream") or notes.get("writestream"):
            self.skipped.append((name, "stream"))
            return None
        afields = self.fields(atype)
        rfields = self.fields(rtype)
        params = ["a%d" % i for i in range(len(args))]
        rest = list(zip(args, params))
        if rest and rest[0][0] == "&Connect":
            rest = rest[1:]
        elif not (rest and rest[0][0].lstrip("&") in OBJECTS):
            self.skipped.append((name, "first argument %s" % (args[:1],)))
            return None
        enc = []
        for fname, ftype in afields:
            x = self.enc_expr(rest[0][0], ftype, rest[0][1]) if rest else None
            if x and fname == "flags" and name in STRING_OKAY:
                x = "(%s | %d).enc(e)" % (rest[0][1], TYPED_PARAM_STRING_OKAY)
            if x:
                enc.append(x)
                rest = rest[1:]
                continue
            if fname == "need_results" and ftype == "int":
                enc.append("1i32.enc(e)")
                continue
            if fname in COUNT_FIELDS and split_type(ftype)[0] in ("int", "unsigned int"):
                bound = self.array_bound(rfields)
                if bound is None:
                    self.skipped.append((name, "count %s without bound" % fname))
                    return None
                enc.append("(%s as %s).enc(e)" % (bound, "i32" if ftype == "int" else "u32"))
                continue
            self.skipped.append((name, "argument %s: %s vs %s" % (fname, ftype, rest[:1])))
            return None
        if rest:
            self.skipped.append((name, "arguments left %s" % rest))
            return None
        if not rfields:
            if ret not in ("i32", "()"):
                self.skipped.append((name, "void reply for %s" % ret))
                return None
            dec = "Ok(0)" if ret == "i32" else "Ok(())"
            head = ""
        else:
            t = self.ret_ok(ret, rfields[0][1])
            if t is None:
                self.skipped.append((name, "reply %s vs %s" % (rfields[0][1], ret)))
                return None
            dec = "reply::<%s>(c, &r)%s" % (t, ".map(|v| v.0)" if t == "ByteVec" else "")
            head = "let r = "
        cparams = ", ".join(params)
        args_fn = ("|e| { %s }" % " ".join(x + ";" for x in enc)) if enc else "|_| {}"
        body = "{ let c = a0.conn(); %scall(c, %s, proc::%s, %s)?; %s }" % (
            head, prog, self.const_name(prog, pname), args_fn, dec)
        return "    t.%s.%s = Some(|%s| %s);" % (fam, name, cparams, body)

    def array_bound(self, rfields):
        for _f, ftype in rfields:
            base, bound, kind = split_type(ftype)
            if kind == "<>" and bound:
                return bound
        return None

    @staticmethod
    def const_name(prog, pname):
        return pname if prog == "REMOTE" else "%s_%s" % (prog, pname)

    def generate(self):
        lines = ["// Generated by tools/gen_remote.py from protocol.json: do not edit.",
                 "//! Procedure numbers and the mechanical slot glue of the remote driver.",
                 "",
                 "#![allow(clippy::all, unused_imports, dead_code)]",
                 "",
                 "use super::client::{LXC, QEMU, REMOTE};",
                 "use super::wire::{Bytes, ByteVec, Enc, HasConn};",
                 "use super::{call, reply};",
                 "use crate::core::driver::DriverTable;",
                 "use crate::core::objects::*;",
                 "use crate::core::typed_params::TypedParam;",
                 "",
                 "/// Procedure numbers of the remote, qemu and lxc programs.",
                 "pub mod proc {"]
        for (prog, name), (number, *_rest) in sorted(self.procs.items(), key=lambda x: (x[0][0], x[1][0])):
            if prog == "KEEPALIVE":
                continue
            lines.append("    pub const %s: i32 = %d;" % (self.const_name(prog, name), number))
        lines.append("}")
        lines.append("")
        lines.append("/// Points every mechanical slot at its procedure.")
        lines.append("pub fn install(t: &mut DriverTable) {")
        served = []
        for fam, name, apis, args, ret in slots():
            s = self.slot(fam, name, apis, args, ret)
            if s:
                lines.append(s)
                served.append(name)
        lines.append("}")
        with open(OUT, "w") as f:
            f.write("\n".join(lines) + "\n")
        return served


def main(argv):
    g = Gen()
    served = g.generate()
    print("remote glue: %d slots generated, %d skipped, %d by hand" % (len(served), len(g.skipped), len(HAND)))
    if "--verbose" in argv:
        for n, why in g.skipped:
            print("  skipped %s: %s" % (n, why))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
