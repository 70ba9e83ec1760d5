//! Data streams (`virStream*`): the driver-side interface a stream's
//! backend implements, and the API-level behaviour on top of it.
//!
//! A [`Stream`] starts with no backend; the driver call that opens it
//! (a screenshot, a console, a volume transfer) attaches one with
//! [`attach`]. Without a backend every operation fails with
//! `VIR_ERR_NO_SUPPORT`, except abort, which succeeds, as in libvirt.
//! Non-blocking streams report "would block" as [`Io::WouldBlock`] (`-2`
//! at the C level).

use super::error::{Error, Result};
use super::event_loop::{self, FreeCallback, HANDLE_ERROR, HANDLE_HANGUP, HANDLE_READABLE, HANDLE_WRITABLE};
use super::objects::Stream;
use crate::generated::consts::*;
use std::sync::Arc;

/// The outcome of a transfer that may not complete on a non-blocking stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    /// This many bytes were moved; 0 on receive means end of stream.
    Done(usize),
    /// Nothing can move now (`-2`).
    WouldBlock,
}

/// A stream event callback: called with `VIR_STREAM_EVENT_*` bits.
pub type StreamCallback = Arc<dyn Fn(i32) + Send + Sync>;

/// What a driver implements for the streams it opens. Every method has
/// libvirt's answer for a backend that lacks the operation.
pub trait StreamBackend: Send {
    fn send(&mut self, _data: &[u8]) -> Result<Io> {
        Err(Error::no_support())
    }
    fn recv(&mut self, _buf: &mut [u8]) -> Result<Io> {
        Err(Error::no_support())
    }
    /// Receive with `VIR_STREAM_RECV_*` flags (sparse streams).
    fn recv_flags(&mut self, _buf: &mut [u8], _flags: u32) -> Result<Io> {
        Err(Error::no_support())
    }
    fn send_hole(&mut self, _length: i64, _flags: u32) -> Result<()> {
        Err(Error::no_support())
    }
    fn recv_hole(&mut self, _flags: u32) -> Result<i64> {
        Err(Error::no_support())
    }
    fn finish(&mut self) -> Result<()> {
        Err(Error::no_support())
    }
    fn abort(&mut self) -> Result<()> {
        Ok(())
    }
    fn add_callback(&mut self, _events: i32, _cb: StreamCallback, _ff: Option<FreeCallback>) -> Result<()> {
        Err(Error::no_support())
    }
    fn update_callback(&mut self, _events: i32) -> Result<()> {
        Err(Error::no_support())
    }
    fn remove_callback(&mut self) -> Result<()> {
        Err(Error::no_support())
    }
}

/// Gives the stream its backend (the driver call that opens it does this).
pub fn attach(stream: &Stream, backend: Box<dyn StreamBackend>) {
    *stream.state.lock() = Some(Box::new(backend));
}

/// Whether a driver backs the stream.
pub fn is_attached(stream: &Stream) -> bool {
    stream.state.lock().as_ref().is_some_and(|s| s.is::<Box<dyn StreamBackend>>())
}

/// Runs `f` on the stream's backend, or fails with `VIR_ERR_NO_SUPPORT`;
/// errors name the public function `api` (the `*All` helpers report the
/// function they call, as libvirt does).
pub fn with_backend<T>(stream: &Stream, api: &str, f: impl FnOnce(&mut dyn StreamBackend) -> Result<T>) -> Result<T> {
    let mut g = stream.state.lock();
    let r = match g.as_mut().and_then(|s| s.downcast_mut::<Box<dyn StreamBackend>>()) {
        Some(b) => f(b.as_mut()),
        None => Err(Error::no_support()),
    };
    r.map_err(|e| e.in_api(api, VIR_FROM_STREAMS))
}

pub fn is_nonblocking(stream: &Stream) -> bool {
    stream.flags & VIR_STREAM_NONBLOCK as u32 != 0
}

pub fn send(stream: &Stream, data: &[u8]) -> Result<Io> {
    with_backend(stream, "virStreamSend", |b| b.send(data))
}

pub fn recv(stream: &Stream, buf: &mut [u8]) -> Result<Io> {
    with_backend(stream, "virStreamRecv", |b| b.recv(buf))
}

pub fn recv_flags(stream: &Stream, buf: &mut [u8], flags: u32) -> Result<Io> {
    with_backend(stream, "virStreamRecvFlags", |b| b.recv_flags(buf, flags))
}

