//! Streams over the wire: the call that opens a stream (volume upload and
//! download, screenshot, console and channel) registers an inbox for its
//! serial, then data, holes, the end and aborts travel as stream messages
//! of that serial. Stream event callbacks run from a loop timer armed
//! whenever the events the application asked for are ready, as libvirt's
//! client does (a stream is always writable).

use super::client::{Client, Inbox, Program};
use super::inbox::Taken;
use crate::core::error::{Error, Result};
use crate::core::event_loop::{self, FreeCallback, HANDLE_READABLE, HANDLE_WRITABLE};
use crate::core::objects::Stream;
use crate::core::stream::{self, Io, StreamBackend, StreamCallback};
use crate::generated::consts::*;
use crate::util::rpc::{MessageType, Status};
use crate::util::xdr::Encoder;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// The largest data payload of one stream message.
const CHUNK_MAX: usize = 262_120;
/// How long an end or abort waits for the daemon's answer.
const ANSWER_WAIT: Duration = Duration::from_secs(30);

/// The application's stream callback and the timer that runs it.
struct Watch {
    timer: i32,
    events: Arc<Mutex<i32>>,
}

pub struct RemoteStream {
    client: Arc<Client>,
    prog: Program,
    procedure: i32,
    serial: u32,
    inbox: Arc<Inbox>,
    nonblock: bool,
    done: bool,
    watch: Option<Watch>,
}

/// Sends the call opening a stream and gives `st` its remote backend; the
/// reply payload.
pub fn open(
    client: &Arc<Client>,
    st: &Stream,
    prog: Program,
    procedure: i32,
    args: impl FnOnce(&mut Encoder),
) -> Result<Vec<u8>> {
    let inbox = Arc::new(Inbox::default());
    let (reply, serial) = client.call_stream(prog, procedure, inbox.clone(), args)?;
    let backend = RemoteStream {
        client: client.clone(),
        prog,
        procedure,
        serial,
        inbox,
        nonblock: stream::is_nonblocking(st),
        done: false,
        watch: None,
    };
    stream::attach(st, Box::new(backend));
    Ok(reply)
}

impl RemoteStream {
    fn send_message(&self, kind: MessageType, status: Status, payload: impl FnOnce(&mut Encoder)) -> Result<()> {
        self.client.send_stream(self.prog, self.procedure, self.serial, kind, status, payload)
    }

    /// The error that ended the stream, or libvirt's error once it was
    /// finished or aborted.
    fn check(&self) -> Result<()> {
        match self.inbox.error() {
            Some(e) => Err(e),
            None if self.done => Err(Error::with_detail(VIR_FROM_RPC, VIR_ERR_OPERATION_FAILED, "stream is closed")),
            None => Ok(()),
        }
    }

    /// Ends our side with `status` and waits for the daemon's answer.
    fn end(&mut self, status: Status) -> Result<()> {
        let since = self.inbox.marks();
        let r = self.send_message(MessageType::Stream, status, |_| {});
        let r = r.and_then(|_| self.inbox.wait_answer(since, ANSWER_WAIT));
        self.done = true;
        self.drop_watch();
        self.client.end_stream(self.serial);
        r
    }

    fn drop_watch(&mut self) {
        if let Some(w) = self.watch.take() {
            self.inbox.set_wake(None);
            event_loop::remove_timeout(w.timer);
        }
    }
}

impl Drop for RemoteStream {
    fn drop(&mut self) {
        self.drop_watch();
        self.client.end_stream(self.serial);
    }
}

/// The events of `wanted` ready on the stream.
fn ready(inbox: &Inbox, wanted: i32) -> i32 {
    let mut ev = 0;
    if wanted & HANDLE_READABLE != 0 && inbox.readable() {
        ev |= HANDLE_READABLE;
    }
    ev | (wanted & HANDLE_WRITABLE)
}

impl StreamBackend for RemoteStream {
    fn send(&mut self, data: &[u8]) -> Result<Io> {
        self.check()?;
        for chunk in data.chunks(CHUNK_MAX) {
            self.send_message(MessageType::Stream, Status::Continue, |e| e.raw(chunk))?;
        }
        Ok(Io::Done(data.len()))
    }

    fn recv(&mut self, buf: &mut [u8]) -> Result<Io> {
        self.recv_flags(buf, 0)
    }

    fn recv_flags(&mut self, buf: &mut [u8], flags: u32) -> Result<Io> {
        if self.done {
            self.check()?;
        }
        let stop = flags & VIR_STREAM_RECV_STOP_AT_HOLE as u32 != 0;
        match self.inbox.take(buf, self.nonblock, stop)? {
            Taken::Data(n) => Ok(Io::Done(n)),
            Taken::Empty => Ok(Io::WouldBlock),
            Taken::AtHole => Err(stream::at_hole()),
        }
    }

    fn send_hole(&mut self, length: i64, flags: u32) -> Result<()> {
        self.check()?;
        self.send_message(MessageType::StreamHole, Status::Continue, |e| {
            e.i64(length);
            e.u32(flags);
        })
    }

