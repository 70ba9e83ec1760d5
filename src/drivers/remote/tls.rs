//! The `tls` transport, the way libvirt's client does it: x509 credentials
//! from the `pkipath` folder or libvirt's default places, a check of our
//! own certificate against the CA before connecting, the handshake, the
//! server's certificate checked against the CA and the host name (only
//! warned about with `no_verify`), then the one byte the daemon sends
//! once it accepted our certificate.
//!
//! The RPC client reads and writes from different threads, which a TLS
//! session cannot share; a relay thread owns the session and exchanges
//! clear text with the client over a socket pair.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use openssl::error::ErrorStack;
use openssl::ssl::{
    ErrorCode, HandshakeError, Ssl, SslContext, SslFiletype, SslMethod, SslMode, SslStream, SslVerifyMode,
};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509StoreContext, X509VerifyResult, X509};
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::Path;

/// Where the client's credentials are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub ca: String,
    pub cert: String,
    pub key: String,
}

const SYSTEM_CA: &str = "/etc/pki/CA/cacert.pem";
const SYSTEM_CERT: &str = "/etc/pki/libvirt/clientcert.pem";
const SYSTEM_KEY: &str = "/etc/pki/libvirt/private/clientkey.pem";

impl Credentials {
    /// libvirt's places: every file in `pkipath` when given; else, for an
    /// unprivileged user, each file of `~/.pki/libvirt` that exists, the
    /// system's otherwise.
    pub fn locate(pkipath: Option<&str>, unprivileged: bool) -> Credentials {
        if let Some(p) = pkipath {
            return Credentials {
                ca: format!("{p}/cacert.pem"),
                cert: format!("{p}/clientcert.pem"),
                key: format!("{p}/clientkey.pem"),
            };
        }
        let home = std::env::var("HOME").unwrap_or_default();
        let pick = |user: &str, system: &str| {
            let user = format!("{home}/.pki/libvirt/{user}");
            if unprivileged && Path::new(&user).exists() {
                user
            } else {
                system.to_string()
            }
        };
        Credentials {
            ca: pick("cacert.pem", SYSTEM_CA),
            cert: pick("clientcert.pem", SYSTEM_CERT),
            key: pick("clientkey.pem", SYSTEM_KEY),
        }
    }

    /// Our own certificate and key, when both are there.
    fn own(&self) -> Option<(&str, &str)> {
        (Path::new(&self.cert).exists() && Path::new(&self.key).exists()).then_some((&self.cert, &self.key))
    }
}

fn rpc_system(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_SYSTEM_ERROR, detail)
}

fn auth_failed(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_AUTH_FAILED, detail)
}

/// OpenSSL's verification results (x509_vfy.h) that libvirt tells apart.
mod verify {
    pub const UNABLE_TO_GET_ISSUER_CERT: i32 = 2;
    pub const CERT_NOT_YET_VALID: i32 = 9;
    pub const CERT_HAS_EXPIRED: i32 = 10;
    pub const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
    pub const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
    pub const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
    pub const CERT_REVOKED: i32 = 23;
    pub const INVALID_CA: i32 = 24;
}

/// Why a certificate failed, in the words libvirt's client uses.
fn failure_reason(r: X509VerifyResult) -> &'static str {
    match r.as_raw() {
        verify::CERT_HAS_EXPIRED => "The certificate has expired.",
        verify::CERT_NOT_YET_VALID => "The certificate is not yet activated.",
        verify::CERT_REVOKED => "The certificate has been revoked.",
        verify::UNABLE_TO_GET_ISSUER_CERT
        | verify::UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | verify::DEPTH_ZERO_SELF_SIGNED_CERT
        | verify::SELF_SIGNED_CERT_IN_CHAIN => "The certificate hasn't got a known issuer.",
        verify::INVALID_CA => "The certificate issuer is not a CA",
        _ => "The certificate is not trusted.",
    }
}

fn read_pem(path: &str, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), format!("Cannot read {what} '{path}'"))
    })
}

/// libvirt's check of our own certificate against the CA list.
fn check_own_certificate(creds: &Credentials, ca_pem: &[u8]) -> Result<()> {
    let Some((cert_path, _)) = creds.own() else { return Ok(()) };
    let pem = read_pem(cert_path, "certificate")?;
    let cert = X509::from_pem(&pem).map_err(|_| rpc_system(format!("Unable to import certificate {cert_path}")))?;
    let cas = X509::stack_from_pem(ca_pem)
        .map_err(|_| rpc_system(format!("Unable to import CA certificate {}", creds.ca)))?;
    let verdict = (|| -> std::result::Result<X509VerifyResult, ErrorStack> {
        let mut store = X509StoreBuilder::new()?;
        for ca in cas {
            store.add_cert(ca)?;
        }
        let store = store.build();
        let chain = Stack::new()?;
        let mut ctx = X509StoreContext::new()?;
        ctx.init(&store, &cert, &chain, |c| c.verify_cert().map(|_| c.error()))
    })()
    .map_err(|e| rpc_system(format!("Unable to check certificate {cert_path}: {e}")))?;
    if verdict != X509VerifyResult::OK {
        return Err(rpc_system(format!(
            "Our own certificate {cert_path} failed validation against {}: {}",
            creds.ca,
            failure_reason(verdict)
        )));
    }
    Ok(())
}