pub fn send_hole(stream: &Stream, length: i64, flags: u32) -> Result<()> {
    with_backend(stream, "virStreamSendHole", |b| b.send_hole(length, flags))
}

pub fn recv_hole(stream: &Stream, flags: u32) -> Result<i64> {
    with_backend(stream, "virStreamRecvHole", |b| b.recv_hole(flags))
}

pub fn finish(stream: &Stream) -> Result<()> {
    with_backend(stream, "virStreamFinish", |b| b.finish())
}

/// Aborts the transfer; a stream no driver backs has nothing to abort.
pub fn abort(stream: &Stream) -> Result<()> {
    if !is_attached(stream) {
        return Ok(());
    }
    with_backend(stream, "virStreamAbort", |b| b.abort())
}

pub fn add_callback(stream: &Stream, events: i32, cb: StreamCallback, ff: Option<FreeCallback>) -> Result<()> {
    with_backend(stream, "virStreamEventAddCallback", |b| b.add_callback(events, cb, ff))
}

pub fn update_callback(stream: &Stream, events: i32) -> Result<()> {
    with_backend(stream, "virStreamEventUpdateCallback", |b| b.update_callback(events))
}

pub fn remove_callback(stream: &Stream) -> Result<()> {
    with_backend(stream, "virStreamEventRemoveCallback", |b| b.remove_callback())
}

/// The chunk size of the `*All` helpers.
pub const CHUNK: usize = 64 * 1024;

fn refuse_nonblocking(stream: &Stream, what: &str) -> Result<()> {
    if is_nonblocking(stream) {
        return Err(Error::with_detail(
            VIR_FROM_STREAMS,
            VIR_ERR_OPERATION_INVALID,
            format!("{what} cannot be used for non-blocking streams"),
        ));
    }
    Ok(())
}

/// A failing application handler, reported as libvirt does.
pub fn handler_failed(what: &str, errno: i32) -> Error {
    Error::system(VIR_FROM_STREAMS, if errno == 0 { libc::EIO } else { errno }, what)
}

/// Runs `body`; on failure aborts the stream and keeps the first error.
fn or_abort(stream: &Stream, body: impl FnOnce() -> Result<()>) -> Result<()> {
    let r = body();
    if r.is_err() {
        let _ = abort(stream);
    }
    r
}

/// `virStreamSendAll`: `source` fills a buffer and returns the bytes
/// written (0 at the end) or the errno of its failure.
pub fn send_all(stream: &Stream, mut source: impl FnMut(&mut [u8]) -> std::result::Result<usize, i32>) -> Result<()> {
    refuse_nonblocking(stream, "data sources")?;
    or_abort(stream, || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let got = source(&mut buf).map_err(|e| handler_failed("send handler failed", e))?;
            if got == 0 {
                return Ok(());
            }
            let mut off = 0;
            while off < got {
                match send(stream, &buf[off..got])? {
                    Io::Done(n) => off += n,
                    Io::WouldBlock => {}
                }
            }
        }
    })
}

/// `virStreamRecvAll`: `sink` consumes data and returns how much it took,
/// or the errno of its failure.
pub fn recv_all(stream: &Stream, mut sink: impl FnMut(&[u8]) -> std::result::Result<usize, i32>) -> Result<()> {
    refuse_nonblocking(stream, "data sinks")?;
    or_abort(stream, || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let got = match recv(stream, &mut buf)? {
                Io::Done(0) => return Ok(()),
                Io::Done(n) => n,
                Io::WouldBlock => continue,
            };
            let mut off = 0;
            while off < got {
                off += sink(&buf[off..got]).map_err(|e| handler_failed("recv handler failed", e))?;
            }
        }
    })
}

/// The application's side of a sparse send.
pub trait SparseSource {
    /// Fills `buf`; bytes written, or an errno.
    fn data(&mut self, buf: &mut [u8]) -> std::result::Result<usize, i32>;
    /// Whether the source is in data, and how long that section is.
    fn hole(&mut self) -> std::result::Result<(bool, i64), i32>;
    /// Skips a hole of this length.
    fn skip(&mut self, length: i64) -> std::result::Result<(), i32>;
}

