//! The RPC client of an admin connection. Admin calls are few and short,
//! so a call writes its message and reads until its reply arrives under one
//! lock; keepalive pings met on the way are answered, other messages are
//! dropped. Once the daemon hangs up every later call fails.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use crate::util::rpc::error::WireError;
use crate::util::rpc::{self, Header, Message, MessageType, Status, KEEPALIVE_PROGRAM};
use crate::util::xdr::{Decoder, Encoder};
use parking_lot::Mutex;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The admin program's number and version.
pub const PROGRAM: u32 = 0x0690_0690;
pub const VERSION: u32 = 1;

pub struct Client {
    stream: Mutex<UnixStream>,
    serial: AtomicU32,
    closed: AtomicBool,
}

/// libvirt's error for a call after the connection was closed.
fn closed_error() -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_INTERNAL_ERROR, "client socket is closed")
}

fn io_error(e: &io::Error, what: &str) -> Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => Error::system(VIR_FROM_RPC, libc::EIO, "End of file while reading data"),
        _ => Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), what),
    }
}

/// The daemon's error as ours, every field carried over.
pub fn from_wire(payload: &[u8]) -> Error {
    match WireError::decode(&mut Decoder::new(payload)) {
        Ok(w) => {
            let mut e = Error::new(w.domain, w.code, None);
            e.message = w.message.unwrap_or_else(|| "An error occurred, but the cause is unknown".into());
            e.level = w.level;
            e.str1 = w.str1;
            e.str2 = w.str2;
            e.str3 = w.str3;
            e.int1 = w.int1;
            e.int2 = w.int2;
            e
        }
        Err(_) => decode_failed(),
    }
}

/// The error for a reply that does not parse.
pub fn decode_failed() -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to decode message payload")
}

impl Client {
    pub fn new(stream: UnixStream) -> Client {
        Client { stream: Mutex::new(stream), serial: AtomicU32::new(1), closed: AtomicBool::new(false) }
    }

    /// False once the daemon hung up or the connection was shut.
    pub fn is_alive(&self) -> bool {
        if self.closed.load(Ordering::Acquire) {
            return false;
        }
        let Some(stream) = self.stream.try_lock() else {
            // a call is in flight, so the socket was fine a moment ago
            return true;
        };
        let mut b = [0u8; 1];
        // SAFETY: a one-byte peek into a local buffer on our own socket.
        let n =
            unsafe { libc::recv(stream.as_raw_fd(), b.as_mut_ptr().cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT) };
        if n == 0 {
            self.closed.store(true, Ordering::Release);
            return false;
        }
        true
    }

    /// Stops using the socket; later calls fail.
    pub fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
        let _ = self.stream.lock().shutdown(std::net::Shutdown::Both);
    }

    /// Sends a call of the admin program and waits for its reply payload.
    pub fn call(&self, procedure: i32, args: impl FnOnce(&mut Encoder)) -> Result<Vec<u8>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(closed_error());
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let header = Header {
            program: PROGRAM,
            version: VERSION,
            procedure,
            kind: MessageType::Call,
            serial,
            status: Status::Ok,
        };
        let bytes = Message::frame(&header, args)
            .map_err(|_| Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to marshal arguments"))?;
        let mut stream = self.stream.lock();
        let failed = |e: Error| {
            self.closed.store(true, Ordering::Release);
            e
        };
        rpc::write_message(&mut *stream, &bytes).map_err(|e| failed(io_error(&e, "Cannot write data")))?;
        loop {
            let msg = match rpc::read_message(&mut *stream) {
                Ok(Some(m)) => m,
                Ok(None) => return Err(failed(io_error(&io::ErrorKind::UnexpectedEof.into(), ""))),
                Err(e) => return Err(failed(io_error(&e, "Cannot recv data"))),
            };
            let h = msg.header;
            if h.program == KEEPALIVE_PROGRAM && h.procedure == rpc::KEEPALIVE_PROC_PING {
                let pong = Header {
                    program: KEEPALIVE_PROGRAM,
                    version: 1,
                    procedure: rpc::KEEPALIVE_PROC_PONG,
                    kind: MessageType::Message,
                    serial: 0,
                    status: Status::Ok,
                };
                if let Ok(b) = Message::frame(&pong, |_| {}) {
                    rpc::write_message(&mut *stream, &b).map_err(|e| failed(io_error(&e, "Cannot write data")))?;
                }
                continue;
            }
            if h.program != PROGRAM || h.serial != serial || h.kind != MessageType::Reply {
                continue;
            }
            return match h.status {
                Status::Ok => Ok(msg.payload),
                _ => Err(from_wire(&msg.payload)),
            };
        }
    }
}
