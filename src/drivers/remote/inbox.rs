//! What the daemon sends on an open stream, queued by the connection's
//! reader until the stream's user takes it: data, holes, the end of the
//! data, the daemon's answer to our end or abort, and errors.

use super::client::decode_error;
use crate::core::error::{Error, Result};
use crate::util::rpc::{MessageType, Status};
use crate::util::xdr::Decoder;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::time::Duration;

/// One queued piece of the stream.
enum Piece {
    Data(Vec<u8>, usize),
    Hole(i64),
}

#[derive(Default)]
struct State {
    pieces: VecDeque<Piece>,
    /// The daemon sent the end of its data (an empty data message).
    eof: bool,
    /// The daemon's messages with status OK (its end of data, or its answer
    /// to ours).
    oks: u32,
    /// The daemon's error, or the connection's.
    error: Option<Error>,
    /// Whether an error already arrived (it answers an abort too).
    errors: u32,
    /// Told whenever something arrives (stream event callbacks).
    wake: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
}

#[derive(Default)]
pub struct Inbox {
    state: Mutex<State>,
    cv: Condvar,
}

/// What a receive found.
#[derive(Debug)]
pub enum Taken {
    /// Bytes copied (0: the daemon ended the data).
    Data(usize),
    /// The stream is at a hole (and the caller stops there).
    AtHole,
    /// Nothing yet.
    Empty,
}

impl Inbox {
    /// Queues a message the reader got for this stream.
    pub fn put(&self, kind: MessageType, status: Status, payload: &[u8]) {
        let mut st = self.state.lock();
        match (kind, status) {
            (MessageType::StreamHole, _) => {
                let mut d = Decoder::new(payload);
                if let (Ok(len), Ok(_flags)) = (d.i64(), d.u32()) {
                    if len > 0 {
                        st.pieces.push_back(Piece::Hole(len));
                    }
                }
            }
            (_, Status::Continue) if !payload.is_empty() => st.pieces.push_back(Piece::Data(payload.to_vec(), 0)),
            (_, Status::Continue) => st.eof = true,
            (_, Status::Ok) => st.oks += 1,
            (_, Status::Error) => {
                st.errors += 1;
                st.error.get_or_insert_with(|| decode_error(payload));
            }
        }
        self.notify(st);
    }

    /// The connection died: every wait ends with `err`.
    pub fn fail(&self, err: Error) {
        let mut st = self.state.lock();
        st.error.get_or_insert(err);
        st.errors += 1;
        self.notify(st);
    }

    fn notify(&self, st: parking_lot::MutexGuard<'_, State>) {
        let wake = st.wake.clone();
        drop(st);
        self.cv.notify_all();
        if let Some(w) = wake {
            w();
        }
    }

    pub fn set_wake(&self, wake: Option<std::sync::Arc<dyn Fn() + Send + Sync>>) {
        self.state.lock().wake = wake;
    }

    /// The error that ended the stream, if any.
    pub fn error(&self) -> Option<Error> {
        self.state.lock().error.clone()
    }

    /// Whether a receive would not wait: data, a hole, the end or an error.
    pub fn readable(&self) -> bool {
        let st = self.state.lock();
        !st.pieces.is_empty() || st.eof || st.oks > 0 || st.error.is_some()
    }