/// `virStreamSparseSendAll`.
pub fn sparse_send_all(stream: &Stream, src: &mut dyn SparseSource) -> Result<()> {
    refuse_nonblocking(stream, "data sources")?;
    or_abort(stream, || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let (in_data, section) = src.hole().map_err(|e| handler_failed("send holeHandler failed", e))?;
            if !in_data && section > 0 {
                send_hole(stream, section, 0)?;
                src.skip(section).map_err(|e| handler_failed("send skipHandler failed", e))?;
                continue;
            }
            let want = if in_data && section > 0 { (section as usize).min(CHUNK) } else { CHUNK };
            let got = src.data(&mut buf[..want]).map_err(|e| handler_failed("send handler failed", e))?;
            if got == 0 {
                return Ok(());
            }
            let mut off = 0;
            while off < got {
                match send(stream, &buf[off..got])? {
                    Io::Done(n) => off += n,
                    Io::WouldBlock => {}
                }
            }
        }
    })
}

/// `virStreamSparseRecvAll`: data goes to `sink`, holes to `hole`.
pub fn sparse_recv_all(
    stream: &Stream,
    mut sink: impl FnMut(&[u8]) -> std::result::Result<usize, i32>,
    mut hole: impl FnMut(i64) -> std::result::Result<(), i32>,
) -> Result<()> {
    refuse_nonblocking(stream, "data sinks")?;
    or_abort(stream, || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let got = match recv_flags(stream, &mut buf, VIR_STREAM_RECV_STOP_AT_HOLE as u32) {
                Ok(Io::Done(0)) => return Ok(()),
                Ok(Io::Done(n)) => n,
                Ok(Io::WouldBlock) => continue,
                Err(e) if e.code == VIR_ERR_OPERATION_INVALID && is_hole_error(&e) => {
                    let len = recv_hole(stream, 0)?;
                    hole(len).map_err(|e| handler_failed("recv holeHandler failed", e))?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut off = 0;
            while off < got {
                off += sink(&buf[off..got]).map_err(|e| handler_failed("recv handler failed", e))?;
            }
        }
    })
}

/// The marker a backend's `recv_flags` returns when it stops at a hole.
pub fn at_hole() -> Error {
    Error::with_detail(VIR_FROM_STREAMS, VIR_ERR_OPERATION_INVALID, "stream at hole")
}

/// Whether `e` is the [`at_hole`] marker.
pub fn is_hole_error(e: &Error) -> bool {
    e.str2.as_deref() == Some("stream at hole")
}

/// A stream backend reading a local file (what the test driver's
/// screenshot opens), with event callbacks through a loop watch on it.
pub struct FileStream {
    file: Option<std::fs::File>,
    watch: Option<(i32, StreamCallback)>,
}

impl FileStream {
    pub fn open(path: &str) -> Result<FileStream> {
        let file = std::fs::File::open(path).map_err(|e| {
            Error::system(VIR_FROM_STREAMS, e.raw_os_error().unwrap_or(libc::EIO), format!("Unable to open '{path}'"))
        })?;
        Ok(FileStream { file: Some(file), watch: None })
    }

    fn file(&mut self) -> Result<&mut std::fs::File> {
        self.file
            .as_mut()
            .ok_or_else(|| Error::with_detail(VIR_FROM_STREAMS, VIR_ERR_INTERNAL_ERROR, "stream is not open"))
    }

    fn close(&mut self) {
        if let Some((w, _)) = self.watch.take() {
            event_loop::remove_handle(w);
        }
        self.file = None;
    }
}

impl Drop for FileStream {
    fn drop(&mut self) {
        self.close();
    }
}

fn stream_events(handle_events: i32) -> i32 {
    // the VIR_STREAM_EVENT_* bits are the VIR_EVENT_HANDLE_* bits
    handle_events & (HANDLE_READABLE | HANDLE_WRITABLE | HANDLE_ERROR | HANDLE_HANGUP)
}

impl StreamBackend for FileStream {
    fn send(&mut self, _data: &[u8]) -> Result<Io> {
        self.file()?;
        Err(Error::system(VIR_FROM_STREAMS, libc::EBADF, "cannot write to stream"))
    }

    fn recv(&mut self, buf: &mut [u8]) -> Result<Io> {
        use std::io::Read;
        let f = self.file()?;
        f.read(buf).map(Io::Done).map_err(|e| {
            Error::system(VIR_FROM_STREAMS, e.raw_os_error().unwrap_or(libc::EIO), "cannot read from stream")
        })
    }

