#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from the test suites' XML documents
(python-tests/corpus/<document>/*.xml) into fuzz/seeds/<target>/: for the
`documents` target each seed is prefixed with the byte that selects its
parser (see src/fuzzing.rs), and every document also seeds `xml`."""
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
            count += 1
    print(f"fuzz seeds: {count} documents")


if __name__ == "__main__":
    main()
