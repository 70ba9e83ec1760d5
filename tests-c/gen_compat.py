#!/usr/bin/env python3
"""Header-compatibility checks between our include/ and libvirt's reference headers.

  gen_compat.py gen DIR     write DIR/layout.c, DIR/values.c (built once per
                            header set, outputs diffed by the Makefile) and
                            DIR/protos.c (reference headers + our declarations)
  gen_compat.py names CC OUR_INCLUDE_DIR
                            compare the sets of public names (macros, enum
                            constants, typedefs, functions, variables) that the
                            two header sets declare; fails on names missing in ours

Everything is derived from api/*.json; the declarations for protos.c are taken
verbatim from our generated headers.
"""
import glob
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS = ["libvirt", "libvirt-qemu", "libvirt-lxc", "libvirt-admin"]
# the reference libvirt.h does not include virterror.h
INCLUDES = "#define VIR_ENUM_SENTINELS\n" + "".join(
    f"#include <libvirt/{h}.h>\n" for h in LIBS + ["virterror"])
PRELUDE = "#include <stdio.h>\n#include <stddef.h>\n#include <string.h>\n" + INCLUDES

# Function-like macros are only checked for existence, except these, which are
# also evaluated on sample arguments: name -> list of argument lists.
MACRO_SAMPLES = {
    "LIBVIR_CHECK_VERSION": ["9, 0, 0", "9, 0, 1", "8, 999, 999"],
    "VIR_CPU_MAPLEN": ["1", "8", "9", "17"],
    "VIR_CPU_USED": ["cpumap, 3", "cpumap, 4"],
    "VIR_CPU_USABLE": ["cpumap, 1, 0, 3", "cpumap, 1, 0, 4"],
    "VIR_NODEINFO_MAXCPUS": ["nodeinfo"],
}

# Reference-only macros we deliberately do not require (see report_missing).
MACRO_EXCLUDES = {
    "VIR_DEPRECATED": "attribute helper used inside the reference headers, not API",
    "VIR_EXPORT_VAR": "storage-class helper for virConnectAuthPtrDefault, not API",
}
NAME_RE = re.compile(r"^_?(VIR_|LIBVIR_|vir)")


def load_spec():
    spec = {}
    for lib in LIBS:
        with open(os.path.join(REPO, "api", lib + ".json")) as f:
            for key, items in json.load(f).items():
                if isinstance(items, list) and key not in ("headers", "version_nodes"):
                    spec.setdefault(key, []).extend(items)
    return spec


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_layout(spec):
    out = [PRELUDE, "int main(void)\n{"]
    for s in sorted(spec["structs"], key=lambda s: s["name"]):
        t = s["name"]
        if not s.get("fields"):  # opaque: only the typedef has to exist
            out.append(f'    printf("%s opaque, pointer size %zu\\n", "{t}", sizeof({t} *));')
            continue
        out.append(f'    printf("%s size %zu align %zu\\n", "{t}", sizeof({t}), _Alignof({t}));')
        out.append(f'    printf("%s size %zu\\n", "struct {s["tag"]}", sizeof(struct {s["tag"]}));')
        members = []
        for f in s["fields"]:
            members.append(f["name"])
            members += [f'{f["name"]}.{m}' for m, _ in f.get("union", [])]
        for m in members:
            out.append(f'    printf("%s.%s offset %zu size %zu\\n", "{t}", "{m}", '
                       f'offsetof({t}, {m}), sizeof((({t} *)0)->{m}));')
    out.append("    return 0;\n}\n")
    return "\n".join(out)


def gen_values(spec):
    out = [PRELUDE, "#define STR(x) #x\n#define XSTR(x) STR(x)\n",
           "int main(void)\n{",
           "    unsigned char cpumap[2] = { 0x08, 0x00 };",
           "    virNodeInfo nodeinfo = { .nodes = 2, .sockets = 3, .cores = 4, .threads = 5 };",
           "    (void)cpumap; (void)nodeinfo;"]
    for e in sorted(spec["enums"], key=lambda e: e["name"]):
        out.append(f'    printf("%s = %lld\\n", "{e["name"]}", (long long){e["name"]});')
    for t in sorted(spec["enum_types"], key=lambda t: t["name"]):
        n = t["name"]
        out.append(f'    printf("enum %s size %zu signed %d\\n", "{n}", sizeof({n}), (long long)({n})-1 < 0);')
    for m in sorted(spec["macros"], key=lambda m: m["name"]):
        n = m["name"]
        if "string" in m:  # "" n "" only compiles if n is a string literal
            out.append(f'    printf("%s = \\"%s\\"\\n", "{n}", "" {n} "");')
        elif "params" in m:
            out.append(f'#ifdef {n}\n    puts("{n}() defined");\n#else\n'
                       f'    puts("{n}() MISSING");\n#endif')
            for args in MACRO_SAMPLES.get(n, []):
                out.append(f'    printf("%s(%s) = %lld\\n", "{n}", {c_str(args)}, '
                           f'(long long)({n}({args})));')
        elif re.fullmatch(r"_vir\w+", m["raw"]):  # struct tag alias
            out.append(f'    printf("%s -> %s\\n", "{n}", XSTR({n}));')
        else:
            out.append(f'    printf("%s = %lld (size %zu)\\n", "{n}", (long long)({n}), sizeof({n}));')
    out.append("    return 0;\n}\n")
    return "\n".join(out)


