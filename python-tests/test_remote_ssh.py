"""The ssh transport against a private sshd on loopback (see
private_sshd.py), going through to the system libvirtd's socket (the
test:///default driver, left as found).  Each scenario runs in a child
once with real libvirt's client and once with ours: results, errors and
the ssh command lines both libraries spawn (logged by the ssh wrappers in
the sshd's bin/ folder, first on PATH) must be identical.  Skipped when
not root (the sshd logs in as root) or when sshd is missing.
"""
import json
import os
import subprocess
import sys

try:
    import pytest
except ImportError:  # the scenario runner child needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential as D  # noqa: E402
import private_sshd  # noqa: E402

SCENARIOS = {}
# set in the child: the sshd's folder and port
ENV = {}


def scenario(f):
    SCENARIOS[f.__name__] = f
    return f


def uri(key="client_key", user="root@", port=None, extra="&no_verify=1"):
    return "test+ssh://%s127.0.0.1:%d/default?keyfile=%s/%s&no_tty=1%s" % (
        user, port or ENV["port"], ENV["dir"], key, extra)


def spawned():
    """The ssh programs started since the last look: name, arguments and
    environment."""
    p = os.path.join(ENV["dir"], "argv.log")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        recs = [json.loads(line) for line in f]
    os.unlink(p)
    return [[r["prog"], r["argv"], r["env"]] for r in recs]


def summary(c):
    # other tests may define domains in the shared daemon meanwhile
    out = [c.getType(), c.isSecure(), c.isEncrypted(), c.getURI(), "test" in [d.name() for d in c.listAllDomains()]]
    return out + [c.close()]


def attempt(libvirt, u, readonly=False):
    """Open, summarise and close; the outcome and the ssh command lines."""
    opener = libvirt.openReadOnly if readonly else libvirt.open
    return [D.call(lambda: summary(opener(u))), spawned()]


@scenario
def ssh_default(libvirt):
    D.quiet(libvirt)
    return [attempt(libvirt, uri()), attempt(libvirt, uri(user=""))]


@scenario
def ssh_readonly(libvirt):
    D.quiet(libvirt)
    return [attempt(libvirt, uri(extra="&no_verify=1" + p), readonly=True)
            for p in ("", "&proxy=netcat")]


@scenario
def ssh_proxy_modes(libvirt):
    D.quiet(libvirt)
    return [attempt(libvirt, uri(extra="&no_verify=1" + p))
            for p in ("&proxy=netcat", "&proxy=native", "&proxy=auto&netcat=nc", "&proxy=native&netcat=nc",
                      "&proxy=bogus", "&proxy=", "&proxy=NATIVE", "&mode=direct", "&mode=bogus&proxy=bogus")]


@scenario
def ssh_socket(libvirt):
    D.quiet(libvirt)
    sock = "&socket=/var/run/libvirt/libvirt-sock"
    return [attempt(libvirt, uri(extra="&no_verify=1" + p))
            for p in (sock, "&socket=/nonexistent&proxy=netcat")]


@scenario
def ssh_command(libvirt):
    """command= names the ssh program: known hosts right, wrong, and none."""
    D.quiet(libvirt)
    return [attempt(libvirt, uri(extra=p))
            for p in ("&command=ssh-goodhost&known_hosts=%s/bad_hosts&sshauth=agent" % ENV["dir"],
                      "&command=ssh-badhost", "&command=/nonexistent/ssh")]


@scenario
def ssh_errors(libvirt):
    """A key sshd refuses, no sshd at the port, a netcat that fails or does
    not exist on the server."""
    D.quiet(libvirt)
    return [attempt(libvirt, u) for u in (
        uri(key="other_key"), uri(port=1), uri(extra="&no_verify=1&netcat=/nonexistent/nc"),
        uri(extra="&no_verify=1&proxy=netcat&netcat=true"))]


XML = D.small_xml(name="vrs-ssh-traffic", uuid="5a5b0000-0000-4000-8000-00000000e55e")


@scenario
def ssh_traffic(libvirt):
    """Calls, a big message both ways and threads through the ssh pipe."""
    import threading
    D.quiet(libvirt)
    c = libvirt.open(uri())
    d = c.defineXML(XML)
    out = [len(c.getCapabilities()) > 1000, d.name(), d.create(), d.info()[:2], d.destroy(), d.undefine()]
    xml = XML.replace("</name>", "</name><description>%s</description>" % ("x" * 200000), 1)
    d = c.defineXML(xml)
    out += [len(d.XMLDesc()) > 200000, d.undefine()]
    results = []

    def work():
        for _ in range(10):
            results.append("test" in [d.name() for d in c.listAllDomains()])

    ts = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return out + [sorted(set(results)), len(results), c.close(), spawned()]


XFAIL = {}


def run(libdir, sshd):
    """{name: result} of SCENARIOS run in a child with this library."""
    env = D.library_env(libdir)
    # what the ssh program inherits is compared too
    for k in ("USER", "LOGNAME", "TERM", "DISPLAY", "SSH_AUTH_SOCK", "TZ"):
        env[k] = "vrs-" + k
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", TMPDIR="/tmp")
    env["PATH"] = sshd.path("bin") + ":" + env.get("PATH", "/usr/bin:/bin")
    env["VRS_SSHD"] = json.dumps({"dir": sshd.dir, "port": sshd.port})
    return D.run_script(__file__, SCENARIOS, env, 120, stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    ENV.update(json.loads(os.environ["VRS_SSHD"]))
    D.SCENARIOS.clear()
    D.SCENARIOS.update(SCENARIOS)
    D.run_scenarios(sys.argv[1], list(SCENARIOS))
    sys.exit(0)


@pytest.fixture(scope="module")
def sshd():
    if os.geteuid() != 0:
        pytest.skip("the private sshd lets root in with a generated key, which needs root")
    if not os.path.exists("/var/run/libvirt/libvirt-sock"):
        pytest.skip("no system libvirtd socket to reach through ssh")
    d = private_sshd.PrivateSshd()
    try:
        why = d.start()
        if why:
            pytest.skip(why)
        yield d
    finally:
        d.stop()


_CACHE = {}


def _results(which, libdir, sshd):
    if which not in _CACHE:
        _CACHE[which] = run(libdir if which == "ours" else None, sshd)
    return _CACHE[which]


def _params():
    for name in SCENARIOS:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_params()))
def test_ssh_same_as_real(name, libdir, sshd):
    real = _results("real", libdir, sshd)[name]
    ours = _results("ours", libdir, sshd)[name]
    assert ours == real, "\nreal: %s\nours: %s" % (json.dumps(real), json.dumps(ours))
