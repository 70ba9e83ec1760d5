#!/usr/bin/env python3
"""Derive virt-rs's wire-protocol description from libvirt's XDR sources.

Dev-time tool, like tools/import_reference.py: it reads a LOCAL copy of
libvirt's rpcgen inputs (the remote, qemu, lxc, net and keepalive protocol
files of the release we target) and writes the FACTS they state -- constant
values, type layouts, program and procedure numbers, and the per-procedure
annotations that matter to a client (priority, stream direction) -- as our
own compact JSON description, src/drivers/remote/protocol.json.  Nothing of
the input text (comments, wording) is carried over.

Usage:
    python3 tools/import_protocol.py LIBVIRT_SRC_DIR

where LIBVIRT_SRC_DIR is an unpacked libvirt source tree (its src/ folder).

Layout of the output (one entry per line, so diffs stay readable):
    "constants":  {NAME: integer}
    "types":      {name: ["struct", [[field, type], ...]]
                        | ["union", discriminant type, [[case, field, type], ...]]
                        | ["enum", {NAME: integer}]
                        | ["alias", type]}
    "programs":   {name: {"number": n, "version": v,
                          "procedures": [[number, NAME, args|null, ret|null, msg|null, notes]]}}
A type expression is a base name ("int", "unsigned hyper", "remote_uuid",
...) optionally followed by "[N]" (fixed array), "<N>" (bounded variable
array; "<>" unbounded) or "*" (optional).
"""
import json
import os
import re
import sys

FILES = [
    ("rpc/virnetprotocol.x", None),
    ("rpc/virkeepaliveprotocol.x", "KEEPALIVE"),
    ("remote/remote_protocol.x", "REMOTE"),
    ("remote/qemu_protocol.x", "QEMU"),
    ("remote/lxc_protocol.x", "LXC"),
]

# Symbols the protocol files take from C headers.
EXTERNAL = {"VIR_UUID_BUFLEN": 16, "VIR_SECURITY_MODEL_BUFLEN": 257,
            "VIR_SECURITY_LABEL_BUFLEN": 4097, "VIR_SECURITY_DOI_BUFLEN": 257,
            "VIR_TYPED_PARAM_INT": 1, "VIR_TYPED_PARAM_UINT": 2, "VIR_TYPED_PARAM_LLONG": 3,
            "VIR_TYPED_PARAM_ULLONG": 4, "VIR_TYPED_PARAM_DOUBLE": 5,
            "VIR_TYPED_PARAM_BOOLEAN": 6, "VIR_TYPED_PARAM_STRING": 7}


