//! The `remote` driver: libvirt's RPC client. It serves URIs naming a
//! transport or a server (`test+unix:///default`, `qemu+ssh://h/system`)
//! and local URIs no in-process driver takes (`qemu:///system`), by
//! talking to a daemon (libvirtd or a per-driver daemon) over its socket.
//!
//! `protocol.json` is the wire protocol (from tools/import_protocol.py);
//! `generated.rs` (tools/gen_remote.py) holds the procedure numbers and the
//! glue of every slot with a mechanical layout; `hand.rs` the rest.

mod client;
#[cfg(test)]
mod client_tests;
mod close;
mod command;
mod domain_extra;
mod domain_queries;
mod domain_vcpus;
mod events;
#[rustfmt::skip]
mod generated;
mod frames;
mod hand;
mod host;
mod inbox;
mod nodedev;
mod reading;
mod sasl;
mod sasl_layer;
mod storage;
mod streams;
mod tls;
mod transport;
mod wire;

use crate::core::connect::Connect;
use crate::core::driver::{ConnectDriver, DriverTable, Open, OpenRequest};
use crate::core::error::{Error, Result};
use crate::core::events::EventQueue;
use crate::generated::consts::*;
use crate::util::xdr::{Decoder, Encoder};
use client::{Client, Program, Socket, REMOTE};
use generated::proc;
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, OnceLock};
use transport::Transport;
use wire::Dec;

/// The per-connection state: the daemon link and what the URI said.
pub struct Remote {
    client: Arc<Client>,
    transport: Transport,
    /// Every family's event callbacks.
    events: EventQueue,
    /// The application's close callback.
    close: close::Slot,
    /// The driver type, once asked.
    kind: OnceLock<String>,
    /// The program of the ext and ssh transports.
    child: Option<std::process::Child>,
    /// Whether SASL added its confidentiality layer (over TCP).
    sasl_layer: bool,
}

impl Remote {
    /// Whether the link keeps the data private: TLS or SASL's layer (libvirt
    /// does not count what an ssh program does).
    fn encrypted(&self) -> bool {
        self.sasl_layer || matches!(self.transport, Transport::Tls | Transport::Libssh | Transport::Libssh2)
    }

