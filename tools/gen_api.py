#!/usr/bin/env python3
"""Generates every artefact that describes the public API from api/*.json:

  include/libvirt/*.h           C headers
  gen/<lib>.map                 GNU version scripts for the linker
  gen/<lib>-api.xml             API description read by binding generators
  src/generated/consts.rs       enum constants and macros as Rust consts
  src/capi/generated/types.rs   C structs, typedefs and callback types
  src/capi/generated/shims.rs   one extern "C" entry point per function

Usage: gen_api.py [--out DIR]   (DIR defaults to the project root; the drift
check writes to a temporary DIR and compares).
"""
import json
import os
import re
import sys
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_dispatch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS = ["libvirt", "libvirt-qemu", "libvirt-lxc", "libvirt-admin"]
PRIVATE_NODE = "LIBVIRT_PRIVATE_9.0.0"
PRIVATE_PREFIX = "virtrs_"
# constructors libvirt exports in its private node for its own tools and
# tests (src/capi/private.rs); programs written against libvirt use them
PRIVATE_CONSTRUCTORS = ["virGetDomainCheckpoint", "virGetDomainSnapshot", "virGetNWFilter",
                        "virGetNWFilterBinding", "virGetNetworkPort", "virGetSecret"]

# Handle classes: C opaque struct -> (Rust handle type, error raised for a bad handle)
HANDLES = {
    "virConnect": "Connect",
    "virDomain": "Domain",
    "virNetwork": "Network",
    "virNetworkPort": "NetworkPort",
    "virStoragePool": "StoragePool",
    "virStorageVol": "StorageVol",
    "virInterface": "Interface",
    "virNodeDevice": "NodeDevice",
    "virSecret": "Secret",
    "virNWFilter": "NWFilter",
    "virNWFilterBinding": "NWFilterBinding",
    "virDomainSnapshot": "DomainSnapshot",
    "virDomainCheckpoint": "DomainCheckpoint",
    "virStream": "Stream",
    "virAdmConnect": "AdmConnect",
    "virAdmServer": "AdmServer",
    "virAdmClient": "AdmClient",
}

C_BASE = {
    "void": "c_void", "char": "c_char", "signed char": "c_schar", "unsigned char": "c_uchar",
    "short": "c_short", "unsigned short": "c_ushort",
    "int": "c_int", "unsigned int": "c_uint", "unsigned": "c_uint",
    "long": "c_long", "long int": "c_long", "unsigned long": "c_ulong", "unsigned long int": "c_ulong",
    "long long": "c_longlong", "long long int": "c_longlong",
    "unsigned long long": "c_ulonglong", "unsigned long long int": "c_ulonglong",
    "double": "f64", "size_t": "usize", "ssize_t": "isize",
    "int64_t": "i64", "uint64_t": "u64", "uint32_t": "u32", "int32_t": "i32",
}