fn context(creds: &Credentials) -> Result<SslContext> {
    let setup = || -> std::result::Result<SslContext, ErrorStack> {
        let mut b = SslContext::builder(SslMethod::tls_client())?;
        // the verdict is read after the handshake, as libvirt does
        b.set_verify(SslVerifyMode::NONE);
        b.set_mode(SslMode::ACCEPT_MOVING_WRITE_BUFFER | SslMode::ENABLE_PARTIAL_WRITE);
        b.set_ca_file(&creds.ca)?;
        if let Some((cert, key)) = creds.own() {
            b.set_certificate_chain_file(cert)?;
            b.set_private_key_file(key, SslFiletype::PEM)?;
        }
        Ok(b.build())
    };
    setup().map_err(|e| rpc_system(format!("Unable to load TLS credentials: {e}")))
}

/// The handshake failure, as libvirt words the ones it meets.
fn handshake_failed<S>(e: HandshakeError<S>) -> Error {
    let reason = match &e {
        HandshakeError::Failure(m) if m.error().code() == ErrorCode::SSL => "A TLS fatal alert has been received.",
        _ => "Error in the pull function.",
    };
    auth_failed(format!("TLS handshake failed {reason}"))
}

/// A TLS client ready to connect: libvirt builds it (reading the CA and
/// checking our own certificate) before opening the TCP connection.
pub struct TlsClient {
    ctx: SslContext,
}

impl TlsClient {
    pub fn new(creds: &Credentials) -> Result<TlsClient> {
        let ca_pem = read_pem(&creds.ca, "CA certificate")?;
        check_own_certificate(creds, &ca_pem)?;
        Ok(TlsClient { ctx: context(creds)? })
    }

    /// Runs the TLS client on a connected socket; the clear-text end of
    /// the relay for the RPC client.
    pub fn connect(&self, tcp: TcpStream, host: &str, no_verify: bool) -> Result<UnixStream> {
        connect(&self.ctx, tcp, host, no_verify)
    }
}

fn connect(ctx: &SslContext, tcp: TcpStream, host: &str, no_verify: bool) -> Result<UnixStream> {
    let mut ssl = Ssl::new(ctx).map_err(|e| rpc_system(format!("Unable to start TLS session: {e}")))?;
    let named = match host.parse::<IpAddr>() {
        Ok(ip) => ssl.param_mut().set_ip(ip),
        Err(_) => ssl.set_hostname(host).and_then(|_| ssl.param_mut().set_host(host)),
    };
    named.map_err(|e| rpc_system(format!("Unable to start TLS session: {e}")))?;
    let mut stream = ssl.connect(tcp).map_err(handshake_failed)?;
    if stream.ssl().verify_result() != X509VerifyResult::OK && !no_verify {
        return Err(auth_failed("Failed to verify peer's certificate"));
    }
    let mut confirmation = [0u8; 1];
    match stream.read(&mut confirmation) {
        Ok(1) if confirmation[0] == 1 => {}
        Ok(1) => {
            return Err(Error::with_detail(
                VIR_FROM_RPC,
                VIR_ERR_RPC,
                "server verification (of our certificate or IP address) failed",
            ))
        }
        _ => return Err(Error::system(VIR_FROM_RPC, libc::EIO, "Unable to read TLS confirmation")),
    }
    let (ours, theirs) = UnixStream::pair().map_err(|e| {
        Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), "Unable to create socket pair")
    })?;
    stream.get_ref().set_nonblocking(true).map_err(|e| {
        Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), "Unable to set non-blocking")
    })?;
    std::thread::Builder::new()
        .name("virt-rs-tls".into())
        .spawn(move || relay(stream, theirs))
        .map_err(|e| Error::internal(format!("cannot start the TLS relay: {e}")))?;
    Ok(ours)
}

/// Largest amount of clear text queued for the daemon before the relay
/// stops reading from the client.
const QUEUE_MAX: usize = 1 << 20;

/// Moves clear text between the client and the TLS session until either
/// side closes; then closes the other.
fn relay(mut tls: SslStream<TcpStream>, mut local: UnixStream) {
    let mut queued: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut local_open = true;
    loop {
        while !queued.is_empty() {
            match tls.ssl_write(&queued) {
                Ok(n) => drop(queued.drain(..n)),
                Err(e) if matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE) => break,
                Err(_) => return close(&local),
            }
        }
        if !local_open && queued.is_empty() {
            let _ = tls.shutdown();
            return close(&local);
        }
        loop {
            match tls.ssl_read(&mut buf) {
                Ok(0) => return close(&local),
                Ok(n) => {
                    if local.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
                Err(e) if matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE) => break,
                Err(_) => return close(&local),
            }
        }
        let want_local = local_open && queued.len() < QUEUE_MAX;
        let mut fds = [
            libc::pollfd {
                fd: tls.get_ref().as_raw_fd(),
                events: libc::POLLIN | if queued.is_empty() { 0 } else { libc::POLLOUT },
                revents: 0,
            },
            libc::pollfd { fd: local.as_raw_fd(), events: if want_local { libc::POLLIN } else { 0 }, revents: 0 },
        ];
        // SAFETY: fds is an array of two initialised pollfd structures.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if rc < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return close(&local);
        }
        if want_local && fds[1].revents != 0 {
            match local.read(&mut buf) {
                Ok(0) | Err(_) => local_open = false,
                Ok(n) => queued.extend_from_slice(&buf[..n]),
            }
        }
    }
}

fn close(local: &UnixStream) {
    let _ = local.shutdown(std::net::Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkipath_holds_every_file() {
        let c = Credentials::locate(Some("/p"), true);
        assert_eq!(c.ca, "/p/cacert.pem");
        assert_eq!(c.cert, "/p/clientcert.pem");
        assert_eq!(c.key, "/p/clientkey.pem");
    }

    #[test]
    fn privileged_uses_system_files() {
        let c = Credentials::locate(None, false);
        assert_eq!((c.ca.as_str(), c.cert.as_str(), c.key.as_str()), (SYSTEM_CA, SYSTEM_CERT, SYSTEM_KEY));
    }
}
