//! One connection to a daemon: a socket shared by every thread of the
//! connection. Callers write their call under a lock and wait for the reply
//! carrying their serial; one reader thread receives every message, hands
//! replies to their callers, answers keepalive pings and, when the daemon
//! goes away, fails every waiting and later call with libvirt's error.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use crate::util::rpc::error::WireError;
use crate::util::rpc::{self, Header, Message, MessageType, Status};
use crate::util::xdr::{Decoder, Encoder};
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::io;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

/// A program the client speaks: its number and version.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    pub number: u32,
    pub version: u32,
}

pub const REMOTE: Program = Program { number: 0x2000_8086, version: 1 };
pub const QEMU: Program = Program { number: 0x2000_8087, version: 1 };
#[allow(dead_code)]
pub const LXC: Program = Program { number: 0x0006_8000, version: 1 };

type Reply = Result<Vec<u8>>;

/// A connected byte stream to the daemon.
pub enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Socket {
    fn try_clone(&self) -> io::Result<Socket> {
        Ok(match self {
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
        })
    }

    fn shutdown(&self) {
        let _ = match self {
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => s.read(buf),
            Socket::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => s.write(buf),
            Socket::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Socket::Unix(s) => s.flush(),
            Socket::Tcp(s) => s.flush(),
        }
    }
}

struct Shared {
    writer: Mutex<Socket>,
    pending: Mutex<HashMap<u32, Sender<Reply>>>,
    /// Set once the connection is unusable; the error later calls report.
    closed: Mutex<Option<Error>>,
    closed_cv: Condvar,
}

pub struct Client {
    shared: Arc<Shared>,
    serial: AtomicU32,
    socket: Socket,
}

/// libvirt's error for a call on a connection that was closed.
fn closed_error() -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_INTERNAL_ERROR, "client socket is closed")
}

fn io_error(e: &io::Error, what: &str) -> Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => Error::system(VIR_FROM_RPC, libc::EIO, "End of file while reading data"),
        _ => match e.raw_os_error() {
            Some(errno) => Error::system(VIR_FROM_RPC, errno, what),
            None => Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, format!("{what}: {e}")),
        },
    }
}

impl Client {
    /// Starts the reader on a connected socket.
    pub fn start(socket: Socket) -> Result<Client> {
        let err =
            |e: io::Error| Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), "Unable to clone socket");
        let writer = socket.try_clone().map_err(err)?;
        let reader = socket.try_clone().map_err(err)?;
        let shared = Arc::new(Shared {
            writer: Mutex::new(writer),
            pending: Mutex::new(HashMap::new()),
            closed: Mutex::new(None),
            closed_cv: Condvar::new(),
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("virt-rs-remote".into())
            .spawn(move || read_loop(s, reader))
            .map_err(|e| Error::internal(format!("cannot start the connection reader: {e}")))?;
        Ok(Client { shared, serial: AtomicU32::new(1), socket })
    }

    pub fn is_alive(&self) -> bool {
        self.shared.closed.lock().is_none()
    }

    /// Sends a call and waits for its reply payload.
    pub fn call(&self, prog: Program, procedure: i32, args: impl FnOnce(&mut Encoder)) -> Result<Vec<u8>> {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let header = Header {
            program: prog.number,
            version: prog.version,
            procedure,
            kind: MessageType::Call,
            serial,
            status: Status::Ok,
        };
        let bytes = Message::frame(&header, args)
            .map_err(|_| Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to marshal arguments"))?;
        let (tx, rx) = channel();
        {
            // register before sending so the reply cannot overtake us
            let closed = self.shared.closed.lock();
            if let Some(e) = closed.as_ref() {
                return Err(e.clone());
            }
            self.shared.pending.lock().insert(serial, tx);
        }
        let sent = rpc::write_message(&mut *self.shared.writer.lock(), &bytes);
        if let Err(e) = sent {
            self.shared.pending.lock().remove(&serial);
            let err = io_error(&e, "Cannot write data");
            self.shared.close(err.clone());
            return Err(err);
        }
        rx.recv().unwrap_or_else(|_| Err(closed_error()))
    }

    /// Closes the socket; the reader ends and pending calls fail.
    pub fn shutdown(&self) {
        self.socket.shutdown();
        self.shared.close(closed_error());
    }
}

impl Shared {
    /// Marks the connection closed with `err` (the first cause wins) and
    /// fails every waiting call.
    fn close(&self, err: Error) {
        let mut closed = self.closed.lock();
        let cause = closed.get_or_insert(err).clone();
        for (_, tx) in self.pending.lock().drain() {
            let _ = tx.send(Err(cause.clone()));
        }
        self.closed_cv.notify_all();
    }

    fn deliver(&self, serial: u32, reply: Reply) {
        if let Some(tx) = self.pending.lock().remove(&serial) {
            let _ = tx.send(reply);
        }
    }

    fn pong(&self) {
        let header = Header {
            program: rpc::KEEPALIVE_PROGRAM,
            version: 1,
            procedure: rpc::KEEPALIVE_PROC_PONG,
            kind: MessageType::Message,
            serial: 0,
            status: Status::Ok,
        };
        if let Ok(bytes) = Message::frame(&header, |_| {}) {
            let _ = rpc::write_message(&mut *self.writer.lock(), &bytes);
        }
    }
}

fn read_loop(shared: Arc<Shared>, mut socket: Socket) {
    loop {
        let msg = match rpc::read_message(&mut socket) {
            Ok(Some(m)) => m,
            Ok(None) => {
                shared.close(Error::system(VIR_FROM_RPC, libc::EIO, "End of file while reading data"));
                return;
            }
            Err(e) => {
                shared.close(io_error(&e, "Cannot recv data"));
                return;
            }
        };
        let h = msg.header;
        match h.kind {
            MessageType::Reply | MessageType::ReplyWithFds => {
                let reply = match h.status {
                    Status::Ok => Ok(msg.payload),
                    Status::Error => Err(decode_error(&msg.payload)),
                    Status::Continue => Err(Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unexpected message status")),
                };
                shared.deliver(h.serial, reply);
            }
            MessageType::Message if h.program == rpc::KEEPALIVE_PROGRAM && h.procedure == rpc::KEEPALIVE_PROC_PING => {
                shared.pong();
            }
            // events and stream data are not handled yet
            _ => {}
        }
    }
}

/// The daemon's error as our error value, every field carried over.
pub fn decode_error(payload: &[u8]) -> Error {
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
        Err(_) => Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to decode message payload"),
    }
}
