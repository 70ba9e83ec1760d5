#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from the test suites' XML documents
(python-tests/corpus/<document>/*.xml) into fuzz/seeds/<target>/: for the
`documents` target each seed is prefixed with the byte that selects its
parser (see src/fuzzing.rs), and every document also seeds `xml`. The
`node_file` target gets node documents holding each object document, inline
and by reference (node document, NUL, referenced document), and a few node
documents of its own (<cpu>, <memory>, the test: domain namespace)."""
import hashlib
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# corpus directory -> selector byte of fuzzing::documents
SELECTORS = {"network": 0, "interface": 1, "nodedev": 2, "storage_pool": 3, "storage_vol": 4,
             "secret": 5, "nwfilter": 6, "domain": 7, "domainsnapshot": 128 + 8, "domaincheckpoint": 128 + 9}


def put(target, data):
    d = os.path.join(ROOT, "fuzz", "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


# corpus directory -> element of a node document
NODE_ELEMENTS = {"domain": "domain", "network": "network", "interface": "interface", "nodedev": "device",
                 "storage_pool": "pool"}

NODE_SEEDS = [
    b"<node/>",
    b"<node><cpu><nodes>2</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads>"
    b"<active>6</active><mhz>2000</mhz><model>seed</model></cpu><memory>1048576</memory></node>",
    b"<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><domain type='test'><name>s</name>"
    b"<memory>1024</memory><os><type>hvm</type></os><test:runstate>5</test:runstate>"
    b"<test:hasmanagedsave/></domain></node>",
    b"<node><pool type='dir'><name>p</name><target><path>/p</path></target><volume file='v.xml'/>"
    b"<volume><name>w</name><capacity>1</capacity></volume></pool></node>\0"
    b"<volume><name>v</name><capacity>5</capacity></volume>",
]


def strip_declaration(data):
    if data.startswith(b"<?xml"):
        end = data.find(b"?>")
        return data[end + 2:] if end >= 0 else data
    return data


def main():
    corpus = os.path.join(ROOT, "python-tests", "corpus")
    count = 0
    for doc in sorted(os.listdir(corpus)):
        folder = os.path.join(corpus, doc)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if not name.endswith(".xml"):
                continue
            data = open(os.path.join(folder, name), "rb").read()
            put("xml", data)
            if doc in SELECTORS:
                put("documents", bytes([SELECTORS[doc]]) + data)
            if doc in NODE_ELEMENTS:
                el = NODE_ELEMENTS[doc].encode()
                put("node_file", b"<node>" + strip_declaration(data) + b"</node>")
                put("node_file", b"<node><" + el + b" file='ref.xml'/></node>\0" + data)
            count += 1
    for seed in NODE_SEEDS:
        put("node_file", seed)
    print(f"fuzz seeds: {count} documents")


if __name__ == "__main__":
    main()
