//! libvirt-stream.h: streams over the safe core's [`crate::core::stream`],
//! with the application's handlers and callbacks wrapped as closures.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::core::error::Result;
use crate::core::stream::{self, Io, SparseSource, StreamCallback};
use crate::core::Stream;
use std::os::raw::{c_char, c_int, c_longlong, c_uint, c_void};
use std::sync::Arc;

unsafe fn stream_of<'a>(p: virStreamPtr) -> Result<&'a Stream> {
    // SAFETY: the caller's pointer, class-checked.
    Ok(unsafe { StreamHandle::check(p) }?.obj())
}

/// The C result of a transfer: bytes moved, or -2 when it would block.
fn io_result(io: Io) -> c_int {
    match io {
        Io::Done(n) => n as c_int,
        Io::WouldBlock => -2,
    }
}

/// Clears `errno`, so a failing handler that sets none is reported as EIO.
fn clear_errno() {
    // SAFETY: errno is this thread's own variable.
    unsafe { *libc::__errno_location() = 0 };
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

pub(crate) unsafe fn virStreamNew(conn: virConnectPtr, flags: c_uint) -> Result<virStreamPtr> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    Ok(StreamHandle::new_raw(Stream::new(c.conn().clone(), flags), conn))
}

pub(crate) unsafe fn virStreamSend(st: virStreamPtr, data: *const c_char, nbytes: usize) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    // SAFETY: the caller passes nbytes readable bytes at data (checked non-NULL).
    let buf = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), nbytes) };
    Ok(io_result(stream::send(s, buf)?))
}

pub(crate) unsafe fn virStreamRecv(st: virStreamPtr, data: *mut c_char, nbytes: usize) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    // SAFETY: the caller passes nbytes writable bytes at data (checked non-NULL).
    let buf = unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), nbytes) };
    Ok(io_result(stream::recv(s, buf)?))
}

pub(crate) unsafe fn virStreamRecvFlags(
    st: virStreamPtr,
    data: *mut c_char,
    nbytes: usize,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    // SAFETY: the caller passes nbytes writable bytes at data (checked non-NULL).
    let buf = unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), nbytes) };
    match stream::recv_flags(s, buf, flags) {
        // the stream is at a hole and the caller asked to stop there
        Err(e) if stream::is_hole_error(&e) => Ok(-3),
        r => Ok(io_result(r?)),
    }
}

pub(crate) unsafe fn virStreamSendHole(st: virStreamPtr, length: c_longlong, flags: c_uint) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    stream::send_hole(unsafe { stream_of(st) }?, length, flags)?;
    Ok(0)
}

pub(crate) unsafe fn virStreamRecvHole(st: virStreamPtr, length: *mut c_longlong, flags: c_uint) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let n = stream::recv_hole(unsafe { stream_of(st) }?, flags)?;
    // SAFETY: checked non-NULL by the prologue.
    unsafe { *length = n };
    Ok(0)
}

pub(crate) unsafe fn virStreamFinish(st: virStreamPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    stream::finish(unsafe { stream_of(st) }?)?;
    Ok(0)
}

pub(crate) unsafe fn virStreamAbort(st: virStreamPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    stream::abort(unsafe { stream_of(st) }?)?;
    Ok(0)
}

/// The stream pointer handed back to the application's callbacks.
#[derive(Clone, Copy)]
struct Raw(virStreamPtr, *mut c_void);
// SAFETY: both pointers only go back to the application's own callback;
// the backend drops its callback before the stream handle goes away.
unsafe impl Send for Raw {}
// SAFETY: as above.
unsafe impl Sync for Raw {}

pub(crate) unsafe fn virStreamEventAddCallback(
    st: virStreamPtr,
    events: c_int,
    cb: virStreamEventCallback,
    opaque: *mut c_void,
    ff: virFreeCallback,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    let raw = Raw(st, opaque);
    let call: StreamCallback = Arc::new(move |ev| {
        let raw = raw;
        if let Some(cb) = cb {
            // SAFETY: the application's callback with its stream and pointer.
            unsafe { cb(raw.0, ev, raw.1) }
        }
    });
    let free = ff.map(|f| {
        let b: crate::core::event_loop::FreeCallback = Box::new(move || {
            let raw = raw;
            // SAFETY: the application's free callback for its pointer.
            unsafe { f(raw.1) }
        });
        b
    });
    stream::add_callback(s, events, call, free)?;
    Ok(0)
}

pub(crate) unsafe fn virStreamEventUpdateCallback(st: virStreamPtr, events: c_int) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    stream::update_callback(unsafe { stream_of(st) }?, events)?;
    Ok(0)
}

