"""The tls transport and SASL authentication against a private libvirtd
(see private_daemon.py: TLS and TCP on loopback ports, auth "sasl" with
SCRAM-SHA-256 and DIGEST-MD5, certificates made for the test).  Each
scenario runs in a child once with real libvirt's client and once with
ours; results and errors must agree.  Skipped when the daemon cannot be
started (no libvirtd, certtool or saslpasswd2).
"""
import json
import os
import sys

try:
    import pytest
except ImportError:  # the scenario runner child needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential as D  # noqa: E402
import private_daemon  # noqa: E402

SCENARIOS = {}
# set in the child: the daemon's folder and ports
ENV = {}


def scenario(f):
    SCENARIOS[f.__name__] = f
    return f


def tls_uri(pki="pki", host="localhost", port=None, extra=""):
    return "test+tls://%s:%d/default?pkipath=%s/%s%s" % (host, port or ENV["tls"], ENV["dir"], pki, extra)


def tcp_uri():
    return "test+tcp://localhost:%d/default" % ENV["tcp"]


def auth(libvirt, types=None, user=private_daemon.USER, password=private_daemon.PASSWORD, rc=0, log=None):
    """A virConnectAuth answering the user and password, recording the requests."""
    if types is None:
        types = [libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE]

    def cb(creds, _data):
        if log is not None:
            log.append([list(c[:4]) for c in creds])
        for c in creds:
            c[4] = {libvirt.VIR_CRED_AUTHNAME: user, libvirt.VIR_CRED_PASSPHRASE: password}.get(c[0], "")
        return rc

    return [types, cb, None]


def summary(c):
    out = [c.getType(), c.isSecure(), c.isEncrypted(), c.getURI(), sorted(d.name() for d in c.listAllDomains())]
    return out + [c.close()]


def open_auth(libvirt, uri, a):
    return D.call(lambda: summary(libvirt.openAuth(uri, a, 0)))


@scenario
def tls_sasl_scram(libvirt):
    D.quiet(libvirt)
    log = []
    return [open_auth(libvirt, tls_uri(), auth(libvirt, log=log)), log]


@scenario
def tls_sasl_wrong_password(libvirt):
    D.quiet(libvirt)
    return [open_auth(libvirt, tls_uri(), auth(libvirt, password="wrong")),
            open_auth(libvirt, tls_uri(), auth(libvirt, user="nobody-here"))]


@scenario
def tls_sasl_credentials(libvirt):
    D.quiet(libvirt)
    v = libvirt
    log = []
    return [D.call(lambda: summary(v.open(tls_uri()))),
            open_auth(v, tls_uri(), auth(v, types=[v.VIR_CRED_AUTHNAME])),
            open_auth(v, tls_uri(), auth(v, rc=-1)),
            open_auth(v, tls_uri(), auth(v, types=[v.VIR_CRED_PASSPHRASE, v.VIR_CRED_AUTHNAME], log=log)), log]


@scenario
def tls_certificate_errors(libvirt):
    D.quiet(libvirt)
    a = auth(libvirt)
    uris = [tls_uri("pki-empty"), tls_uri("pki-nokey"), tls_uri("pki-bad"), tls_uri("pki-bad", extra="&no_verify=1"),
            tls_uri("pki-badclient"), tls_uri("pki-badclient", port=1), tls_uri("pki-empty", port=1),
            tls_uri(port=1), tls_uri(port=ENV["tcp"])]
    return [open_auth(libvirt, u, a) for u in uris]


@scenario
def tls_host_name(libvirt):
    D.quiet(libvirt)
    a = auth(libvirt)
    return [open_auth(libvirt, tls_uri(host="127.0.0.1"), a),
            open_auth(libvirt, tls_uri(host="127.0.0.1", extra="&no_verify=1"), a)]


@scenario
def tls_traffic(libvirt):
    """Big replies, many calls and threads through the TLS session."""
    import threading
    D.quiet(libvirt)
    c = libvirt.openAuth(tls_uri(), auth(libvirt), 0)
    d = c.defineXML(D.small_xml())
    out = [len(c.getCapabilities()) > 1000, d.name(), d.create(), d.info()[:2], d.destroy(), d.undefine()]
    results = []

    def work():
        for _ in range(20):
            results.append(len(c.listAllDomains()))

    ts = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return out + [sorted(set(results)), len(results), big_messages(c), c.close()]


def big_messages(c):
    """A domain with a description far beyond one SASL packet, both ways."""
    xml = D.small_xml().replace("</name>", "</name><description>%s</description>" % ("x" * 200000), 1)
    d = c.defineXML(xml)
    return [len(d.XMLDesc()) > 200000, d.undefine()]


@scenario
def tcp_sasl(libvirt):
    D.quiet(libvirt)
    c = libvirt.openAuth(tcp_uri(), auth(libvirt), 0)
    return [open_auth(libvirt, tcp_uri(), auth(libvirt)), open_auth(libvirt, tcp_uri(), auth(libvirt, password="x")),
            big_messages(c), c.close()]


@scenario
def digest_md5_only(libvirt):
    """A daemon offering DIGEST-MD5 alone: plain authentication over TLS,
    the confidentiality layer over TCP."""
    D.quiet(libvirt)
    dig = ENV["digest"]
    tls = "test+tls://localhost:%d/default?pkipath=%s/pki" % (dig["tls"], dig["dir"])
    tcp = "test+tcp://localhost:%d/default" % dig["tcp"]
    return [open_auth(libvirt, u, auth(libvirt, password=p)) for u in (tls, tcp) for p in (private_daemon.PASSWORD, "x")]


XFAIL = {}


def run(libdir, daemons):
    """{name: result} of SCENARIOS run in a child with this library."""
    env = D.library_env(libdir)
    daemon, digest = daemons
    where = {"dir": daemon.dir, "tls": daemon.tls_port, "tcp": daemon.tcp_port,
             "digest": {"dir": digest.dir, "tls": digest.tls_port, "tcp": digest.tcp_port}}
    env["VRS_TLS_DAEMON"] = json.dumps(where)
    return D.run_script(__file__, SCENARIOS, env, 120)


if __name__ == "__main__":
    ENV.update(json.loads(os.environ["VRS_TLS_DAEMON"]))
    D.SCENARIOS.clear()
    D.SCENARIOS.update(SCENARIOS)
    D.run_scenarios(sys.argv[1], list(SCENARIOS))
    sys.exit(0)


@pytest.fixture(scope="module")
def daemon():
    """The main private daemon (SCRAM-SHA-256 and DIGEST-MD5) and one
    offering DIGEST-MD5 alone."""
    if os.geteuid() != 0:
        pytest.skip("the private daemon is started as user 'nobody', which needs root")
    ds = [private_daemon.PrivateDaemon(), private_daemon.PrivateDaemon("digest-md5")]
    try:
        for d in ds:
            why = d.start()
            if why:
                pytest.skip(why)
        yield ds
    finally:
        for d in ds:
            d.stop()


_CACHE = {}


def _results(which, libdir, daemon):
    if which not in _CACHE:
        _CACHE[which] = run(libdir if which == "ours" else None, daemon)
    return _CACHE[which]


def _params():
    for name in SCENARIOS:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_params()))
def test_tls_sasl_same_as_real(name, libdir, daemon):
    real = _results("real", libdir, daemon)[name]
    ours = _results("ours", libdir, daemon)[name]
    assert ours == real, "\nreal: %s\nours: %s" % (json.dumps(real), json.dumps(ours))
