//! Who reads the daemon socket, and what happens to what is read.
//!
//! One thread at a time holds the reading role. While nothing has to be
//! read outside of calls (no event or close callback, no open stream, no
//! keepalive), the role goes to the callers themselves: a thread whose
//! call is in flight and finds nobody reading reads the socket until its
//! own reply comes, hands the replies of other callers to them on the way,
//! and then passes the role to a caller still waiting. Otherwise a
//! background thread holds the role and every caller just waits for its
//! reply; the thread leaves as soon as it is no longer needed.

use super::client::{close_all, decode_error, io_error, Inbox, Socket};
use super::frames::FrameReader;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use crate::util::rpc::{self, Header, Message, MessageType, Status};
use crate::util::xdr::Decoder;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::io::Read;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A reply payload and the descriptors that came with it.
pub type Reply = Result<(Vec<u8>, Vec<RawFd>)>;

/// What the daemon sends on its own (events): header and payload.
pub type MessageHandler = Arc<dyn Fn(&Header, &[u8]) + Send + Sync>;

/// Told once why the connection closed (a `virConnectCloseReason`).
pub type CloseHandler = Box<dyn FnOnce(i32) + Send>;

/// `virConnectCloseReason` values.
pub const CLOSE_REASON_ERROR: i32 = 0;
pub const CLOSE_REASON_EOF: i32 = 1;
pub const CLOSE_REASON_KEEPALIVE: i32 = 2;

/// libvirt's error for a call on a connection that was closed.
pub fn closed_error() -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_INTERNAL_ERROR, "client socket is closed")
}

thread_local! {
    /// What a thread waiting for its reply sleeps on.
    static WAKE: Arc<Condvar> = Arc::new(Condvar::new());
}

/// A call waiting for its reply.
struct Waiter {
    reply: Option<Reply>,
    wake: Arc<Condvar>,
}

/// Everything under the connection's state lock.
#[derive(Default)]
struct Io {
    /// Set once the connection is unusable; the error later calls report.
    closed: Option<Error>,
    pending: HashMap<u32, Waiter>,
    /// The open streams, by the serial of the call that opened them.
    streams: HashMap<u32, Arc<Inbox>>,
    /// Some thread holds the reading role.
    reading: bool,
    /// Event and close callbacks wanting messages between calls.
    listeners: u32,
    /// The daemon pings us: answer even between calls.
    keepalive: bool,
    /// A background reader thread exists.
    background: bool,
}

impl Io {
    fn wants_background(&self) -> bool {
        self.listeners > 0 || self.keepalive || !self.streams.is_empty()
    }
}

/// The reading side: only the holder of the reading role locks it.
struct ReadSide {
    socket: Socket,
    frames: FrameReader,
    /// The error output of the program behind the socket (non-blocking).
    stderr: Option<std::fs::File>,
}

/// What reading one message gave.
enum Received {
    /// The reply the reader itself waits for.
    Mine(Reply),
    /// Something handled (or dropped) on the way.
    Other,
    /// The connection ended; every waiter was told.
    Closed,
}

pub struct Shared {
    io: Mutex<Io>,
    /// The background reader waits there for the role.
    background_cv: Condvar,
    read_side: Mutex<ReadSide>,
    pub writer: Mutex<Socket>,
    /// The socket, to shut it down without waiting for any lock.
    control: Socket,
    handler: Mutex<Option<MessageHandler>>,
    on_close: Mutex<Option<CloseHandler>>,
    /// When the last message from the daemon arrived (kept only while we
    /// ping the daemon).
    last_rx: Mutex<Instant>,
    pinging: AtomicBool,
}

impl Shared {
    pub fn new(writer: Socket, reader: Socket, control: Socket, stderr: Option<std::fs::File>) -> Shared {
        Shared {
            io: Mutex::new(Io::default()),
            background_cv: Condvar::new(),
            read_side: Mutex::new(ReadSide { socket: reader, frames: FrameReader::default(), stderr }),
            writer: Mutex::new(writer),
            control,
            handler: Mutex::new(None),
            on_close: Mutex::new(None),
            last_rx: Mutex::new(Instant::now()),
            pinging: AtomicBool::new(false),
        }
    }

