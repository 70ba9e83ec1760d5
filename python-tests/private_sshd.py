"""A private sshd for the ssh transport's tests: its own configuration,
host key, client key, pid file and log under a temporary directory,
listening on a free loopback port, accepting root with the generated key
only.  The system sshd (if any) is never touched.

Layout of the temporary directory:
  sshd_config, host_key, sshd.pid, sshd.log
  client_key    the key authorized for root (client_key.pub)
  other_key     a key sshd does not accept
  known_hosts   the right host key for [127.0.0.1]:PORT
  bad_hosts     another key for [127.0.0.1]:PORT
  bin/ssh       wrapper logging its arguments and environment names to
                argv.log, then running ssh with no user configuration and
                a known hosts file of the test (bin/ssh-badhost uses
                bad_hosts, bin/ssh-goodhost known_hosts, bin/ssh the
                scratch file seen_hosts)
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from private_daemon import _free_port, _run, _template, PrivateDaemon

SSHD = "/usr/sbin/sshd"
TOOLS = [SSHD, "ssh", "ssh-keygen"]

WRAPPER = """#!%(python)s
import json, os, sys
with open(%(log)r, "a") as f:
    f.write(json.dumps({"prog": os.path.basename(sys.argv[0]), "argv": sys.argv[1:],
                        "env": dict(os.environ)}) + "\\n")
os.execv(%(ssh)r, ["ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=%(hosts)s",
                   "-o", "GlobalKnownHostsFile=/dev/null"] + sys.argv[1:])
"""


class PrivateSshd:
    """Call start(); None from start() means it is up, else the reason."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vrs-ssh-")
        self.port = _free_port()
        self.proc = None

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _keys(self):
        for name in ("host_key", "client_key", "other_key", "other_host_key"):
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "virt-rs-test", "-f", self.path(name)])
        shutil.copy(self.path("client_key.pub"), self.path("authorized_keys"))
        for hosts, key in (("known_hosts", "host_key"), ("bad_hosts", "other_host_key")):
            pub = open(self.path(key + ".pub")).read().split()[:2]
            _template(self.path(hosts), ["[127.0.0.1]:%d %s" % (self.port, " ".join(pub))])
        _template(self.path("seen_hosts"), [])

    def _wrappers(self):
        os.makedirs(self.path("bin"))
        ssh = shutil.which("ssh")
        for name, hosts in (("ssh", "seen_hosts"), ("ssh-goodhost", "known_hosts"), ("ssh-badhost", "bad_hosts")):
            p = self.path("bin", name)
            with open(p, "w") as f:
                f.write(WRAPPER % {"python": sys.executable, "log": self.path("argv.log"), "ssh": ssh,
                                   "hosts": self.path(hosts)})
            os.chmod(p, 0o755)

    def start(self, timeout=10):
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            return "missing tools: " + ", ".join(missing)
        try:
            self._keys()
            self._wrappers()
            _template(self.path("sshd_config"), [
                "ListenAddress 127.0.0.1", "Port %d" % self.port, "HostKey " + self.path("host_key"),
                "PidFile " + self.path("sshd.pid"), "AuthorizedKeysFile " + self.path("authorized_keys"),
                "PermitRootLogin prohibit-password", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "LogLevel VERBOSE",
                # quicker handshakes on a busy machine
                "KexAlgorithms curve25519-sha256", "UseDNS no",
            ])
            # sshd wants its privilege separation folder
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        except (OSError, subprocess.CalledProcessError) as e:
            return "cannot prepare the private sshd: %s" % e
        self.proc = subprocess.Popen([SSHD, "-D", "-f", self.path("sshd_config"), "-E", self.path("sshd.log")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                log = open(self.path("sshd.log")).read() if os.path.exists(self.path("sshd.log")) else ""
                return "the private sshd exited: " + log[-500:]
            if PrivateDaemon._listening(self.port):
                return None
            time.sleep(0.05)
        self.stop()
        return "the private sshd did not listen within %ds" % timeout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