    /// Copies queued data into `buf`, waiting for some unless `nonblock`.
    /// A hole reads as zeroes unless `stop_at_hole`.
    pub fn take(&self, buf: &mut [u8], nonblock: bool, stop_at_hole: bool) -> Result<Taken> {
        let mut st = self.state.lock();
        loop {
            if !st.pieces.is_empty() {
                break;
            }
            if let Some(e) = st.error.clone() {
                return Err(e);
            }
            if st.eof || st.oks > 0 {
                return Ok(Taken::Data(0));
            }
            if nonblock {
                return Ok(Taken::Empty);
            }
            self.cv.wait(&mut st);
        }
        let mut got = 0;
        while got < buf.len() {
            match st.pieces.front_mut() {
                Some(Piece::Data(d, at)) => {
                    let n = (d.len() - *at).min(buf.len() - got);
                    buf[got..got + n].copy_from_slice(&d[*at..*at + n]);
                    *at += n;
                    got += n;
                    if *at == d.len() {
                        st.pieces.pop_front();
                    }
                }
                Some(Piece::Hole(_)) if stop_at_hole => {
                    if got == 0 {
                        return Ok(Taken::AtHole);
                    }
                    break;
                }
                Some(Piece::Hole(len)) => {
                    let n = (*len as usize).min(buf.len() - got);
                    buf[got..got + n].fill(0);
                    *len -= n as i64;
                    got += n;
                    if *len == 0 {
                        st.pieces.pop_front();
                    }
                }
                None => break,
            }
        }
        Ok(Taken::Data(got))
    }

    /// The length of the hole the stream is at (0 when in data).
    pub fn take_hole(&self) -> i64 {
        let mut st = self.state.lock();
        match st.pieces.front() {
            Some(Piece::Hole(len)) => {
                let len = *len;
                st.pieces.pop_front();
                len
            }
            _ => 0,
        }
    }

    /// Counts of the daemon's OK and error messages so far.
    pub fn marks(&self) -> (u32, u32) {
        let st = self.state.lock();
        (st.oks, st.errors)
    }

    /// Waits until the daemon sent an OK or error beyond `since` (its
    /// answer to our end or abort); gives up after `limit`.
    pub fn wait_answer(&self, since: (u32, u32), limit: Duration) -> Result<()> {
        let mut st = self.state.lock();
        let deadline = std::time::Instant::now() + limit;
        loop {
            if st.errors > since.1 {
                return Err(st.error.clone().unwrap_or_else(|| Error::internal("stream failed")));
            }
            if st.oks > since.0 {
                return Ok(());
            }
            if self.cv.wait_until(&mut st, deadline).timed_out() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_holes_end_and_answers() {
        let inbox = Inbox::default();
        inbox.put(MessageType::Stream, Status::Continue, b"abc");
        let mut hole = crate::util::xdr::Encoder::new();
        hole.i64(5);
        hole.u32(0);
        inbox.put(MessageType::StreamHole, Status::Continue, &hole.into_vec());
        inbox.put(MessageType::Stream, Status::Continue, b"de");
        inbox.put(MessageType::Stream, Status::Continue, b"");
        let mut buf = [9u8; 16];
        assert!(matches!(inbox.take(&mut buf, true, true).unwrap(), Taken::Data(3)));
        assert!(matches!(inbox.take(&mut buf, true, true).unwrap(), Taken::AtHole));
        assert_eq!(inbox.take_hole(), 5);
        assert!(matches!(inbox.take(&mut buf, true, true).unwrap(), Taken::Data(2)));
        assert!(matches!(inbox.take(&mut buf, true, true).unwrap(), Taken::Data(0)));
        let since = inbox.marks();
        inbox.put(MessageType::Stream, Status::Ok, b"");
        inbox.wait_answer(since, Duration::from_secs(1)).unwrap();
        // without stopping, a hole reads as zeroes
        let z = Inbox::default();
        z.put(MessageType::Stream, Status::Continue, b"x");
        let mut hole = crate::util::xdr::Encoder::new();
        hole.i64(3);
        hole.u32(0);
        z.put(MessageType::StreamHole, Status::Continue, &hole.into_vec());
        assert!(matches!(z.take(&mut buf, true, false).unwrap(), Taken::Data(4)));
        assert_eq!(&buf[..4], b"x\0\0\0");
        assert!(matches!(z.take(&mut buf, true, false).unwrap(), Taken::Empty));
        z.fail(Error::internal("gone"));
        assert_eq!(z.take(&mut buf, false, false).unwrap_err().message, "internal error: gone");
    }
}