    pub fn is_closed(&self) -> bool {
        self.io.lock().closed.is_some()
    }

    pub fn set_handler(&self, handler: Option<MessageHandler>) {
        *self.handler.lock() = handler;
    }

    pub fn set_close_handler(&self, handler: Option<CloseHandler>) {
        *self.on_close.lock() = handler;
    }

    /// Expects the reply of call `serial` (and the messages of the stream it
    /// opens), before the call goes out so that no reply can overtake it.
    pub fn expect(self: &Arc<Self>, serial: u32, inbox: Option<Arc<Inbox>>) -> Result<()> {
        let wake = WAKE.with(Arc::clone);
        let mut io = self.io.lock();
        if io.closed.is_some() {
            return Err(closed_error());
        }
        io.pending.insert(serial, Waiter { reply: None, wake });
        if let Some(inbox) = inbox {
            io.streams.insert(serial, inbox);
            self.start_background(&mut io);
        }
        Ok(())
    }

    /// Forgets call `serial`, which could not be sent.
    pub fn forget(&self, serial: u32) {
        let mut io = self.io.lock();
        io.pending.remove(&serial);
        io.streams.remove(&serial);
        if !io.reading {
            self.pass_role(&io);
        }
    }

    /// Forgets the stream opened by call `serial`.
    pub fn end_stream(&self, serial: u32) {
        self.io.lock().streams.remove(&serial);
    }

    /// One more (`on`) or one less callback wanting messages between calls.
    pub fn listen(self: &Arc<Self>, on: bool) {
        let mut io = self.io.lock();
        if on {
            io.listeners += 1;
            self.start_background(&mut io);
        } else {
            io.listeners = io.listeners.saturating_sub(1);
        }
    }

    /// The daemon pings this connection from now on.
    pub fn answer_pings(self: &Arc<Self>) {
        let mut io = self.io.lock();
        io.keepalive = true;
        self.start_background(&mut io);
    }

    /// Starts (or stops) noting when messages arrive, for our pings.
    pub fn track_arrivals(&self, on: bool) {
        *self.last_rx.lock() = Instant::now();
        self.pinging.store(on, Ordering::Relaxed);
    }

    /// How long ago the last message arrived (while tracked).
    pub fn since_last_message(&self) -> Duration {
        self.last_rx.lock().elapsed()
    }

    /// Waits for the reply of call `serial`, reading the socket itself
    /// when nobody else does.
    pub fn wait_reply(&self, serial: u32) -> Reply {
        let mut io = self.io.lock();
        loop {
            let Some(w) = io.pending.get(&serial) else { return Err(closed_error()) };
            if w.reply.is_some() {
                return io.pending.remove(&serial).and_then(|w| w.reply).unwrap_or_else(|| Err(closed_error()));
            }
            let wake = w.wake.clone();
            if !io.reading && !io.background {
                io.reading = true;
                drop(io);
                return self.read_own(serial);
            }
            wake.wait(&mut io);
        }
    }

    /// Holding the role: reads until the reply of `serial` comes, then
    /// passes the role on.
    fn read_own(&self, serial: u32) -> Reply {
        let mut side = self.read_side.lock();
        let mine = loop {
            match self.receive(&mut side, Some(serial)) {
                Received::Mine(r) => break Some(r),
                Received::Other => {}
                Received::Closed => break None,
            }
        };
        // what came with our reply goes to its callers now rather than
        // after the next reader wakes up
        while mine.is_some() && side.frames.has_message() {
            if matches!(self.receive(&mut side, None), Received::Closed) {
                break;
            }
        }
        drop(side);
        let mut io = self.io.lock();
        io.reading = false;
        let told = io.pending.remove(&serial).and_then(|w| w.reply);
        self.pass_role(&io);
        mine.or(told).unwrap_or_else(|| Err(closed_error()))
    }