    /// Whether the link is secure (UNIX sockets too).
    fn secure_link(&self) -> bool {
        self.sasl_layer || !matches!(self.transport, Transport::Tcp | Transport::Ext)
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        if self.client.is_alive() {
            let _ = self.client.call(REMOTE, proc::CONNECT_CLOSE, |_| {});
        }
        self.client.shutdown();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// libvirtd's default TCP and TLS ports.
const TCP_PORT: u16 = 16509;
const TLS_PORT: u16 = 16514;

fn tcp_connect(host: &str, port: u16) -> Result<TcpStream> {
    TcpStream::connect((host, port)).map_err(|e| {
        Error::system(
            VIR_FROM_RPC,
            e.raw_os_error().unwrap_or(libc::EIO),
            format!("unable to connect to server at '{host}:{port}'"),
        )
    })
}

static EXPLICIT: OnceLock<ConnectDriver> = OnceLock::new();
static FALLBACK: OnceLock<ConnectDriver> = OnceLock::new();

fn table() -> DriverTable {
    let mut t = DriverTable::EMPTY;
    generated::install(&mut t);
    hand::install(&mut t);
    events::install(&mut t);
    streams::install(&mut t);
    close::install(&mut t);
    nodedev::install(&mut t);
    storage::install(&mut t);
    host::install(&mut t);
    domain_extra::install(&mut t);
    domain_queries::install(&mut t);
    domain_vcpus::install(&mut t);
    t
}

/// Registers the driver for URIs naming a transport or a server; call it
/// before the in-process drivers (none of them takes such a URI).
pub fn register_explicit() {
    let d = EXPLICIT.get_or_init(|| ConnectDriver { name: "remote", open: open_explicit, table: table() });
    crate::core::registry::register(d);
}

/// Registers the driver for every other URI; call it after the in-process
/// drivers, so it gets the local URIs they decline.
pub fn register_fallback() {
    let d = FALLBACK.get_or_init(|| ConnectDriver { name: "remote", open, table: table() });
    crate::core::registry::register(d);
}

fn open_explicit(req: &OpenRequest) -> Result<Open> {
    let u = req.uri;
    if u.server.is_none() && u.scheme.as_deref().is_none_or(|s| !s.contains('+')) {
        return Ok(Open::Declined);
    }
    open(req)
}

fn open(req: &OpenRequest) -> Result<Open> {
    if req.uri.scheme.is_none() {
        // libvirt refuses a URI without a driver name before any driver
        return Ok(Open::Declined);
    }
    let target = transport::resolve(req.uri, req.readonly)?;
    let mut child = None;
    let mut stderr = None;
    let mut switch = None;
    let stream = match target.transport {
        Transport::Unix => {
            let path = target.socket.clone().unwrap_or_default();
            Socket::Unix(UnixStream::connect(&path).map_err(|e| {
                Error::system(
                    VIR_FROM_RPC,
                    e.raw_os_error().unwrap_or(libc::EIO),
                    format!("Failed to connect socket to '{path}'"),
                )
            })?)
        }
        Transport::Tcp => {
            // through a relay that can add SASL's confidentiality layer
            let (socket, s) = sasl_layer::relay(tcp_connect(&target.server, target.port.unwrap_or(TCP_PORT))?)?;
            switch = Some(s);
            Socket::Relayed(socket)
        }
        Transport::Tls => {
            // SAFETY: geteuid has no preconditions and cannot fail.
            let unprivileged = unsafe { libc::geteuid() } != 0;
            let creds = tls::Credentials::locate(target.pkipath.as_deref(), unprivileged);
            // libvirt loads its credentials before connecting
            let client = tls::TlsClient::new(&creds)?;
            let tcp = tcp_connect(&target.server, target.port.unwrap_or(TLS_PORT))?;
            Socket::Relayed(client.connect(tcp, &target.server, target.no_verify)?)
        }
        Transport::Ext | Transport::Ssh => {
            let cmd = if target.transport == Transport::Ext {
                command::ext(&target)
            } else {
                command::ssh(&target, req.readonly)?
            };
            let spawned = command::spawn(cmd)?;
            child = Some(spawned.child);
            stderr = spawned.stderr;
            Socket::Unix(spawned.socket)
        }
        t => return Err(unsupported_transport(t)),
    };
    let client = Arc::new(Client::start(stream, stderr)?);
    let events = events::start(&client);
    let close = close::start(&client);
    let mut remote =
        Remote { client, transport: target.transport, child, events, close, kind: OnceLock::new(), sasl_layer: false };
    remote.sasl_layer = authenticate(&remote, req.auth, &target.server, switch.as_ref())?;
    let flags = if req.readonly { VIR_CONNECT_RO as u32 } else { 0 };
    let name = target.name.clone();
    remote.client.call(REMOTE, proc::CONNECT_OPEN, |e| {
        e.optional(Some(name.as_str()), |e, s| e.string(s));
        e.u32(flags);
    })?;
    Ok(Open::Opened(Box::new(remote)))
}

fn unsupported_transport(t: Transport) -> Error {
    Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_NO_SUPPORT, format!("the {} transport is not supported yet", t.name()))
}

/// Authentication types (`remote_auth_type`).
const AUTH_NONE: i32 = 0;
const AUTH_SASL: i32 = 1;
const AUTH_POLKIT: i32 = 2;

fn authenticate(
    r: &Remote,
    auth: Option<&dyn crate::core::auth::Authenticator>,
    host: &str,
    layer: Option<&sasl_layer::Switch>,
) -> Result<bool> {
    let reply = r.client.call(REMOTE, proc::AUTH_LIST, |_| {})?;
    let types: Vec<i32> = Decoder::new(&reply).array(20, 4, |d| d.i32()).map_err(wire::decode_failed)?;
    match types.first().copied() {
        None | Some(AUTH_NONE) => Ok(false),
        Some(AUTH_POLKIT) => {
            r.client.call(REMOTE, proc::AUTH_POLKIT, |_| {})?;
            Ok(false)
        }
        Some(AUTH_SASL) => sasl::authenticate(&r.client, auth, host, layer),
        Some(other) => Err(Error::with_detail(
            VIR_FROM_REMOTE,
            VIR_ERR_AUTH_FAILED,
            format!("unsupported authentication type {other}"),
        )),
    }
}

pub(crate) fn remote(c: &Connect) -> Result<&Remote> {
    c.private::<Remote>().ok_or_else(|| Error::internal("not a remote connection"))
}

/// Calls a procedure on the connection's daemon; the reply payload.
pub(crate) fn call(c: &Connect, prog: Program, procedure: i32, args: impl FnOnce(&mut Encoder)) -> Result<Vec<u8>> {
    remote(c)?.client.call(prog, procedure, args)
}

/// Decodes the first member of a reply.
pub(crate) fn reply<T: Dec>(c: &Connect, payload: &[u8]) -> Result<T> {
    T::dec(&mut Decoder::new(payload), c)
}