    fn send_hole(&mut self, length: i64, _flags: u32) -> Result<()> {
        self.file()?;
        if length <= 0 {
            return Err(Error::arg_error(
                "length",
                "virFDStreamSendHole",
                "length in virFDStreamSendHole must be greater than zero".into(),
            ));
        }
        Err(Error::system(VIR_FROM_STREAMS, libc::EINVAL, "unable to truncate"))
    }

    fn finish(&mut self) -> Result<()> {
        self.close();
        Ok(())
    }

    fn abort(&mut self) -> Result<()> {
        self.close();
        Ok(())
    }

    fn add_callback(&mut self, events: i32, cb: StreamCallback, ff: Option<FreeCallback>) -> Result<()> {
        use std::os::fd::AsRawFd;
        let fd = self.file()?.as_raw_fd();
        if self.watch.is_some() {
            return Err(Error::internal("stream already has a callback registered").from_domain(VIR_FROM_STREAMS));
        }
        let call = cb.clone();
        let w = event_loop::add_handle(fd, events, Arc::new(move |_, _, ev| call(stream_events(ev))), ff);
        if w < 0 {
            return Err(Error::internal("cannot register file watch on stream").from_domain(VIR_FROM_STREAMS));
        }
        self.watch = Some((w, cb));
        Ok(())
    }

    fn update_callback(&mut self, events: i32) -> Result<()> {
        self.file()?;
        let (w, _) = self.watch.as_ref().ok_or_else(no_callback)?;
        event_loop::update_handle(*w, events);
        Ok(())
    }

    fn remove_callback(&mut self) -> Result<()> {
        self.file()?;
        let (w, _) = self.watch.take().ok_or_else(no_callback)?;
        event_loop::remove_handle(w);
        Ok(())
    }
}