    /// Called with the role free: the background reader takes it, or else
    /// a caller still waiting for its reply.
    fn pass_role(&self, io: &Io) {
        if io.background {
            self.background_cv.notify_one();
        } else if let Some(w) = io.pending.values().find(|w| w.reply.is_none()) {
            w.wake.notify_one();
        }
    }

    fn start_background(self: &Arc<Self>, io: &mut Io) {
        if io.background || io.closed.is_some() || !io.wants_background() {
            return;
        }
        io.background = true;
        let me = self.clone();
        let spawned = std::thread::Builder::new().name("virt-rs-remote".into()).spawn(move || me.background());
        if spawned.is_err() {
            // callers go on reading for themselves
            io.background = false;
        }
    }

    /// The background reader: takes the role, reads and dispatches until
    /// nothing needs it any more or the connection ends.
    fn background(self: Arc<Self>) {
        let mut io = self.io.lock();
        while io.reading && io.closed.is_none() {
            self.background_cv.wait(&mut io);
        }
        if io.reading {
            // closed while a caller still reads: it passes the role on
            io.background = false;
            return;
        }
        io.reading = true;
        while io.closed.is_none() && io.wants_background() {
            drop(io);
            let r = self.receive(&mut self.read_side.lock(), None);
            io = self.io.lock();
            if matches!(r, Received::Closed) {
                break;
            }
        }
        io.background = false;
        io.reading = false;
        self.pass_role(&io);
    }

    /// Reads one message and dispatches it: a reply to its caller (or
    /// returned when it is `own`), stream messages to their stream, events
    /// to the handler, pings answered.
    fn receive(&self, side: &mut ReadSide, own: Option<u32>) -> Received {
        let sock = side.socket.raw_fd();
        let msg = match side.frames.next(sock) {
            Ok(Some(m)) => m,
            Ok(None) => {
                let what = with_program_errors("End of file while reading data", &mut side.stderr);
                self.close_for(Error::system(VIR_FROM_RPC, libc::EIO, what), CLOSE_REASON_EOF);
                return Received::Closed;
            }
            Err(e) => {
                let what = with_program_errors("Cannot recv data", &mut side.stderr);
                self.close(io_error(&e, &what));
                return Received::Closed;
            }
        };
        if self.pinging.load(Ordering::Relaxed) {
            *self.last_rx.lock() = Instant::now();
        }
        let h = msg.header;
        match h.kind {
            MessageType::Reply | MessageType::ReplyWithFds => self.reply(side, msg, own),
            MessageType::Message if h.program == rpc::KEEPALIVE_PROGRAM => {
                if h.procedure == rpc::KEEPALIVE_PROC_PING {
                    self.keepalive_message(rpc::KEEPALIVE_PROC_PONG);
                }
                Received::Other
            }
            MessageType::Message => {
                let handler = self.handler.lock().clone();
                if let Some(handler) = handler {
                    handler(&h, &msg.payload);
                }
                Received::Other
            }
            MessageType::Stream | MessageType::StreamHole => {
                let inbox = self.io.lock().streams.get(&h.serial).cloned();
                if let Some(inbox) = inbox {
                    inbox.put(h.kind, h.status, &msg.payload);
                }
                Received::Other
            }
            MessageType::Call | MessageType::CallWithFds => Received::Other,
        }
    }

