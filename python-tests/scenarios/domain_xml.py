"""Domain XML round trips: every document of corpus/domain/ is defined and
formatted back (XMLDesc with no flag, INACTIVE and SECURE), then started
with createXML and formatted live; every document of corpus/domain/invalid/
must be refused with the same error."""
import os

from differential import *  # noqa: F401,F403

CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "corpus", "domain")


def corpus(sub=""):
    d = os.path.join(CORPUS, sub)
    return sorted(f[:-4] for f in os.listdir(d) if f.endswith(".xml"))


def read(name, sub=""):
    with open(os.path.join(CORPUS, sub, name + ".xml")) as f:
        return f.read()


def round_trip(libvirt, xml):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXML(xml)
    try:
        r = {
            "xml": d.XMLDesc(0),
            "inactive": d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
            "secure": d.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE),
        }
    finally:
        d.undefine()
    t = c.createXML(xml, 0)
    try:
        r["live"] = t.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
        r["live_inactive"] = t.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        t.destroy()
    return r


def refused(libvirt, xml):
    quiet(libvirt)
    c = libvirt.open(URI)

    def attempt(fn, *args):
        r = call(fn, *args)
        if hasattr(r, "name"):  # accepted after all: clean up, report it
            name = r.name()
            call(r.destroy)
            call(r.undefine)
            return ["accepted", name]
        return r
    return [attempt(c.defineXML, xml), attempt(c.createXML, xml, 0), c.numOfDefinedDomains()]


# Known differences, each the precise reason.
XML_GAPS = {}


def _register():
    for name in corpus():
        def f(libvirt, name=name):
            return round_trip(libvirt, read(name))
        f.__name__ = "domain_xml_" + name
        scenario(f, xfail=XML_GAPS.get(name))
    for name in corpus("invalid"):
        def g(libvirt, name=name):
            return refused(libvirt, read(name, "invalid"))
        g.__name__ = "domain_xml_invalid_" + name
        scenario(g, xfail=XML_GAPS.get(name))


_register()