def tokens(text):
    """Tokens of the XDR source, with the annotations of doc comments kept
    as ('note', key, value) items; other comments and %-lines dropped."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            body = text[i + 2:j]
            found = re.findall(r"@(\w+):\s*([^\n]*)", body)
            if found:
                notes = {}
                for key, val in found:
                    notes.setdefault(key, val.strip())
                out.append(("notes", notes))
            i = j + 2
        elif c == "%" and (i == 0 or text[i - 1] == "\n"):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif c.isspace():
            i += 1
        else:
            m = re.compile(r"0x[0-9a-fA-F]+|-?\d+|\w+|.").match(text, i)
            out.append(m.group(0))
            i = m.end()
    return out


class Parser:
    def __init__(self, consts):
        self.consts = consts
        self.types = {}
        self.programs = {}

    def value(self, tok):
        if re.match(r"^-?(0x[0-9a-fA-F]+|\d+)$", tok):
            return int(tok, 0)
        if tok in self.consts:
            return self.consts[tok]
        return EXTERNAL[tok]

    def parse(self, toks, program):
        self.toks = [t for t in toks]
        self.pos = 0
        notes = {}
        procs = []
        while self.pos < len(self.toks):
            t = self.next()
            if isinstance(t, tuple):
                continue
            if t == "const":
                name = self.next()
                self.expect("=")
                self.consts[name] = self.value(self.next())
                self.expect(";")
            elif t == "typedef":
                name, ty = self.declaration()
                self.expect(";")
                self.types[name] = ["alias", ty]
            elif t == "struct":
                name = self.next()
                self.types[name] = ["struct", self.struct_body()]
                self.expect(";")
            elif t == "union":
                name = self.next()
                self.types[name] = self.union_body()
                self.expect(";")
            elif t == "enum":
                name = self.next()
                items = self.enum_body(notes, procs)
                self.expect(";")
                if name.endswith("_procedure"):
                    continue
                self.types[name] = ["enum", items]
            else:
                raise SyntaxError("unexpected %r" % (t,))
        if program:
            self.programs[program] = {
                "number": self.consts[program + "_PROGRAM"],
                "version": self.consts[program + "_PROTOCOL_VERSION"],
                "procedures": procs,
            }

    def next(self):
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def peek(self):
        while isinstance(self.toks[self.pos], tuple):
            self.pos += 1
        return self.toks[self.pos]

    def expect(self, want):
        t = self.next()
        while isinstance(t, tuple):
            t = self.next()
        if t != want:
            raise SyntaxError("expected %r, got %r" % (want, t))

    def base_type(self):
        t = self.next()
        if t == "unsigned":
            if self.peek() in ("int", "hyper", "char", "short"):
                return "unsigned " + self.next()
            return "unsigned int"
        return t

    def declaration(self):
        """`type name`, `type *name`, `type name[N]`, `type name<N>`."""
        base = self.base_type()
        if base == "void":
            return None, "void"
        if self.peek() == "*":
            self.next()
            return self.next(), base + "*"
        name = self.next()
        p = self.peek()
        if p in ("[", "<"):
            self.next()
            size = ""
            if self.peek() not in (">",):
                size = str(self.value(self.next()))
            self.next()
            return name, "%s%s%s%s" % (base, p, size, "]" if p == "[" else ">")
        return name, base

    def struct_body(self):
        self.expect("{")
        fields = []
        while self.peek() != "}":
            name, ty = self.declaration()
            self.expect(";")
            fields.append([name, ty])
        self.next()
        return fields

    def union_body(self):
        self.expect("switch")
        self.expect("(")
        disc = self.base_type()
        self.next()  # discriminant name
        self.expect(")")
        self.expect("{")
        arms = []
        while self.peek() != "}":
            kw = self.next()
            if kw == "case":
                case = self.value(self.next())
            else:
                case = "default"
            self.expect(":")
            name, ty = self.declaration()
            self.expect(";")
            arms.append([case, name, ty])
        self.next()
        return ["union", disc, arms]

    def enum_body(self, notes, procs):
        self.expect("{")
        items = {}
        notes = {}
        while True:
            t = self.next()
            if isinstance(t, tuple):
                notes = t[1]
                continue
            if t == "}":
                break
            if t == ",":
                continue
            self.expect("=")
            items[t] = self.value(self.next())
            self.consts[t] = items[t]
            m = re.match(r"^(REMOTE|QEMU|LXC|KEEPALIVE)_PROC_(\w+)$", t)
            if m:
                procs.append(self.procedure(m.group(1), m.group(2), items[t], notes))
            notes = {}
        return items

    def procedure(self, prog, name, number, notes):
        stem = "%s_%s" % (prog.lower(), name.lower())
        have = lambda suffix: (stem + suffix) if (stem + suffix) in self.types else None  # noqa: E731
        extra = {}
        for key in ("generate", "priority", "readstream", "writestream"):
            if key in notes:
                extra[key] = notes[key]
        return [number, name, have("_args"), have("_ret"), have("_msg"), extra]


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    src = argv[0]
    if os.path.isdir(os.path.join(src, "src")):
        src = os.path.join(src, "src")
    p = Parser({})
    for rel, program in FILES:
        with open(os.path.join(src, rel)) as f:
            p.parse(tokens(f.read()), program)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "drivers", "remote",
                       "protocol.json")
    write(out, p)
    n = sum(len(v["procedures"]) for v in p.programs.values())
    print("wrote %s: %d constants, %d types, %d procedures" % (out, len(p.consts), len(p.types), n))
    return 0


def write(path, p):
    d = json.dumps
    lines = ["{", '"constants": {']
    lines.append(",\n".join("  %s: %s" % (d(k), d(v)) for k, v in p.consts.items()))
    lines.append("},")
    lines.append('"types": {')
    lines.append(",\n".join("  %s: %s" % (d(k), d(v)) for k, v in p.types.items()))
    lines.append("},")
    lines.append('"programs": {')
    progs = []
    for name, prog in p.programs.items():
        body = ",\n".join("    " + d(x) for x in prog["procedures"])
        progs.append('  %s: {"number": %d, "version": %d, "procedures": [\n%s\n  ]}'
                     % (d(name), prog["number"], prog["version"], body))
    lines.append(",\n".join(progs))
    lines.append("}")
    lines.append("}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