def load_semantics():
    path = os.path.join(ROOT, "api", "semantics.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


DOMAIN_NUM = {}


def domain_const(num, fallback):
    """Spells a numeric virErrorDomain as its constant."""
    return DOMAIN_NUM.get(num, fallback)


def load():
    specs = {}
    for lib in LIBS:
        with open(os.path.join(ROOT, "api", f"{lib}.json")) as f:
            specs[lib] = json.load(f)
    with open(os.path.join(ROOT, "api", "overrides.json")) as f:
        over = json.load(f)
    docs = {}
    dpath = os.path.join(ROOT, "api", "docs.tsv")
    if os.path.exists(dpath):
        with open(dpath) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    name, text = line.rstrip("\n").split("\t", 1)
                    docs[name] = text
    return specs, over, docs


# ---------------------------------------------------------------- values

def enum_values(specs):
    """Numeric value of every enum constant (some are spelled as other constants)."""
    raw = {}
    for spec in specs.values():
        for e in spec["enums"]:
            raw[e["name"]] = e["value"]
    done = {}

    def val(name, depth=0):
        if name in done:
            return done[name]
        v = raw[name]
        if re.fullmatch(r"-?\d+", v):
            n = int(v)
        elif re.fullmatch(r"0x[0-9a-fA-F]+", v):
            n = int(v, 16)
        elif v in raw and depth < 20:
            n = val(v, depth + 1)
        else:
            raise ValueError(f"cannot evaluate enum {name} = {v}")
        done[name] = n
        return n

    for n in raw:
        val(n)
    return done


def macro_raw(m, over):
    return over["macro_raw"].get(m["name"], m.get("raw"))


# ---------------------------------------------------------------- C headers

def c_decl(ctype, name):
    """Declares name with C type text (handles 'char field[N]' fields)."""
    if "[" in ctype:
        return ctype  # already contains the declarator
    sep = "" if ctype.endswith("*") else " "
    return f"{ctype}{sep}{name}"


def type_deps(ctype, known):
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", ctype)
    return [w for w in words if w in known]


EMITTED_TAGS = {}


def header_items(spec, header, over, values):
    """Returns the C text of one header's body."""
    out = []
    structs = [s for s in spec["structs"] if s["header"] == header]
    typedefs = [t for t in spec["typedefs"] if t["header"] == header]
    functypes = [f for f in spec["functypes"] if f["header"] == header]
    etypes = [t["name"] for t in spec["enum_types"] if t["header"] == header]
    enums = [e for e in spec["enums"] if e["header"] == header]
    macros = [m for m in spec["macros"] if m["header"] == header]

    # 1. opaque handles
    opaque = [s for s in structs if "fields" not in s]
    for s in opaque:
        out.append(f"typedef struct {s['tag']} {s['name']};")
    for t in typedefs:
        if t["type"].rstrip(" *") in {s["name"] for s in opaque}:
            out.append(f"typedef {t['type']}{t['name']};" if t["type"].endswith("*")
                       else f"typedef {t['type']} {t['name']};")
    if opaque:
        out.append("")

    # 2. enumerations, grouped by their type, in numeric order
    by_type = {}
    for e in enums:
        by_type.setdefault(e["type"], []).append(e)
    for et in etypes + [t for t in by_type if t not in etypes]:
        members = sorted(by_type.get(et, []), key=lambda e: values[e["name"]])
        out.append("typedef enum {")
        for e in members:
            v = values[e["name"]]
            line = f"    {e['name']} = {v if v <= 0x7FFFFFFF else hex(v) + 'U'},"
            if e["name"].endswith("_LAST"):
                out.append("#ifdef VIR_ENUM_SENTINELS")
                out.append(line)
                out.append("#endif")
            else:
                out.append(line)
        out.append(f"}} {et};")
        out.append("")

    # 3. macros
    for m in macros:
        if "string" in m:
            out.append(f"#define {m['name']} \"{m['string']}\"")
        else:
            params = f"({', '.join(m['params'])})" if m.get("params") else ""
            out.append(f"#define {m['name']}{params} {macro_raw(m, over)}")
    if macros:
        out.append("")

    # 4. structs, pointer typedefs, scalar typedefs and callback types, in dependency order
    nodes = {}
    for s in structs:
        if "fields" in s:
            nodes[s["name"]] = ("struct", s)
    for t in typedefs:
        if t["type"].rstrip(" *") not in {s["name"] for s in opaque}:
            nodes[t["name"]] = ("typedef", t)
    for f in functypes:
        nodes[f["name"]] = ("functype", f)
    emitted_tags = EMITTED_TAGS.setdefault(spec["library"], set())
    done = set()

    def deps_of(kind, item):
        if kind == "struct":
            texts = []
            for fl in item["fields"]:
                texts += [u[1] for u in fl["union"]] if "union" in fl else [fl["type"]]
        elif kind == "typedef":
            texts = [item["type"]]
        else:
            texts = [item["ret"]] + [a[1] for a in item["args"]]
        found = []
        for t in texts:
            found += [d for d in type_deps(t, nodes) if d != item["name"]]
        return found

    def emit(name, stack=()):
        if name in done or name in stack:
            return
        kind, item = nodes[name]
        for d in deps_of(kind, item):
            emit(d, stack + (name,))
        done.add(name)
        if kind == "struct":
            if item["tag"] not in emitted_tags:
                emitted_tags.add(item["tag"])
                out.append(f"struct {item['tag']} {{")
                for fl in item["fields"]:
                    if "union" in fl:
                        out.append("    union {")
                        for un, ut in fl["union"]:
                            out.append(f"        {c_decl(ut, un)};")
                        out.append(f"    }} {fl['name']};")
                    else:
                        out.append(f"    {c_decl(fl['type'], fl['name'])};")
                out.append("};")
            out.append(f"typedef struct {item['tag']} {item['name']};")
        elif kind == "typedef":
            t = item["type"]
            out.append(f"typedef {t}{item['name']};" if t.endswith("*")
                       else f"typedef {t} {item['name']};")
        else:
            args = ", ".join(c_decl(t, n) for n, t in item["args"]) or "void"
            out.append(f"typedef {item['ret']} (*{item['name']})({args});")
        out.append("")

    for name in list(nodes):
        emit(name)

    # 5. variables and functions
    for v in spec["variables"]:
        if v["header"] == header:
            out.append(f"extern {v['type']} {v['name']};")
    for f in spec["functions"]:
        if f["header"] == header:
            out.append(prototype(f) + ";")
    return "\n".join(out).rstrip() + "\n"


def prototype(f):
    args = ", ".join(c_decl(t, n) for n, t in f["args"]) or "void"
    ret = f["ret"]
    sep = "" if ret.endswith("*") else " "
    return f"{ret}{sep}{f['name']}({args})"


def guard(header):
    return "VIRT_RS_" + re.sub(r"[^A-Za-z0-9]", "_", header).upper() + "_H"


NOTICE = "/* Generated by tools/gen_api.py from the api/ spec: do not edit. */"


def write_headers(specs, over, values, out):
    files = {}
    inc = os.path.join(out, "include", "libvirt")
    for lib, spec in specs.items():
        for h in spec["headers"]:
            body = header_items(spec, h, over, values)
            pre = ["#include <stddef.h>", "#include <sys/types.h>"] if h in ("libvirt-common", "libvirt-admin") else []
            if lib == "libvirt" and h not in ("libvirt-common",):
                pre = ["#ifndef VIRT_RS_LIBVIRT_INCLUDED", "# error \"Include <libvirt/libvirt.h> instead.\"", "#endif"] \
                    if h != "virterror" else ["#include <libvirt/libvirt.h>"]
            if lib in ("libvirt-qemu", "libvirt-lxc"):
                pre = ["#include <libvirt/libvirt.h>"]
            if lib == "libvirt-admin":
                pre.append("#include <libvirt/libvirt-common.h>")
            files[f"{h}.h"] = wrap(h, pre, body)
    umbrella = ["#define VIRT_RS_LIBVIRT_INCLUDED"]
    # like libvirt's, the umbrella leaves virterror.h to be included on its own
    umbrella += [f"#include <libvirt/{h}.h>" for h in specs["libvirt"]["headers"] if h != "virterror"]
    umbrella.append("#undef VIRT_RS_LIBVIRT_INCLUDED")
    files["libvirt.h"] = wrap("libvirt", umbrella, "")
    os.makedirs(inc, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(inc, name), "w") as f:
            f.write(text)


def wrap(h, pre, body):
    g = guard(h)
    parts = [NOTICE, f"#ifndef {g}", f"#define {g}", ""]
    parts += pre
    parts += ["", "#ifdef __cplusplus", "extern \"C\" {", "#endif", "", body.rstrip(),
              "", "#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {g} */", ""]
    return "\n".join(parts)


# ---------------------------------------------------------------- version scripts

def write_maps(specs, out):
    d = os.path.join(out, "gen")
    os.makedirs(d, exist_ok=True)
    for lib, spec in specs.items():
        syms = {}
        for f in spec["functions"] + spec["variables"]:
            syms.setdefault(f["node"], []).append(f["name"])
        lines = [f"# {NOTICE[3:-3]}"]
        nodes = list(spec["version_nodes"])
        if lib == "libvirt":
            # entry points behind the thin side libraries, as libvirt's own private node
            nodes.append([PRIVATE_NODE, None])
            syms[PRIVATE_NODE] = [PRIVATE_PREFIX + f["name"] for other, sp in specs.items()
                                  if other != "libvirt" for f in sp["functions"]] + PRIVATE_CONSTRUCTORS
        for i, (node, parent) in enumerate(nodes):
            lines.append(f"{node} {{")
            if syms.get(node):
                lines.append("    global:")
                lines += [f"        {s};" for s in sorted(syms[node])]
            if i + 1 == len(nodes):
                lines.append("    local:")
                lines.append("        *;")
            lines.append(f"}}{' ' + parent if parent else ''};")
            lines.append("")
        with open(os.path.join(d, f"{lib}.map"), "w") as f:
            f.write("\n".join(lines))


# ---------------------------------------------------------------- API description XML

def describe(name, docs, fallback):
    return docs.get(name) or fallback


def api_module(f, over):
    """The `module` a binding generator expects for a function."""
    rules = over.get("api_xml_module", {})
    for key, mod in rules.items():
        kind, _, val = key.partition(":")
        if (kind == "prefix" and f["name"].startswith(val)) or (kind == "header" and f["header"] == val) \
                or key == f["name"]:
            return mod
    return f["header"]


def write_api_xml(specs, values, docs, out, over):
    d = os.path.join(out, "gen")
    for lib, spec in specs.items():
        x = ['<?xml version="1.0" encoding="UTF-8"?>', f"<api name={quoteattr(lib)}>", "  <files>"]
        for h in spec["headers"]:
            x.append(f"    <file name={quoteattr(h)}>")
            x.append(f"     <summary>{escape(describe(h, docs, 'Declarations of ' + h + '.h'))}</summary>")
            x.append(f"     <description>{escape(describe(h, docs, 'Public interface of ' + lib + ' declared in ' + h + '.h'))}</description>")
            for kind, items in (("macro", spec["macros"]), ("enum", spec["enums"]),
                                ("typedef", spec["typedefs"] + spec["enum_types"]),
                                ("struct", spec["structs"]), ("function", spec["functions"] + spec["functypes"]),
                                ("variable", spec["variables"])):
                for it in sorted(items, key=lambda i: i["name"]):
                    if it["header"] == h:
                        x.append(f"     <exports symbol={quoteattr(it['name'])} type={quoteattr(kind)}/>")
            x.append("    </file>")
        x.append("  </files>")
        x.append("  <symbols>")
        entries = []
        for m in spec["macros"]:
            a = f"<macro name={quoteattr(m['name'])} file={quoteattr(m['header'])}"
            if "string" in m:
                a += f" string={quoteattr(m['string'])}"
            else:
                if m.get("params"):
                    a += f" params={quoteattr(','.join(m['params']))}"
                a += f" raw={quoteattr(m['raw'] or '')}"
            a += f" version={quoteattr(m['since'])}>"
            body = [f"      <info><![CDATA[{describe(m['name'], docs, 'Constant ' + m['name'] + '.')}]]></info>"]
            for p in m.get("params") or []:
                body.append(f"      <arg name={quoteattr(p)} info={quoteattr('macro argument ' + p)}/>")
            entries.append((m["name"], "macro", [a] + body + ["    </macro>"]))
        for e in spec["enums"]:
            v = values[e["name"]]
            entries.append((e["name"], "enum", [
                f"<enum name={quoteattr(e['name'])} file={quoteattr(e['header'])} value={quoteattr(str(v))} "
                f"type={quoteattr(e['type'])} version={quoteattr(e['since'])}/>"]))
        for t in spec["enum_types"]:
            entries.append((t["name"], "typedef", [
                f"<typedef name={quoteattr(t['name'])} file={quoteattr(t['header'])} type='enum' version={quoteattr(t['since'])}/>"]))
        for t in spec["typedefs"]:
            entries.append((t["name"], "typedef", [
                f"<typedef name={quoteattr(t['name'])} file={quoteattr(t['header'])} type={quoteattr(t['type'])} version={quoteattr(t['since'])}/>"]))
        for s in spec["structs"]:
            head = f"<struct name={quoteattr(s['name'])} file={quoteattr(s['header'])} type={quoteattr('struct ' + s['tag'])} version={quoteattr(s['since'])}"
            if "fields" not in s:
                entries.append((s["name"], "struct", [head + "/>"]))
                continue
            body = [head + ">"]
            for fl in s["fields"]:
                if "union" in fl:
                    body.append(f"      <field name={quoteattr(fl['name'])} type='union' info='value'>")
                    body.append("        <union>")
                    for un, ut in fl["union"]:
                        body.append(f"          <field name={quoteattr(un)} type={quoteattr(ut)} info={quoteattr('member ' + un)}/>")
                    body.append("        </union>")
                    body.append("      </field>")
                else:
                    body.append(f"      <field name={quoteattr(fl['name'])} type={quoteattr(fl['type'])} info={quoteattr('field ' + fl['name'])}/>")
            body.append("    </struct>")
            entries.append((s["name"], "struct", body))
        for kind, items in (("function", spec["functions"]), ("functype", spec["functypes"])):
            for f in items:
                module = api_module(f, over) if kind == "function" else f["header"]
                body = [f"<{kind} name={quoteattr(f['name'])} file={quoteattr(f['header'])} module={quoteattr(module)} version={quoteattr(f['since'])}>",
                        f"      <info><![CDATA[{describe(f['name'], docs, default_doc(f))}]]></info>"]
                if f["ret"] == "void":
                    body.append("      <return type='void'/>")
                else:
                    body.append(f"      <return type={quoteattr(f['ret'])} info={quoteattr(ret_doc(f))}/>")
                optional = set(over.get("optional_args", []))
                for n, t in f["args"]:
                    info = arg_doc(n, t)
                    if f"{f['name']}.{n}" in optional:
                        info = "(optional) " + info
                    body.append(f"      <arg name={quoteattr(n)} type={quoteattr(t)} info={quoteattr(info)}/>")
                body.append(f"    </{kind}>")
                entries.append((f["name"], kind, body))
        for v in spec["variables"]:
            entries.append((v["name"], "variable", [
                f"<variable name={quoteattr(v['name'])} file={quoteattr(v['header'])} type={quoteattr(v['type'])} version={quoteattr(v['since'])}>",
                f"      <info><![CDATA[{describe(v['name'], docs, 'Exported variable ' + v['name'] + '.')}]]></info>",
                "    </variable>"]))
        for _, _, lines in sorted(entries, key=lambda e: (e[0], e[1])):
            x.append("    " + "\n".join(lines))
        x.append("  </symbols>")
        x.append("</api>")
        with open(os.path.join(d, f"{lib}-api.xml"), "w") as f:
            f.write("\n".join(x) + "\n")


def words(name):
    core = re.sub(r"^vir", "", name)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", core).lower()


def default_doc(f):
    return f"{words(f['name']).capitalize()} (available since {f['since']})."


def ret_doc(f):
    r = f["ret"]
    if r == "int":
        return "a non-negative value on success, -1 on failure"
    if r.endswith("*") or r.endswith("Ptr"):
        return "the result, or NULL on failure"
    return "the result"


def arg_doc(n, t):
    if n == "flags":
        return "bitwise-OR of the flags the call accepts, 0 for none"
    return f"the {n} argument"


# ---------------------------------------------------------------- Rust

def rust_type(ctype, known_types):
    t = ctype.strip()
    stars = t.count("*")
    base = t.replace("*", " ").split()
    # 'const' applies to the pointee when it precedes the base type
    leading_const = base and base[0] == "const"
    base = [w for w in base if w != "const"]
    b = " ".join(base)
    if b in C_BASE:
        rb = C_BASE[b]
    elif b in known_types:
        rb = b
    else:
        raise ValueError(f"unknown C type {ctype!r}")
    out = rb
    for i in range(stars):
        innermost = i == 0
        out = (f"*const {out}" if innermost and leading_const else f"*mut {out}")
    return out


def rust_const_type(etype_max):
    return "c_uint" if etype_max > 0x7FFFFFFF else "c_int"


def write_rust(specs, over, values, out):
    known = set()
    for spec in specs.values():
        for coll in ("structs", "typedefs", "functypes", "enum_types"):
            known |= {i["name"] for i in spec[coll]}
    # consts
    c = [f"// {NOTICE[3:-3]}", "#![allow(non_upper_case_globals, dead_code, clippy::all)]",
         "use std::os::raw::{c_int, c_uint};", ""]
    etype_max = {}
    for spec in specs.values():
        for e in spec["enums"]:
            etype_max[e["type"]] = max(etype_max.get(e["type"], 0), values[e["name"]])
    seen = set()
    for spec in specs.values():
        for e in sorted(spec["enums"], key=lambda e: e["name"]):
            if e["name"] in seen:
                continue
            seen.add(e["name"])
            ty = rust_const_type(etype_max[e["type"]])
            v = values[e["name"]]
            c.append(f"pub const {e['name']}: {ty} = {v};")
        for m in sorted(spec["macros"], key=lambda m: m["name"]):
            if m["name"] in seen or m["name"].startswith("_"):
                continue
            seen.add(m["name"])
            if "string" in m:
                c.append(f"pub const {m['name']}: &str = {json.dumps(m['string'])};")
            else:
                raw = macro_raw(m, over) or ""
                if not m.get("params") and re.fullmatch(r"[\d\s()+*/-]+(LL)?", raw):
                    val = raw.replace("LL", "").strip()
                    if val.startswith("(") and val.endswith(")"):
                        val = val[1:-1]
                    c.append(f"pub const {m['name']}: i64 = {val};")
    os.makedirs(os.path.join(out, "src", "generated"), exist_ok=True)
    with open(os.path.join(out, "src", "generated", "consts.rs"), "w") as f:
        f.write("\n".join(c) + "\n")

    # C types
    t = [f"// {NOTICE[3:-3]}",
         "#![allow(non_camel_case_types, non_snake_case, dead_code, clippy::all)]",
         "use std::os::raw::*;", "use crate::capi::handle::*;", ""]
    numeric = {}
    for spec in specs.values():
        for m in spec["macros"]:
            raw = macro_raw(m, over) or ""
            if not m.get("params") and re.fullmatch(r"[\d\s()+*/-]+", raw):
                numeric[m["name"]] = raw
            elif not m.get("params") and raw in numeric:
                numeric[m["name"]] = numeric[raw]
    emitted = set()
    for spec in specs.values():
        for et in spec["enum_types"]:
            ty = rust_const_type(etype_max.get(et["name"], 0))
            t.append(f"pub type {et['name']} = {ty};")
        for s in spec["structs"]:
            if "fields" not in s:
                t.append(f"pub type {s['name']} = {HANDLES[s['name']]}Handle;")
                continue
            tag = s["tag"]
            if tag not in emitted:
                emitted.add(tag)
                fields = []
                for fl in s["fields"]:
                    if "union" in fl:
                        un = f"{tag}_{fl['name']}"
                        t.append("#[repr(C)]\n#[derive(Copy, Clone)]")
                        t.append(f"pub union {un} {{")
                        for n, ut in fl["union"]:
                            t.append(f"    pub {n}: {rust_type(ut, known)},")
                        t.append("}")
                        fields.append((fl["name"], un))
                    else:
                        m = re.fullmatch(r"(.+?)\s+(\w+)\[(\w+)\]", fl["type"])
                        if m:
                            n_el = numeric.get(m.group(3), m.group(3))
                            fields.append((fl["name"], f"[{rust_type(m.group(1), known)}; {n_el} as usize]"))
                        else:
                            fields.append((fl["name"], rust_type(fl["type"], known)))
                t.append("#[repr(C)]\n#[derive(Copy, Clone)]")
                t.append(f"pub struct {tag} {{")
                for n, ty in fields:
                    n = "r#type" if n == "type" else n
                    t.append(f"    pub {n}: {ty},")
                t.append("}")
            t.append(f"pub type {s['name']} = {tag};")
        for td in spec["typedefs"]:
            t.append(f"pub type {td['name']} = {rust_type(td['type'], known)};")
        for ft in spec["functypes"]:
            args = ", ".join(f"{arg_name(n)}: {rust_type(ty, known)}" for n, ty in ft["args"])
            ret = "" if ft["ret"] == "void" else f" -> {rust_type(ft['ret'], known)}"
            t.append(f"pub type {ft['name']} = Option<unsafe extern \"C\" fn({args}){ret}>;")
    os.makedirs(os.path.join(out, "src", "capi", "generated"), exist_ok=True)
    with open(os.path.join(out, "src", "capi", "generated", "types.rs"), "w") as f:
        f.write("\n".join(t) + "\n")

    # driver dispatch planned from the C signatures (tools/gen_dispatch.py)
    impls = implemented_functions()
    sem = load_semantics()
    functype_names = {ft["name"] for sp in specs.values() for ft in sp["functypes"]}
    handles = {k: v for k, v in HANDLES.items() if not k.startswith("virAdm")}
    plans = {}
    for lib, spec in specs.items():
        for f in spec["functions"]:
            if f["name"] not in impls:
                p = gen_dispatch.plan(f, sem.get(f["name"]) or {}, handles, functype_names)
                if p:
                    plans[f["name"]] = p
    write_api_table(plans, out)

    # the list of public functions, for the coverage report
    al = [f"// {NOTICE[3:-3]}", "/// (library, function, has a body in capi::api)",
          "pub const FUNCTIONS: &[(&str, &str, bool)] = &["]
    for lib, spec in specs.items():
        for f in spec["functions"]:
            body = f["name"] in impls or f["name"] in plans
            al.append(f"    ({json.dumps(lib)}, {json.dumps(f['name'])}, {'true' if body else 'false'}),")
    al.append("];")
    with open(os.path.join(out, "src", "generated", "api_list.rs"), "w") as fh:
        fh.write("\n".join(al) + "\n")

    # shims
    for spec in specs.values():
        for e in spec["enums"]:
            if e["type"] == "virErrorDomain" and not e["name"].endswith("_LAST"):
                DOMAIN_NUM.setdefault(values[e["name"]], e["name"])
    s = [f"// {NOTICE[3:-3]}",
         "#![allow(non_snake_case, unused_imports, unused_variables, clippy::all)]",
         "use std::os::raw::*;", "use super::types::*;", "use crate::capi::entry::*;",
         "use crate::capi::handle::*;", "use crate::capi::api;", ""]
    for lib, spec in specs.items():
        for f in spec["functions"]:
            name = f["name"]
            args = ", ".join(f"{arg_name(n)}: {rust_type(ty, known)}" for n, ty in f["args"])
            ret_t = "()" if f["ret"] == "void" else rust_type(f["ret"], known)
            ret = "" if f["ret"] == "void" else f" -> {ret_t}"
            fail = over["fail_value"].get(name) or fail_value(f["ret"])
            call_args = ", ".join(arg_name(n) for n, _ in f["args"])
            impl = impls.get(name)
            facts = sem.get(name) or {}
            s.append("#[no_mangle]")
            export = name if lib == "libvirt" else PRIVATE_PREFIX + name
            s.append(f"pub unsafe extern \"C\" fn {export}({args}){ret} {{")
            alias = over.get("aliases", {}).get(name)
            if alias:
                # libvirt serves this function by calling another public one,
                # whose name its errors carry
                s.append("    // SAFETY: the same contract as the function it forwards to.")
                s.append(f"    unsafe {{ {alias}({call_args}) }}")
                s.append("}")
                s.append("")
                continue
            # the common prologue: handle class, read-only refusal, required
            # pointers, in libvirt's order; then the body or "unsupported"
            pro = []
            h = handle_of(f)
            if h:
                nh = facts.get("null_handle")
                if name in over.get("null_handle_accepted", []):
                    # measured by hand where the probe does not reach
                    nh = "accepted"
                dom = domain_const(nh["domain"], None) if isinstance(nh, dict) else None
                var = "h"
                if nh == "accepted":
                    # libvirt takes a NULL handle here; anything else must be one
                    pro.append(f"let _ = if {arg_name(h[0])}.is_null() {{ None }} "
                               f"else {{ Some({h[1]}Handle::check({arg_name(h[0])})?) }};")
                elif dom:
                    pro.append(f"let {var} = {h[1]}Handle::check_from({arg_name(h[0])}, crate::generated::consts::{dom})?;")
                else:
                    pro.append(f"let {var} = {h[1]}Handle::check({arg_name(h[0])})?;")
                if facts.get("readonly_denied"):
                    pro.append("h.deny_readonly()?;")
            argtypes = dict(f["args"])
            # a pointer libvirt requires only when its count is non-zero is
            # left to the body, which knows which argument counts it
            counted = set(facts.get("nonnull_needs_count") or [])
            required = facts.get("nonnull_args") or {}
            for an in [n for n, _ in f["args"] if n in required]:
                if an not in counted:
                    test = "is_none" if argtypes[an] in functype_names else "is_null"
                    pro.append(f"if {arg_name(an)}.{test}() {{ return Err(crate::core::error::Error::null_arg(\"{an}\", \"{name}\")); }}")
            bf = facts.get("bad_flags")
            if isinstance(bf, dict) and bf.get("rejected_by") == "api" and "flags" in argtypes:
                # the API layer itself accepts no flag here
                pro.append(f"if flags != 0 {{ return Err(crate::core::error::Error::arg_error(\"flags\", \"{name}\", "
                           f"format!(\"unsupported flags (0x{{:x}}) in function {name}\", flags))); }}")
            for an, err in (facts.get("negative_int") or {}).items():
                # only libvirt's own range checks, not errors raised later
                if an in argtypes and isinstance(err, dict) and err["message"].startswith(f"{an} in {name} must"):
                    op = "<=" if "greater than zero" in err["message"] else "<"
                    pro.append(f"if {arg_name(an)} {op} 0 {{ return Err(crate::core::error::Error::arg_error(\"{an}\", \"{name}\", {json.dumps(err['message'])}.into())); }}")
            # a NULL array libvirt refuses only when its count says it has
            # elements: the count is the integer beside it
            ints = ("int", "unsigned int", "size_t")
            names = [n for n, _ in f["args"]]
            for an in [n for n in names if n in counted]:
                i = names.index(an)
                nxt = f["args"][i + 1] if i + 1 < len(names) else None
                prv = f["args"][i - 1]
                cnt = (nxt[0] if nxt and nxt[1] in ints and nxt[0] not in ("flags", "startCell")
                       else prv[0] if prv[1] in ints else None)
                if cnt:
                    pro.append(f"if {arg_name(an)}.is_null() && {arg_name(cnt)} > 0 {{ "
                               f"return Err(crate::core::error::Error::null_arg(\"{an}\", \"{name}\")); }}")
            if impl:
                tail = f"api::{impl}::{name}({call_args})"
            elif name in plans:
                tail = plans[name].code
            else:
                tail = "Err(crate::core::error::Error::no_support())"
            body = "{ " + " ".join(pro + [tail]) + " }" if pro else tail
            runner = "run_raw" if name in over["no_error_reset"] else "run"
            needs_unsafe = impl or handle_of(f) or name in plans
            frm_dom = None
            measured = [facts.get("readonly_error"), facts.get("bad_flags")]
            measured += list((facts.get("negative_int") or {}).values()) + [facts.get("readonly_call")]
            for v in measured:
                if isinstance(v, dict) and v.get("domain") not in (None, 12):
                    frm_dom = domain_const(v["domain"], None)
                    break
            s.append(f"    // SAFETY: the caller passes pointers as the C API documents them; {name} checks each before use.")
            frm = "crate::generated::consts::" + (frm_dom or HEADER_ERROR_DOMAIN[f["header"]])
            closure = f"unsafe {{ {body} }}" if needs_unsafe else body
            s.append(f"    {runner}(\"{name}\", {frm}, {fail}, || {closure})")
            s.append("}")
            s.append("")
    # the exported data object
    s.append("#[no_mangle]")
    s.append("pub static virConnectAuthPtrDefault: crate::capi::auth::DefaultAuthPtr = crate::capi::auth::DEFAULT_AUTH_PTR;")
    with open(os.path.join(out, "src", "capi", "generated", "shims.rs"), "w") as f:
        f.write("\n".join(s) + "\n")


def write_api_table(plans, out):
    """The driver slots of the functions dispatched by signature."""
    t = [f"// {NOTICE[3:-3]}", "//! Driver slots derived from the C signatures of the public functions",
         "//! without a typed slot elsewhere (tools/gen_dispatch.py).", "",
         "use crate::core::connect::Connect;", "use crate::core::error::Result;",
         "use crate::core::objects::*;", "use crate::core::typed_params::TypedParam;",
         "use crate::core::uuid::Uuid;", "", "driver_table! {",
         "    /// One slot per public function, taking the C arguments as Rust values.",
         "    pub struct ApiTable {"]
    slots = {}
    for name in sorted(plans):
        slots.setdefault(plans[name].slot, []).append(name)
    for slot in sorted(slots):
        p = plans[slots[slot][0]]
        if any(plans[n].args != p.args or plans[n].ret != p.ret for n in slots[slot]):
            raise ValueError(f"functions sharing slot {slot} differ in signature")
        apis = ", ".join(f'"{n}"' for n in slots[slot])
        t.append(f"        {slot} [{apis}]: fn({', '.join(p.args)}) -> {p.ret};")
    t += ["    }", "}"]
    os.makedirs(os.path.join(out, "src", "core", "driver"), exist_ok=True)
    with open(os.path.join(out, "src", "core", "driver", "api_table.rs"), "w") as f:
        f.write("\n".join(t) + "\n")


def write_forwarders(specs, out):
    """C sources of the side libraries: each function forwards to libvirt.so.0."""
    for lib, spec in specs.items():
        if lib == "libvirt":
            continue
        c = [NOTICE, f"#include <libvirt/{spec['headers'][0]}.h>", ""]
        for f in spec["functions"]:
            priv = dict(f, name=PRIVATE_PREFIX + f["name"])
            c.append(f"extern {prototype(priv)};")
            call = ", ".join(n for n, _ in f["args"])
            ret = "" if f["ret"] == "void" else "return "
            c.append(prototype(f))
            c.append(f"{{\n    {ret}{priv['name']}({call});\n}}")
            c.append("")
        with open(os.path.join(out, "gen", f"{lib}.c"), "w") as fh:
            fh.write("\n".join(c))


def arg_name(n):
    return {"type": "type_", "ref": "ref_", "fn": "fn_", "mod": "mod_", "in": "in_"}.get(n, n)


def handle_of(f):
    if not f["args"]:
        return None
    n, t = f["args"][0]
    base = t.replace("Ptr", "").strip()
    if base in HANDLES and t.endswith("Ptr"):
        return (n, HANDLES[base])
    return None


# error domain (virErrorDomain) of each header's public functions
HEADER_ERROR_DOMAIN = {
    "libvirt-host": "VIR_FROM_NONE", "libvirt-common": "VIR_FROM_NONE",
    "libvirt-domain": "VIR_FROM_DOMAIN", "libvirt-network": "VIR_FROM_NETWORK",
    "libvirt-storage": "VIR_FROM_STORAGE", "libvirt-nodedev": "VIR_FROM_NODEDEV",
    "libvirt-secret": "VIR_FROM_SECRET", "libvirt-nwfilter": "VIR_FROM_NWFILTER",
    "libvirt-interface": "VIR_FROM_INTERFACE", "libvirt-stream": "VIR_FROM_STREAMS",
    "libvirt-domain-snapshot": "VIR_FROM_DOMAIN_SNAPSHOT",
    "libvirt-domain-checkpoint": "VIR_FROM_DOMAIN_CHECKPOINT",
    "libvirt-event": "VIR_FROM_EVENT", "virterror": "VIR_FROM_NONE",
    "libvirt-qemu": "VIR_FROM_DOMAIN", "libvirt-lxc": "VIR_FROM_DOMAIN",
    "libvirt-admin": "VIR_FROM_ADMIN",
}


def fail_value(ret):
    r = ret.strip()
    if r == "void":
        return "()"
    if r.startswith("const") and r.endswith("*"):
        return "std::ptr::null()"
    if r.endswith("*") or r.endswith("Ptr"):
        return "std::ptr::null_mut()"
    if r.startswith("unsigned") or r == "size_t":
        return "0"
    if r == "double":
        return "-1.0"
    return "-1"


def implemented_functions():
    """Maps function name -> module under src/capi/api that defines it."""
    found = {}
    d = os.path.join(ROOT, "src", "capi", "api")
    if not os.path.isdir(d):
        return found
    names = set()
    for lib in LIBS:
        with open(os.path.join(ROOT, "api", f"{lib}.json")) as f:
            names |= {fn["name"] for fn in json.load(f)["functions"]}
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".rs") or fn == "mod.rs":
            continue
        mod = fn[:-3]
        with open(os.path.join(d, fn)) as f:
            code = f.read()
        # bodies are defined directly or through macros naming them as
        # identifiers; comments and string literals do not count
        code = re.sub(r"//[^\n]*", "", code)
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', code)
        # (a path such as connect::virConnectOpen is a call, not a body)
        for m in re.finditer(r"(?<!::)\b(vir[A-Z]\w*)\b", code):
            if m.group(1) in names:
                found[m.group(1)] = mod
    return found


def main():
    out = ROOT
    if len(sys.argv) > 2 and sys.argv[1] == "--out":
        out = sys.argv[2]
    specs, over, docs = load()
    values = enum_values(specs)
    write_headers(specs, over, values, out)
    write_maps(specs, out)
    write_api_xml(specs, values, docs, out, over)
    write_rust(specs, over, values, out)
    write_forwarders(specs, out)


if __name__ == "__main__":
    main()