pub(crate) unsafe fn virStreamEventRemoveCallback(st: virStreamPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    stream::remove_callback(unsafe { stream_of(st) }?)?;
    Ok(0)
}

/// An application handler's result: bytes, or the errno of its failure.
fn handler_result(r: c_int) -> std::result::Result<usize, i32> {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as usize)
    }
}

pub(crate) unsafe fn virStreamSendAll(
    st: virStreamPtr,
    handler: virStreamSourceFunc,
    opaque: *mut c_void,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    let Some(h) = handler else { return Err(crate::capi::strings::null_arg("handler", "virStreamSendAll")) };
    stream::send_all(s, |buf| {
        clear_errno();
        // SAFETY: the application's source, given a buffer of buf.len() bytes.
        handler_result(unsafe { h(st, buf.as_mut_ptr().cast(), buf.len(), opaque) })
    })?;
    Ok(0)
}

pub(crate) unsafe fn virStreamRecvAll(
    st: virStreamPtr,
    handler: virStreamSinkFunc,
    opaque: *mut c_void,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    let Some(h) = handler else { return Err(crate::capi::strings::null_arg("handler", "virStreamRecvAll")) };
    stream::recv_all(s, |data| {
        clear_errno();
        // SAFETY: the application's sink, given data.len() readable bytes.
        handler_result(unsafe { h(st, data.as_ptr().cast(), data.len(), opaque) })
    })?;
    Ok(0)
}

/// The application's three sparse-send handlers.
struct CSparse {
    st: virStreamPtr,
    data: unsafe extern "C" fn(virStreamPtr, *mut c_char, usize, *mut c_void) -> c_int,
    hole: unsafe extern "C" fn(virStreamPtr, *mut c_int, *mut c_longlong, *mut c_void) -> c_int,
    skip: unsafe extern "C" fn(virStreamPtr, c_longlong, *mut c_void) -> c_int,
    opaque: *mut c_void,
}

impl SparseSource for CSparse {
    fn data(&mut self, buf: &mut [u8]) -> std::result::Result<usize, i32> {
        clear_errno();
        // SAFETY: the application's source, given a buffer of buf.len() bytes.
        handler_result(unsafe { (self.data)(self.st, buf.as_mut_ptr().cast(), buf.len(), self.opaque) })
    }

    fn hole(&mut self) -> std::result::Result<(bool, i64), i32> {
        let (mut in_data, mut len): (c_int, c_longlong) = (0, 0);
        clear_errno();
        // SAFETY: the application's hole handler, given two live out-values.
        let r = unsafe { (self.hole)(self.st, &mut in_data, &mut len, self.opaque) };
        handler_result(r).map(|_| (in_data != 0, len))
    }

    fn skip(&mut self, length: i64) -> std::result::Result<(), i32> {
        clear_errno();
        // SAFETY: the application's skip handler.
        handler_result(unsafe { (self.skip)(self.st, length, self.opaque) }).map(|_| ())
    }
}

pub(crate) unsafe fn virStreamSparseSendAll(
    st: virStreamPtr,
    handler: virStreamSourceFunc,
    holeHandler: virStreamSourceHoleFunc,
    skipHandler: virStreamSourceSkipFunc,
    opaque: *mut c_void,
) -> Result<c_int> {
    const API: &str = "virStreamSparseSendAll";
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    let null = |a| crate::capi::strings::null_arg(a, API);
    let mut src = CSparse {
        st,
        data: handler.ok_or_else(|| null("handler"))?,
        hole: holeHandler.ok_or_else(|| null("holeHandler"))?,
        skip: skipHandler.ok_or_else(|| null("skipHandler"))?,
        opaque,
    };
    stream::sparse_send_all(s, &mut src)?;
    Ok(0)
}

pub(crate) unsafe fn virStreamSparseRecvAll(
    st: virStreamPtr,
    handler: virStreamSinkFunc,
    holeHandler: virStreamSinkHoleFunc,
    opaque: *mut c_void,
) -> Result<c_int> {
    const API: &str = "virStreamSparseRecvAll";
    // SAFETY: forwarded caller contract.
    let s = unsafe { stream_of(st) }?;
    let h = handler.ok_or_else(|| crate::capi::strings::null_arg("handler", API))?;
    let hh = holeHandler.ok_or_else(|| crate::capi::strings::null_arg("holeHandler", API))?;
    stream::sparse_recv_all(
        s,
        |data| {
            clear_errno();
            // SAFETY: the application's sink, given data.len() readable bytes.
            handler_result(unsafe { h(st, data.as_ptr().cast(), data.len(), opaque) })
        },
        |len| {
            clear_errno();
            // SAFETY: the application's hole handler.
            handler_result(unsafe { hh(st, len, opaque) }).map(|_| ())
        },
    )?;
    Ok(0)
}