    fn recv_hole(&mut self, _flags: u32) -> Result<i64> {
        self.check()?;
        Ok(self.inbox.take_hole())
    }

    fn finish(&mut self) -> Result<()> {
        self.check()?;
        self.end(Status::Ok)
    }

    fn abort(&mut self) -> Result<()> {
        self.check()?;
        // the daemon answers an abort with an error of its own
        let _ = self.end(Status::Error);
        Ok(())
    }

    fn add_callback(&mut self, events: i32, cb: StreamCallback, ff: Option<FreeCallback>) -> Result<()> {
        if self.watch.is_some() {
            return Err(Error::internal("multiple stream callbacks not supported").from_domain(VIR_FROM_STREAMS));
        }
        let wanted = Arc::new(Mutex::new(events));
        let (inbox, w2) = (self.inbox.clone(), wanted.clone());
        let timer_slot = Arc::new(Mutex::new(-1));
        let slot = timer_slot.clone();
        let timer = event_loop::add_timeout(
            -1,
            Arc::new(move |t| {
                let ev = ready(&inbox, *w2.lock());
                if ev != 0 {
                    cb(ev);
                }
                let again = ready(&inbox, *w2.lock());
                event_loop::update_timeout(t, if again != 0 { 0 } else { -1 });
            }),
            ff,
        );
        if timer < 0 {
            return Err(Error::internal("cannot register timer").from_domain(VIR_FROM_STREAMS));
        }
        *slot.lock() = timer;
        let (inbox, w3) = (self.inbox.clone(), wanted.clone());
        self.inbox.set_wake(Some(Arc::new(move || {
            if ready(&inbox, *w3.lock()) != 0 {
                event_loop::update_timeout(*timer_slot.lock(), 0);
            }
        })));
        self.watch = Some(Watch { timer, events: wanted });
        self.update_callback(events)
    }

    fn update_callback(&mut self, events: i32) -> Result<()> {
        let w = self.watch.as_ref().ok_or_else(no_callback)?;
        *w.events.lock() = events;
        let now = ready(&self.inbox, events);
        event_loop::update_timeout(w.timer, if now != 0 { 0 } else { -1 });
        Ok(())
    }

    fn remove_callback(&mut self) -> Result<()> {
        if self.watch.is_none() {
            return Err(no_callback());
        }
        self.drop_watch();
        Ok(())
    }
}

fn no_callback() -> Error {
    Error::internal("no stream callback registered").from_domain(VIR_FROM_STREAMS)
}

fn client_of(c: &crate::core::connect::Connect) -> Result<Arc<Client>> {
    Ok(super::remote(c)?.client.clone())
}

fn stream_arg(st: Option<&Stream>) -> Result<&Stream> {
    st.ok_or_else(|| Error::invalid_arg("stream must not be NULL"))
}

/// The slots whose call opens a stream.
pub fn install(t: &mut crate::core::driver::DriverTable) {
    use super::client::REMOTE;
    use super::generated::proc;
    use super::wire::Enc;
    t.api.storage_vol_upload = Some(|vol, st, offset, length, flags| {
        open(&client_of(&vol.conn)?, stream_arg(st)?, REMOTE, proc::STORAGE_VOL_UPLOAD, |e| {
            vol.enc(e);
            e.u64(offset);
            e.u64(length);
            e.u32(flags);
        })?;
        Ok(0)
    });
    t.api.storage_vol_download = Some(|vol, st, offset, length, flags| {
        open(&client_of(&vol.conn)?, stream_arg(st)?, REMOTE, proc::STORAGE_VOL_DOWNLOAD, |e| {
            vol.enc(e);
            e.u64(offset);
            e.u64(length);
            e.u32(flags);
        })?;
        Ok(0)
    });
    t.api.domain_screenshot = Some(|dom, st, screen, flags| {
        let r = open(&client_of(&dom.conn)?, stream_arg(st)?, REMOTE, proc::DOMAIN_SCREENSHOT, |e| {
            dom.enc(e);
            e.u32(screen);
            e.u32(flags);
        })?;
        let mime: Option<String> = super::reply(&dom.conn, &r)?;
        mime.ok_or_else(|| Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_RPC, "no MIME type returned"))
    });
    t.api.domain_open_console = Some(|dom, dev, st, flags| {
        open(&client_of(&dom.conn)?, stream_arg(st)?, REMOTE, proc::DOMAIN_OPEN_CONSOLE, |e| {
            dom.enc(e);
            dev.map(str::to_string).enc(e);
            e.u32(flags);
        })?;
        Ok(0)
    });
    t.api.domain_open_channel = Some(|dom, name, st, flags| {
        open(&client_of(&dom.conn)?, stream_arg(st)?, REMOTE, proc::DOMAIN_OPEN_CHANNEL, |e| {
            dom.enc(e);
            name.map(str::to_string).enc(e);
            e.u32(flags);
        })?;
        Ok(0)
    });
}
