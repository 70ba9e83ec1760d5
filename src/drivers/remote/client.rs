//! One connection to a daemon: a socket shared by every thread of the
//! connection. Callers write their call under a lock and wait for the reply
//! carrying their serial, reading the socket themselves when nobody else
//! does (see `reading.rs`); keepalive pings go out from a thread of their
//! own, and when the daemon goes away every waiting and later call fails
//! with libvirt's error.

pub use super::inbox::Inbox;
use super::reading::{closed_error, Shared, CLOSE_REASON_KEEPALIVE};
pub use super::reading::{CloseHandler, MessageHandler};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use crate::util::rpc::error::WireError;
use crate::util::rpc::{self, fds, Header, Message, MessageType, Status};
use crate::util::xdr::{Decoder, Encoder};
use parking_lot::Mutex;
use std::io;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// A program the client speaks: its number and version.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    pub number: u32,
    pub version: u32,
}

pub const REMOTE: Program = Program { number: 0x2000_8086, version: 1 };
pub const QEMU: Program = Program { number: 0x2000_8087, version: 1 };
pub const LXC: Program = Program { number: 0x0006_8000, version: 1 };

/// A connected byte stream to the daemon.
pub enum Socket {
    Unix(UnixStream),
    /// The clear-text end of a relay (TLS, SASL's layer): no descriptor passing.
    Relayed(UnixStream),
}

impl Socket {
    fn try_clone(&self) -> io::Result<Socket> {
        Ok(match self {
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
            Socket::Relayed(s) => Socket::Relayed(s.try_clone()?),
        })
    }

    /// The descriptor to pass descriptors over (UNIX sockets only).
    pub fn unix_fd(&self) -> Option<RawFd> {
        match self {
            Socket::Unix(s) => Some(s.as_raw_fd()),
            Socket::Relayed(_) => None,
        }
    }

    /// The socket's descriptor, to receive from.
    pub fn raw_fd(&self) -> RawFd {
        match self {
            Socket::Unix(s) | Socket::Relayed(s) => s.as_raw_fd(),
        }
    }

    pub fn shutdown(&self) {
        let _ = match self {
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
            Socket::Relayed(s) => s.shutdown(Shutdown::Both),
        };
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => s.read(buf),
            Socket::Relayed(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => s.write(buf),
            Socket::Relayed(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Socket::Unix(s) => s.flush(),
            Socket::Relayed(s) => s.flush(),
        }
    }
}

pub struct Client {
    shared: Arc<Shared>,
    serial: AtomicU32,
    /// Whether descriptors can go over the socket.
    passes_fds: bool,
    /// Stops the running keepalive pinger, if any.
    keepalive: Mutex<Option<Arc<AtomicBool>>>,
}

pub fn io_error(e: &io::Error, what: &str) -> Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => Error::system(VIR_FROM_RPC, libc::EIO, "End of file while reading data"),
        _ => match e.raw_os_error() {
            Some(errno) => Error::system(VIR_FROM_RPC, errno, what),
            None => Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, format!("{what}: {e}")),
        },
    }
}

