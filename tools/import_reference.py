#!/usr/bin/env python3
"""One-off importer: reads the *facts* (names, C types, values, version nodes)
from an installed reference API description and writes our own spec files in
api/.  No descriptive text is carried over; descriptions live in api/docs.
After the import, api/*.json is the source of truth and this tool is only
needed to re-check facts against a newer reference."""
import json
import re
import sys
import xml.etree.ElementTree as ET

REF = "/usr/share/libvirt/api"
ABI = "../shared/abi"

HEADER_ORDER = {
    "libvirt": ["libvirt-common", "libvirt-host", "libvirt-domain",
                "libvirt-domain-checkpoint", "libvirt-domain-snapshot",
                "libvirt-event", "libvirt-interface", "libvirt-network",
                "libvirt-nodedev", "libvirt-nwfilter", "libvirt-secret",
                "libvirt-storage", "libvirt-stream", "virterror"],
    "libvirt-qemu": ["libvirt-qemu"],
    "libvirt-lxc": ["libvirt-lxc"],
    "libvirt-admin": ["libvirt-admin"],
}


def load_nodes(lib):
    nodes, parents, kinds = {}, {}, {}
    order = []
    with open(f"{ABI}/{lib}.syms.tsv") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            node, parent, sym, kind = line.rstrip("\n").split("\t")
            nodes[sym] = node
            kinds[sym] = kind
            if node not in parents:
                order.append(node)
            parents[node] = None if parent == "-" else parent
    return nodes, [[n, parents[n]] for n in order], kinds


def args_of(el):
    return [[a.get("name"), a.get("type")] for a in el.findall("arg")]


def fields_of(el):
    out = []
    for fl in el.findall("field"):
        if fl.get("type") == "union":
            out.append({"name": fl.get("name"), "union": [
                [u.get("name"), u.get("type")] for u in fl.find("union").findall("field")]})
        else:
            out.append({"name": fl.get("name"), "type": fl.get("type")})
    return out


def main(lib):
    root = ET.parse(f"{REF}/{lib}-api.xml").getroot()
    nodes, node_list, kinds = load_nodes(lib)
    spec = {"library": lib, "headers": HEADER_ORDER[lib], "version_nodes": node_list,
            "functions": [], "functypes": [], "variables": [], "enums": [],
            "enum_types": [], "macros": [], "structs": [], "typedefs": []}
    syms = root.find("symbols")
    for el in syms:
        tag, name, file = el.tag, el.get("name"), el.get("file")
        since = el.get("version")
        if tag == "function":
            ret = el.find("return")
            spec["functions"].append({
                "name": name, "header": file, "since": since,
                "node": nodes.get(name), "ret": ret.get("type"), "args": args_of(el)})
        elif tag == "functype":
            ret = el.find("return")
            spec["functypes"].append({"name": name, "header": file, "since": since,
                                      "ret": ret.get("type"), "args": args_of(el)})
        elif tag == "variable":
            spec["variables"].append({"name": name, "header": file, "since": since,
                                      "type": el.get("type"), "node": nodes.get(name)})
        elif tag == "enum":
            spec["enums"].append({"name": name, "header": file, "since": since,
                                  "type": el.get("type"), "value": el.get("value")})
        elif tag == "macro":
            m = {"name": name, "header": file, "since": since}
            if el.get("string") is not None:
                m["string"] = el.get("string")
            else:
                if el.get("params"):
                    m["params"] = el.get("params").split(",")
                m["raw"] = el.get("raw")
            spec["macros"].append(m)
        elif tag == "struct":
            s = {"name": name, "header": file, "since": since,
                 "tag": el.get("type").replace("struct ", "")}
            fl = fields_of(el)
            if fl:
                s["fields"] = fl
            spec["structs"].append(s)
        elif tag == "typedef":
            t = el.get("type")
            if t == "enum":
                spec["enum_types"].append({"name": name, "header": file, "since": since})
            else:
                spec["typedefs"].append({"name": name, "header": file, "since": since, "type": t})
    missing = [s for s in nodes if kinds[s] == "func" and
               s not in {f["name"] for f in spec["functions"]}]
    if missing:
        print(f"{lib}: exported but not described: {missing}", file=sys.stderr)
    with open(f"api/{lib}.json", "w") as f:
        f.write(dump(spec))


def dump(spec):
    # one entry per line keeps diffs reviewable
    out = ["{"]
    keys = list(spec)
    for i, k in enumerate(keys):
        v = spec[k]
        sep = "," if i + 1 < len(keys) else ""
        if isinstance(v, list) and v and isinstance(v[0], (dict, list)):
            out.append(f' "{k}": [')
            out.extend("  " + json.dumps(e, ensure_ascii=False) + ("," if j + 1 < len(v) else "")
                       for j, e in enumerate(v))
            out.append(f" ]{sep}")
        else:
            out.append(f' "{k}": {json.dumps(v)}{sep}')
    out.append("}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    for lib in sys.argv[1:] or ["libvirt", "libvirt-qemu", "libvirt-lxc", "libvirt-admin"]:
        main(lib)