fn no_callback() -> Error {
    Error::internal("stream does not have a callback registered").from_domain(VIR_FROM_STREAMS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An in-memory backend: what is sent can be received back; holes are
    /// recorded as sections.
    #[derive(Default)]
    struct Loopback {
        sections: std::collections::VecDeque<Section>,
        nonblock_empty: bool,
        finished: bool,
    }

    enum Section {
        Data(Vec<u8>),
        Hole(i64),
    }

    impl StreamBackend for Loopback {
        fn send(&mut self, data: &[u8]) -> Result<Io> {
            self.sections.push_back(Section::Data(data.to_vec()));
            Ok(Io::Done(data.len()))
        }
        fn recv(&mut self, buf: &mut [u8]) -> Result<Io> {
            self.recv_flags(buf, 0)
        }
        fn recv_flags(&mut self, buf: &mut [u8], flags: u32) -> Result<Io> {
            match self.sections.front_mut() {
                None if self.nonblock_empty => Ok(Io::WouldBlock),
                None => Ok(Io::Done(0)),
                Some(Section::Hole(_)) if flags != 0 => Err(at_hole()),
                Some(Section::Hole(n)) => {
                    let k = (*n as usize).min(buf.len());
                    buf[..k].fill(0);
                    *n -= k as i64;
                    if *n == 0 {
                        self.sections.pop_front();
                    }
                    Ok(Io::Done(k))
                }
                Some(Section::Data(d)) => {
                    let k = d.len().min(buf.len());
                    buf[..k].copy_from_slice(&d[..k]);
                    d.drain(..k);
                    if d.is_empty() {
                        self.sections.pop_front();
                    }
                    Ok(Io::Done(k))
                }
            }
        }
        fn send_hole(&mut self, length: i64, _flags: u32) -> Result<()> {
            self.sections.push_back(Section::Hole(length));
            Ok(())
        }
        fn recv_hole(&mut self, _flags: u32) -> Result<i64> {
            match self.sections.pop_front() {
                Some(Section::Hole(n)) => Ok(n),
                Some(other) => {
                    self.sections.push_front(other);
                    Ok(0)
                }
                None => Ok(0),
            }
        }
        fn finish(&mut self) -> Result<()> {
            self.finished = true;
            Ok(())
        }
    }

    fn stream(flags: u32) -> Stream {
        let conn = crate::core::Connect::open(Some("test:///default"), false, 0).unwrap();
        Stream::new(conn, flags)
    }

    #[test]
    fn unbacked_stream_answers_like_libvirt() {
        crate::initialize();
        let s = stream(0);
        assert_eq!(send(&s, b"x").unwrap_err().code, VIR_ERR_NO_SUPPORT);
        assert_eq!(finish(&s).unwrap_err().code, VIR_ERR_NO_SUPPORT);
        assert!(abort(&s).is_ok());
        assert!(!is_attached(&s));
    }

    #[test]
    fn send_all_and_recv_all_round_trip() {
        crate::initialize();
        let s = stream(0);
        attach(&s, Box::new(Loopback::default()));
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let mut pos = 0;
        send_all(&s, |buf| {
            let n = buf.len().min(data.len() - pos);
            buf[..n].copy_from_slice(&data[pos..pos + n]);
            pos += n;
            Ok(n)
        })
        .unwrap();
        let mut got = Vec::new();
        recv_all(&s, |d| {
            got.extend_from_slice(d);
            Ok(d.len())
        })
        .unwrap();
        assert_eq!(got, data);
        finish(&s).unwrap();
    }

    #[test]
    fn failing_handler_aborts_with_libvirts_error() {
        crate::initialize();
        let s = stream(0);
        attach(&s, Box::new(Loopback::default()));
        let e = send_all(&s, |_| Err(0)).unwrap_err();
        assert_eq!(e.code, VIR_ERR_SYSTEM_ERROR);
        assert_eq!(e.message, "send handler failed: Input/output error");
    }

    #[test]
    fn nonblocking_streams_refuse_all_helpers_and_would_block() {
        crate::initialize();
        let s = stream(VIR_STREAM_NONBLOCK as u32);
        attach(&s, Box::new(Loopback { nonblock_empty: true, ..Default::default() }));
        let e = recv_all(&s, |d| Ok(d.len())).unwrap_err();
        assert_eq!(e.message, "Requested operation is not valid: data sinks cannot be used for non-blocking streams");
        let mut buf = [0u8; 4];
        assert_eq!(recv(&s, &mut buf).unwrap(), Io::WouldBlock);
    }

    struct Sparse {
        layout: Vec<(bool, i64)>,
        at: usize,
        used: i64,
    }

    impl SparseSource for Sparse {
        fn data(&mut self, buf: &mut [u8]) -> std::result::Result<usize, i32> {
            let Some(&(true, len)) = self.layout.get(self.at) else { return Ok(0) };
            let n = ((len - self.used) as usize).min(buf.len());
            buf[..n].fill(7);
            self.used += n as i64;
            if self.used == len {
                self.at += 1;
                self.used = 0;
            }
            Ok(n)
        }
        fn hole(&mut self) -> std::result::Result<(bool, i64), i32> {
            Ok(self.layout.get(self.at).map_or((true, 0), |&(d, l)| (d, l - self.used)))
        }
        fn skip(&mut self, _length: i64) -> std::result::Result<(), i32> {
            self.at += 1;
            self.used = 0;
            Ok(())
        }
    }

    #[test]
    fn sparse_transfers_keep_holes() {
        crate::initialize();
        let s = stream(0);
        attach(&s, Box::new(Loopback::default()));
        let mut src = Sparse { layout: vec![(true, 10), (false, 4096), (true, 3)], at: 0, used: 0 };
        sparse_send_all(&s, &mut src).unwrap();
        let (mut data, mut holes) = (0usize, Vec::new());
        sparse_recv_all(
            &s,
            |d| {
                data += d.len();
                Ok(d.len())
            },
            |h| {
                holes.push(h);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!((data, holes), (13, vec![4096]));
    }

    #[test]
    fn file_stream_reads_then_closes() {
        let path = std::env::temp_dir().join(format!("virt-rs-stream-{}", std::process::id()));
        std::fs::write(&path, b"hello").unwrap();
        let mut f = FileStream::open(path.to_str().unwrap()).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(f.recv(&mut buf).unwrap(), Io::Done(5));
        assert_eq!(f.recv(&mut buf).unwrap(), Io::Done(0));
        assert_eq!(f.send(b"x").unwrap_err().message, "cannot write to stream: Bad file descriptor");
        f.finish().unwrap();
        assert_eq!(f.recv(&mut buf).unwrap_err().message, "internal error: stream is not open");
        assert!(f.finish().is_ok());
        std::fs::remove_file(path).unwrap();
    }
}