impl Client {
    /// A client on a connected socket; `stderr` is the error output
    /// (non-blocking) of the program behind it, which explains a failed read.
    pub fn start(socket: Socket, stderr: Option<std::fs::File>) -> Result<Client> {
        let err =
            |e: io::Error| Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), "Unable to clone socket");
        let writer = socket.try_clone().map_err(err)?;
        let reader = socket.try_clone().map_err(err)?;
        let passes_fds = socket.unix_fd().is_some();
        let shared = Arc::new(Shared::new(writer, reader, socket, stderr));
        Ok(Client { shared, serial: AtomicU32::new(1), passes_fds, keepalive: Mutex::new(None) })
    }

    pub fn is_alive(&self) -> bool {
        !self.shared.is_closed()
    }

    /// Sends a call and waits for its reply payload.
    pub fn call(&self, prog: Program, procedure: i32, args: impl FnOnce(&mut Encoder)) -> Result<Vec<u8>> {
        let (payload, fds) = self.call_with_fds(prog, procedure, &[], args)?;
        close_all(&fds);
        Ok(payload)
    }

    /// Sends a call passing descriptors; the reply payload and the
    /// descriptors the daemon passed back (the caller owns them).
    pub fn call_with_fds(
        &self,
        prog: Program,
        procedure: i32,
        fds: &[RawFd],
        args: impl FnOnce(&mut Encoder),
    ) -> Result<(Vec<u8>, Vec<RawFd>)> {
        self.call_full(prog, procedure, fds, None, args).map(|(r, fds, _)| (r, fds))
    }

    /// Sends a call opening a stream: the reply payload, and the stream's
    /// serial (its inbox gets every stream message the daemon sends).
    pub fn call_stream(
        &self,
        prog: Program,
        procedure: i32,
        inbox: Arc<Inbox>,
        args: impl FnOnce(&mut Encoder),
    ) -> Result<(Vec<u8>, u32)> {
        let (r, fds, serial) = self.call_full(prog, procedure, &[], Some(inbox), args)?;
        close_all(&fds);
        Ok((r, serial))
    }

    fn call_full(
        &self,
        prog: Program,
        procedure: i32,
        fds: &[RawFd],
        inbox: Option<Arc<Inbox>>,
        args: impl FnOnce(&mut Encoder),
    ) -> Result<(Vec<u8>, Vec<RawFd>, u32)> {
        if fds.len() > fds::NUM_FDS_MAX as usize {
            return Err(Error::with_detail(
                VIR_FROM_RPC,
                VIR_ERR_RPC,
                format!("Too many FDs to send {}, expected {} maximum", fds.len(), fds::NUM_FDS_MAX),
            ));
        }
        if !fds.is_empty() && !self.passes_fds {
            return Err(Error::with_detail(
                VIR_FROM_RPC,
                VIR_ERR_OPERATION_UNSUPPORTED,
                "Socket does not support FD passing",
            ));
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let header = Header {
            program: prog.number,
            version: prog.version,
            procedure,
            kind: if fds.is_empty() { MessageType::Call } else { MessageType::CallWithFds },
            serial,
            status: Status::Ok,
        };
        let bytes = Message::frame(&header, |e| {
            if !fds.is_empty() {
                e.u32(fds.len() as u32);
            }
            args(e)
        })
        .map_err(|_| Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to marshal arguments"))?;
        let streaming = inbox.is_some();
        self.shared.expect(serial, inbox)?;
        let sent = {
            let mut w = self.shared.writer.lock();
            rpc::write_message(&mut *w, &bytes).and_then(|_| match w.unix_fd() {
                Some(sock) => fds.iter().try_for_each(|&fd| fds::send_fd(sock, fd)),
                None => Ok(()),
            })
        };
        if let Err(e) = sent {
            self.shared.forget(serial);
            let err = io_error(&e, "Cannot write data");
            self.shared.close(err.clone());
            return Err(err);
        }
        match self.shared.wait_reply(serial) {
            Ok((payload, fds)) => Ok((payload, fds, serial)),
            Err(e) => {
                if streaming {
                    self.shared.end_stream(serial);
                }
                Err(e)
            }
        }
    }

    /// Sends one stream message (data, a hole, the end or an abort) of the
    /// stream opened by call `serial`.
    pub fn send_stream(
        &self,
        prog: Program,
        procedure: i32,
        serial: u32,
        kind: MessageType,
        status: Status,
        payload: impl FnOnce(&mut Encoder),
    ) -> Result<()> {
        if self.shared.is_closed() {
            return Err(closed_error());
        }
        let header = Header { program: prog.number, version: prog.version, procedure, kind, serial, status };
        let bytes = Message::frame(&header, payload)
            .map_err(|_| Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to marshal arguments"))?;
        let sent = rpc::write_message(&mut *self.shared.writer.lock(), &bytes);
        sent.map_err(|e| {
            let err = io_error(&e, "Cannot write data");
            self.shared.close(err.clone());
            err
        })
    }

    /// Forgets the stream opened by call `serial`.
    pub fn end_stream(&self, serial: u32) {
        self.shared.end_stream(serial);
    }

    /// Where event messages go from now on.
    pub fn set_handler(&self, handler: MessageHandler) {
        self.shared.set_handler(Some(handler));
    }

    /// What runs when the connection closes by itself (not for
    /// [`Client::shutdown`]).
    pub fn set_close_handler(&self, handler: Option<CloseHandler>) {
        self.shared.set_close_handler(handler);
    }

    /// One more (`on`) or one less callback (events, close) that wants the
    /// daemon's messages read between calls too.
    pub fn listen(&self, on: bool) {
        self.shared.listen(on);
    }

    /// Starts (interval > 0) or stops pinging an idle daemon: after
    /// `interval` seconds without a message a ping goes out, and when
    /// `count` pings in a row got no answer the connection is closed. The
    /// daemon pings us from now on either way: its pings get answered
    /// between calls too.
    pub fn set_keepalive(&self, interval: i32, count: u32) {
        self.shared.answer_pings();
        if let Some(stop) = self.keepalive.lock().take() {
            stop.store(true, Ordering::Relaxed);
        }
        self.shared.track_arrivals(interval > 0);
        if interval <= 0 {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        *self.keepalive.lock() = Some(stop.clone());
        let shared = Arc::downgrade(&self.shared);
        let period = Duration::from_secs(interval as u64);
        let _ = std::thread::Builder::new()
            .name("virt-rs-keepalive".into())
            .spawn(move || keepalive_loop(shared, stop, period, count));
    }

    /// Closes the socket; pending calls fail.
    pub fn shutdown(&self) {
        if let Some(stop) = self.keepalive.lock().take() {
            stop.store(true, Ordering::Relaxed);
        }
        self.shared.set_close_handler(None);
        self.shared.set_handler(None);
        self.shared.shutdown_socket();
        self.shared.close(closed_error());
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // a background reader still waiting on the socket stops
        self.shared.shutdown_socket();
    }
}

fn keepalive_loop(shared: Weak<Shared>, stop: Arc<AtomicBool>, period: Duration, count: u32) {
    let step = Duration::from_millis(100);
    let mut missed = 0u32;
    let mut waited = Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        waited += step;
        if waited < period {
            continue;
        }
        waited = Duration::ZERO;
        let Some(shared) = shared.upgrade() else { return };
        if shared.is_closed() {
            return;
        }
        if shared.since_last_message() < period {
            missed = 0;
            continue;
        }
        if missed >= count {
            shared.close_for(
                Error::with_detail(VIR_FROM_RPC, VIR_ERR_INTERNAL_ERROR, "connection closed due to keepalive timeout"),
                CLOSE_REASON_KEEPALIVE,
            );
            return;
        }
        missed += 1;
        shared.keepalive_message(rpc::KEEPALIVE_PROC_PING);
    }
}

/// Closes descriptors nobody will use.
pub fn close_all(fds: &[RawFd]) {
    for &fd in fds {
        // SAFETY: the descriptors came from the daemon and belong to us alone.
        unsafe { libc::close(fd) };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake daemon: answers each call with its procedure number, pings
    /// once first, and hangs up after `calls` calls.
    fn fake_daemon(mut s: UnixStream, calls: usize) -> std::thread::JoinHandle<bool> {
        std::thread::spawn(move || {
            let ping = Header {
                program: rpc::KEEPALIVE_PROGRAM,
                version: 1,
                procedure: rpc::KEEPALIVE_PROC_PING,
                kind: MessageType::Message,
                serial: 0,
                status: Status::Ok,
            };
            rpc::write_message(&mut s, &Message::frame(&ping, |_| {}).unwrap()).unwrap();
            let mut ponged = false;
            let mut answered = 0;
            while answered < calls {
                let Ok(Some(m)) = rpc::read_message(&mut s) else { break };
                if m.header.program == rpc::KEEPALIVE_PROGRAM {
                    ponged |= m.header.procedure == rpc::KEEPALIVE_PROC_PONG;
                    continue;
                }
                let reply = Header { kind: MessageType::Reply, ..m.header };
                let bytes = if m.header.procedure == 99 {
                    let err = WireError { code: 42, domain: 12, message: Some("gone".into()), ..Default::default() };
                    Message::frame(&Header { status: Status::Error, ..reply }, |e| err.encode(e)).unwrap()
                } else {
                    Message::frame(&reply, |e| e.i32(m.header.procedure)).unwrap()
                };
                rpc::write_message(&mut s, &bytes).unwrap();
                answered += 1;
            }
            ponged
        })
    }

    #[test]
    fn threads_share_one_connection_and_death_fails_calls() {
        let (a, b) = UnixStream::pair().unwrap();
        let daemon = fake_daemon(b, 41);
        let client = Arc::new(Client::start(Socket::Unix(a), None).unwrap());
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let c = client.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let p = 100 + t * 10 + i;
                        let r = c.call(REMOTE, p, |_| {}).unwrap();
                        assert_eq!(Decoder::new(&r).i32().unwrap(), p);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let e = client.call(REMOTE, 99, |_| {}).unwrap_err();
        assert_eq!((e.code, e.domain, e.message.as_str()), (42, 12, "gone"));
        assert!(daemon.join().unwrap(), "the ping was answered");
        // the daemon hung up: nobody reads between calls, so the next call
        // finds out; then calls fail at once
        assert!(client.call(REMOTE, 1, |_| {}).is_err());
        let e = client.call(REMOTE, 1, |_| {}).unwrap_err();
        assert_eq!(e.code, VIR_ERR_INTERNAL_ERROR);
        assert_eq!(e.message, "internal error: client socket is closed");
        assert!(!client.is_alive());
    }
}

#[cfg(test)]
mod keepalive_tests {
    use super::*;

    #[test]
    fn a_silent_daemon_is_dropped_after_the_missed_pings() {
        let (a, b) = UnixStream::pair().unwrap();
        let client = Client::start(Socket::Unix(a), None).unwrap();
        client.set_keepalive(1, 1);
        let mut pings = 0;
        let mut b2 = b.try_clone().unwrap();
        b2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        while let Ok(Some(m)) = rpc::read_message(&mut b2) {
            assert_eq!((m.header.program, m.header.procedure), (rpc::KEEPALIVE_PROGRAM, rpc::KEEPALIVE_PROC_PING));
            pings += 1;
            if pings == 1 {
                break;
            }
        }
        for _ in 0..40 {
            if !client.is_alive() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!client.is_alive());
        let e = client.call(REMOTE, 1, |_| {}).unwrap_err();
        assert_eq!(e.message, "internal error: client socket is closed");
        drop(b);
    }
}
