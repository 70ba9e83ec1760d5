"""A private libvirtd for the TLS and SASL tests: run as the unprivileged
user ``nobody`` with its own configuration, sockets, pid file and XDG
folders under a temporary directory, listening on loopback only (TLS and
TCP on free ports), with certificates made by certtool and a SASL user
database made by saslpasswd2.  The system daemon is never touched.

Layout of the temporary directory:
  pki/        client credentials (cacert.pem, clientcert.pem, private key)
  pki-bad/    a client signed by another CA (and that CA's certificate)
  pki-nokey/  like pki/ without the client key
  server/     the daemon's certificate, key and CA
  sasl/       libvirt.conf (mech_list) and passwd.db
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

USER = "vrsuser"
PASSWORD = "s3cret"
TOOLS = ["libvirtd", "certtool", "saslpasswd2"]


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def _template(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _key(path):
    _run(["certtool", "--generate-privkey", "--key-type", "rsa", "--bits", "2048", "--outfile", path])


def _ca(d, name):
    key, cert, tpl = (os.path.join(d, n) for n in ("cakey.pem", "cacert.pem", "ca.info"))
    _key(key)
    _template(tpl, ["cn = %s" % name, "ca", "cert_signing_key", "expiration_days = 30"])
    _run(["certtool", "--generate-self-signed", "--load-privkey", key, "--template", tpl, "--outfile", cert])
    return key, cert


def _leaf(d, ca_key, ca_cert, stem, lines):
    key, cert, tpl = (os.path.join(d, n) for n in (stem + "key.pem", stem + "cert.pem", stem + ".info"))
    _key(key)
    _template(tpl, lines + ["encryption_key", "signing_key", "expiration_days = 30"])
    _run(["certtool", "--generate-certificate", "--load-privkey", key, "--load-ca-certificate", ca_cert,
          "--load-ca-privkey", ca_key, "--template", tpl, "--outfile", cert])
    return key, cert


def _client_dir(path, ca_cert, key, cert):
    os.makedirs(os.path.join(path, "private"))
    shutil.copy(ca_cert, os.path.join(path, "cacert.pem"))
    shutil.copy(cert, os.path.join(path, "clientcert.pem"))
    if key:
        shutil.copy(key, os.path.join(path, "private", "clientkey.pem"))
        # libvirt's client reads the key from pkipath directly too
        shutil.copy(key, os.path.join(path, "clientkey.pem"))


class PrivateDaemon:
    """Call start(); None from start() means it is up, else the reason."""

    def __init__(self, mechs="scram-sha-256 digest-md5"):
        self.mechs = mechs
        self.dir = tempfile.mkdtemp(prefix="vrs-tls-")
        self.proc = None
        self.tls_port = _free_port()
        self.tcp_port = _free_port()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _make_pki(self):
        d = self.path("work")
        os.makedirs(d)
        ca_key, ca_cert = _ca(d, "virt-rs test CA")
        s_key, s_cert = _leaf(d, ca_key, ca_cert, "server",
                              ["organization = virt-rs", "cn = localhost", "dns_name = localhost", "tls_www_server"])
        c_key, c_cert = _leaf(d, ca_key, ca_cert, "client",
                              ["organization = virt-rs", "cn = client", "tls_www_client"])
        other = self.path("other")
        os.makedirs(other)
        o_key, o_cert = _ca(other, "another CA")
        b_key, b_cert = _leaf(other, o_key, o_cert, "client",
                              ["organization = virt-rs", "cn = client", "tls_www_client"])
        os.makedirs(self.path("server"))
        for src, dst in ((ca_cert, "cacert.pem"), (s_cert, "servercert.pem"), (s_key, "serverkey.pem")):
            shutil.copy(src, self.path("server", dst))
        _client_dir(self.path("pki"), ca_cert, c_key, c_cert)
        _client_dir(self.path("pki-nokey"), ca_cert, None, c_cert)
        _client_dir(self.path("pki-bad"), o_cert, b_key, b_cert)
        _client_dir(self.path("pki-badclient"), ca_cert, b_key, b_cert)
        os.makedirs(self.path("pki-empty"))

    def _make_sasl(self):
        os.makedirs(self.path("sasl"))
        db = self.path("sasl", "passwd.db")
        _template(self.path("sasl", "libvirt.conf"),
                  ["mech_list: " + self.mechs, "sasldb_path: " + db])
        subprocess.run(["saslpasswd2", "-a", "libvirt", "-f", db, "-c", USER], input=PASSWORD.encode(),
                       check=True, capture_output=True)

    def _make_conf(self):
        for d in ("run", "home", "config", "cache"):
            os.makedirs(self.path(d))
        server = self.path("server")
        _template(self.path("libvirtd.conf"), [
            'listen_tls = 1', 'listen_tcp = 1', 'listen_addr = "127.0.0.1"',
            'tls_port = "%d"' % self.tls_port, 'tcp_port = "%d"' % self.tcp_port,
            'auth_tls = "sasl"', 'auth_tcp = "sasl"', 'auth_unix_rw = "none"',
            'unix_sock_dir = "%s"' % self.path("run"),
            'key_file = "%s/serverkey.pem"' % server, 'cert_file = "%s/servercert.pem"' % server,
            'ca_file = "%s/cacert.pem"' % server,
            'log_outputs = "3:file:%s"' % self.path("libvirtd.log"),
        ])

    def start(self, timeout=15):
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            return "missing tools: " + ", ".join(missing)
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            return "no user 'nobody' to run the private daemon as"
        try:
            self._make_pki()
            self._make_sasl()
            self._make_conf()
        except (OSError, subprocess.CalledProcessError) as e:
            return "cannot prepare the private daemon: %s" % e
        for root, dirs, files in os.walk(self.dir):
            for n in dirs + files:
                os.chown(os.path.join(root, n), nobody.pw_uid, nobody.pw_gid)
        os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.path("home"),
               "XDG_RUNTIME_DIR": self.path("run"), "XDG_CONFIG_HOME": self.path("config"),
               "XDG_CACHE_HOME": self.path("cache"), "SASL_CONF_PATH": self.path("sasl")}
        args = ["libvirtd", "--listen", "--config", self.path("libvirtd.conf"),
                "--pid-file", self.path("libvirtd.pid"), "--timeout", "120"]

        def demote():
            os.setgid(nobody.pw_gid)
            os.setgroups([])
            os.setuid(nobody.pw_uid)

        self.proc = subprocess.Popen(args, env=env, preexec_fn=demote, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=open(self.path("stderr"), "w"))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return "the private daemon exited: " + open(self.path("stderr")).read()[-500:]
            if all(self._listening(p) for p in (self.tls_port, self.tcp_port)):
                return None
            time.sleep(0.1)
        self.stop()
        return "the private daemon did not listen within %ds" % timeout

    @staticmethod
    def _listening(port):
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False
        finally:
            s.close()

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


if __name__ == "__main__":
    d = PrivateDaemon()
    print(d.start() or "up", d.dir, d.tls_port, d.tcp_port)