def our_declarations():
    """One-line prototypes and typedefs (struct aliases, callbacks) from our headers."""
    protos, typedefs, variables = [], [], []
    for path in sorted(glob.glob(os.path.join(REPO, "include", "libvirt", "*.h"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("typedef") and line.endswith(";") and "{" not in line:
                    typedefs.append(line)
                elif line.startswith("extern ") and line.endswith(";") and "(" not in line:
                    variables.append(line)
                elif line.endswith(");") and not line.startswith(("typedef", "#", "/", "*")):
                    protos.append(line)
    return protos, typedefs, variables


def gen_protos(spec):
    protos, typedefs, variables = our_declarations()
    nfuncs = len(spec["functions"])
    if len(protos) != nfuncs:
        sys.exit(f"gen_compat: found {len(protos)} prototypes in include/, spec has {nfuncs}")
    out = ["/* Reference headers first, then every declaration exactly as our",
           " * headers spell it: any conflicting type is a hard C error. */",
           INCLUDES,
           f"/* {len(typedefs)} typedefs (identical redefinition is valid C11) */",
           *typedefs, "",
           f"/* {len(variables)} variables */", *variables, "",
           f"/* {len(protos)} functions */", *protos, ""]
    return "\n".join(out)


# --- name-set comparison -----------------------------------------------------

def preprocess(cc, incdirs, *flags):
    cmd = [cc, "-E", *flags, *[f"-I{d}" for d in incdirs], "-x", "c", "-"]
    return subprocess.run(cmd, input=INCLUDES, capture_output=True, text=True, check=True).stdout


def public_names(cc, incdirs):
    names = {"macro": set(), "enum constant": set(), "typedef": set(),
             "function": set(), "variable": set()}
    for line in preprocess(cc, incdirs, "-dM").splitlines():
        m = re.match(r"#define (\w+)", line)
        if m and NAME_RE.match(m.group(1)):
            names["macro"].add(m.group(1))
    # keep only code coming from libvirt/ headers, as one whitespace-normalised string
    keep, text = False, []
    for line in preprocess(cc, incdirs).splitlines():
        m = re.match(r'# \d+ "([^"]*)"', line)
        if m:
            keep = "/libvirt/" in m.group(1)
        elif keep:
            text.append(line)
    text = " ".join(" ".join(text).split())
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text):
        for item in body.split(","):
            if item.strip():
                names["enum constant"].add(re.match(r"\s*(\w+)", item).group(1))
    # split into top-level declarations
    depth, start, decls = 0, 0, []
    for i, ch in enumerate(text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == ";" and depth == 0:
            decls.append(text[start:i].strip())
            start = i + 1
    for d in decls:
        if d.startswith(("struct", "union", "enum")):
            continue  # tagged definitions: members are compared by layout.c
        if d.startswith("typedef"):
            m = re.search(r"\(\s*\*\s*(\w+)\s*\)", d) or re.search(r"(\w+)\s*(\[[^]]*\])?$", d)
            names["typedef"].add(m.group(1))
        elif d.startswith("extern") and "(" not in d:
            names["variable"].add(re.search(r"(\w+)$", d).group(1))
        elif "(" in d:
            m = re.search(r"(\w+)\s*\(", d)
            if not m:
                sys.exit(f"gen_compat: cannot parse declaration: {d}")
            names["function"].add(m.group(1))
    return names


def check_names(cc, ours):
    ref = public_names(cc, [])
    our = public_names(cc, [ours])
    missing_total = 0
    for kind in ref:
        missing = sorted(ref[kind] - our[kind] - (set(MACRO_EXCLUDES) if kind == "macro" else set()))
        extra = sorted(our[kind] - ref[kind])
        print(f"{kind}s: reference {len(ref[kind])}, ours {len(our[kind])}, "
              f"missing in ours {len(missing)}, only in ours {len(extra)}")
        for n in missing:
            print(f"  MISSING {kind} {n}")
        for n in extra:
            print(f"  extra {kind} {n} (not in the reference; not fatal)")
        missing_total += len(missing)
    for n, why in MACRO_EXCLUDES.items():
        state = "absent from ours" if n not in our["macro"] else "present in ours"
        print(f"  excluded macro {n}: {why} ({state})")
    print("  (include guards such as LIBVIRT_H are outside the VIR_/LIBVIR_/vir name space "
          "and not compared)")
    return missing_total == 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        spec = load_spec()
        os.makedirs(sys.argv[2], exist_ok=True)
        for name, gen in (("layout", gen_layout), ("values", gen_values), ("protos", gen_protos)):
            with open(os.path.join(sys.argv[2], name + ".c"), "w") as f:
                f.write(gen(spec))
    elif len(sys.argv) == 4 and sys.argv[1] == "names":
        sys.exit(0 if check_names(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
