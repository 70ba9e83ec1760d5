//! Passing file descriptors over a UNIX socket: we send them one per
//! message, a single data byte carrying an `SCM_RIGHTS` control message, as
//! libvirt's peers expect after a message of type `*_WITH_FDS`; we receive
//! them with whatever data came in the same `recvmsg`.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::RawFd;

/// Most descriptors one message may carry.
pub const NUM_FDS_MAX: u32 = 32;

fn control_space() -> usize {
    // SAFETY: CMSG_SPACE only computes a size.
    unsafe { libc::CMSG_SPACE(size_of::<RawFd>() as u32) as usize }
}

/// Sends `fd` over the socket `sock`.
pub fn send_fd(sock: RawFd, fd: RawFd) -> io::Result<()> {
    let mut byte = 0u8;
    let mut control = vec![0u8; control_space()];
    let mut iov = libc::iovec { iov_base: (&mut byte as *mut u8).cast(), iov_len: 1 };
    // SAFETY: an all-zero msghdr is a valid empty header.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = control.len() as _;
    // SAFETY: msg_control points at a buffer of CMSG_SPACE(int) bytes, so the
    // first header exists and has room for one descriptor.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<RawFd>() as u32) as _;
        std::ptr::copy_nonoverlapping((&fd as *const RawFd).cast::<u8>(), libc::CMSG_DATA(cmsg), size_of::<RawFd>());
        msg.msg_controllen = (*cmsg).cmsg_len;
    }
    loop {
        // SAFETY: msg and the buffers it points at live across the call.
        let n = unsafe { libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) };
        if n == 1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if n < 0 && e.kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return Err(if n < 0 { e } else { io::ErrorKind::WriteZero.into() });
    }
}

/// Room for the most descriptors one message may pass, in 8-byte words.
const CONTROL_WORDS: usize = (NUM_FDS_MAX as usize * size_of::<RawFd>() + 64) / 8;

/// One `recvmsg` into `buf`: the number of bytes read (0 at the end of the
/// stream), the descriptors that came with them appended to `fds`
/// (close-on-exec). More descriptors than [`NUM_FDS_MAX`] is an error.
pub fn recv_with_fds(sock: RawFd, buf: &mut [u8], fds: &mut impl Extend<RawFd>) -> io::Result<usize> {
    let mut control = [0u64; CONTROL_WORDS];
    // SAFETY: CMSG_SPACE only computes a size.
    let wanted = unsafe { libc::CMSG_SPACE((NUM_FDS_MAX as usize * size_of::<RawFd>()) as u32) } as usize;
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: an all-zero msghdr is a valid empty header.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = wanted.min(CONTROL_WORDS * 8) as _;
    let n = loop {
        // SAFETY: msg points at the buffer and the control space, both alive
        // and as large as the lengths it gives.
        let n = unsafe { libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 {
            break n as usize;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    };
    // SAFETY: recvmsg filled msg; the CMSG macros stay within the control
    // length it set.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg);
                let len = (*cmsg).cmsg_len as usize - (data as usize - cmsg as usize);
                let got = (0..len / size_of::<RawFd>())
                    .map(|i| std::ptr::read_unaligned(data.add(i * size_of::<RawFd>()).cast::<RawFd>()));
                fds.extend(got);
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too many descriptors in one message"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_descriptor_crosses_the_socket() {
        let (a, b) = UnixStream::pair().unwrap();
        let path = std::env::temp_dir().join(format!("vrs-fd-{}", std::process::id()));
        let mut f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        f.write_all(b"hello").unwrap();
        send_fd(a.as_raw_fd(), f.as_raw_fd()).unwrap();
        let (mut byte, mut got) = ([0u8; 1], Vec::new());
        assert_eq!(recv_with_fds(b.as_raw_fd(), &mut byte, &mut got).unwrap(), 1);
        assert_eq!(got.len(), 1);
        // SAFETY: recv_with_fds returned a fresh descriptor that we now own.
        let mut g = unsafe { std::fs::File::from_raw_fd(got[0]) };
        g.rewind().unwrap();
        let mut s = String::new();
        g.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello");
        drop(a);
        assert_eq!(recv_with_fds(b.as_raw_fd(), &mut byte, &mut got).unwrap(), 0);
    }
}