    fn reply(&self, side: &mut ReadSide, msg: Message, own: Option<u32>) -> Received {
        let h = msg.header;
        let mut payload = msg.payload;
        let mut fds = Vec::new();
        if h.kind == MessageType::ReplyWithFds {
            match receive_fds(side, &mut payload) {
                Ok(v) => fds = v,
                Err(e) => {
                    self.close(e);
                    return Received::Closed;
                }
            }
        }
        let mut io = self.io.lock();
        if own != Some(h.serial) && !io.pending.contains_key(&h.serial) {
            // the answer to a stream's end or abort
            let inbox = io.streams.get(&h.serial).cloned();
            drop(io);
            if let Some(inbox) = inbox {
                inbox.put(h.kind, h.status, &payload);
            }
            close_all(&fds);
            return Received::Other;
        }
        let reply = match h.status {
            Status::Ok => Ok((payload, fds)),
            Status::Error => {
                close_all(&fds);
                Err(decode_error(&payload))
            }
            Status::Continue => Err(Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unexpected message status")),
        };
        if own == Some(h.serial) {
            return Received::Mine(reply);
        }
        if let Some(w) = io.pending.get_mut(&h.serial) {
            w.reply = Some(reply);
            w.wake.notify_one();
        }
        Received::Other
    }

    /// Sends a keepalive message (ping or pong).
    pub fn keepalive_message(&self, procedure: i32) {
        let header = Header {
            program: rpc::KEEPALIVE_PROGRAM,
            version: 1,
            procedure,
            kind: MessageType::Message,
            serial: 0,
            status: Status::Ok,
        };
        if let Ok(bytes) = Message::frame(&header, |_| {}) {
            let _ = rpc::write_message(&mut *self.writer.lock(), &bytes);
        }
    }

    /// Marks the connection closed with `err` (the first cause wins) and
    /// fails every waiting call.
    pub fn close(&self, err: Error) {
        self.close_for(err, CLOSE_REASON_ERROR)
    }

    /// [`Shared::close`] telling the close handler `reason`.
    pub fn close_for(&self, err: Error, reason: i32) {
        let (first, cause, streams) = {
            let mut io = self.io.lock();
            let first = io.closed.is_none();
            let cause = io.closed.get_or_insert(err).clone();
            for w in io.pending.values_mut().filter(|w| w.reply.is_none()) {
                w.reply = Some(Err(cause.clone()));
                w.wake.notify_one();
            }
            self.background_cv.notify_all();
            (first, cause, std::mem::take(&mut io.streams))
        };
        for inbox in streams.values() {
            inbox.fail(cause.clone());
        }
        if first {
            // a reader still waiting on the socket stops
            self.control.shutdown();
            let handler = self.on_close.lock().take();
            if let Some(h) = handler {
                h(reason);
            }
        }
    }

    /// Shuts the socket down (the connection ends, or its owner left).
    pub fn shutdown_socket(&self) {
        self.control.shutdown();
    }
}

/// `what`, followed by what the program behind the socket wrote on its
/// error output (if a program is there).
fn with_program_errors(what: &str, stderr: &mut Option<std::fs::File>) -> String {
    let Some(f) = stderr.as_mut() else { return what.to_string() };
    let mut buf = vec![0u8; 1024];
    let n = f.read(&mut buf).unwrap_or(0);
    format!("{what}: {}", String::from_utf8_lossy(&buf[..n]).trim_end())
}

/// Reads the descriptor count heading `payload` (and drops it from the
/// payload), then that many descriptors from the socket.
fn receive_fds(side: &mut ReadSide, payload: &mut Vec<u8>) -> Result<Vec<RawFd>> {
    let rpc_err = |m: &str| Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, m);
    let n = Decoder::new(payload).u32().map_err(|_| rpc_err("Unable to decode number of FDs"))?;
    if n > rpc::fds::NUM_FDS_MAX {
        return Err(rpc_err(&format!("Received too many FDs {n}, expected {} maximum", rpc::fds::NUM_FDS_MAX)));
    }
    payload.drain(..4);
    if side.socket.unix_fd().is_none() {
        return Err(rpc_err("Socket does not support FD passing"));
    }
    let sock = side.socket.raw_fd();
    side.frames.take_fds(sock, n as usize).map_err(|e| io_error(&e, "Unable to receive file descriptor"))
}
