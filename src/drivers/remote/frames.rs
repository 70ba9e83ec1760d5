//! Messages off the daemon socket with as few system calls as possible:
//! one large `recvmsg` may bring several messages, and the descriptors the
//! daemon passes after a reply arrive in its control data; what was read
//! beyond the message wanted stays buffered for the next one.

use crate::util::rpc::{fds, Message, HEADER_SIZE, LEN_SIZE, MESSAGE_MAX};
use std::collections::VecDeque;
use std::io;
use std::os::fd::RawFd;

/// What one receive asks for at least.
const READ_SIZE: usize = 64 * 1024;

pub struct FrameReader {
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Descriptors received and not yet taken, in arrival order.
    fds: VecDeque<RawFd>,
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader { buf: vec![0; READ_SIZE], start: 0, end: 0, fds: VecDeque::new() }
    }
}

impl Drop for FrameReader {
    fn drop(&mut self) {
        for fd in self.fds.drain(..) {
            // SAFETY: the descriptor came from the daemon and nobody took it.
            unsafe { libc::close(fd) };
        }
    }
}

fn bad_length(total: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("packet {total} bytes received from server too large, want {MESSAGE_MAX}"),
    )
}

impl FrameReader {
    fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Whether a whole message is already buffered (no need to receive).
    pub fn has_message(&self) -> bool {
        if self.buffered() < LEN_SIZE {
            return false;
        }
        let word: [u8; LEN_SIZE] = self.buf[self.start..self.start + LEN_SIZE].try_into().expect("length word");
        self.buffered() >= u32::from_be_bytes(word) as usize
    }

    /// The next message; `Ok(None)` at a clean end of stream between
    /// messages. Reads from `sock` only when no whole message is buffered.
    pub fn next(&mut self, sock: RawFd) -> io::Result<Option<Message>> {
        if !self.fill(sock, LEN_SIZE)? {
            return Ok(None);
        }
        let word: [u8; LEN_SIZE] = self.buf[self.start..self.start + LEN_SIZE].try_into().expect("length word");
        let total = u32::from_be_bytes(word) as usize;
        if !(LEN_SIZE + HEADER_SIZE..=MESSAGE_MAX + LEN_SIZE).contains(&total) {
            return Err(bad_length(total));
        }
        if !self.fill(sock, total)? {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let body = self.buf[self.start + LEN_SIZE..self.start + total].to_vec();
        self.consume(total);
        Message::parse(body).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// The `n` descriptors the daemon passed after a message, each with one
    /// byte of the stream.
    pub fn take_fds(&mut self, sock: RawFd, n: usize) -> io::Result<Vec<RawFd>> {
        let mut got = Vec::with_capacity(n);
        for _ in 0..n {
            let fd = match self.fill(sock, 1) {
                Ok(true) => {
                    self.consume(1);
                    self.fds.pop_front().ok_or_else(|| io::Error::from(io::ErrorKind::InvalidData))
                }
                Ok(false) => Err(io::ErrorKind::UnexpectedEof.into()),
                Err(e) => Err(e),
            };
            match fd {
                Ok(fd) => got.push(fd),
                Err(e) => {
                    super::client::close_all(&got);
                    return Err(e);
                }
            }
        }
        Ok(got)
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.buf.len() > 16 * READ_SIZE {
                self.buf = vec![0; READ_SIZE];
            }
        }
    }

    /// Receives until `want` bytes are buffered; false when the stream
    /// ended first.
    fn fill(&mut self, sock: RawFd, want: usize) -> io::Result<bool> {
        while self.buffered() < want {
            if self.buf.len() - self.start < want {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                if self.buf.len() < want {
                    self.buf.resize(want.max(READ_SIZE), 0);
                }
            }
            let end = self.end;
            let n = self.receive(sock, end)?;
            if n == 0 {
                return Ok(false);
            }
            self.end += n;
        }
        Ok(true)
    }

    /// One receive into `buf[at..]`, keeping the descriptors that came.
    fn receive(&mut self, sock: RawFd, at: usize) -> io::Result<usize> {
        wait_readable(sock)?;
        fds::recv_with_fds(sock, &mut self.buf[at..], &mut self.fds)
    }
}

/// Sleeps until the socket has something to read. A thread blocked in
/// `recvmsg` on a UNIX socket also wakes up each time the daemon takes what
/// we wrote (room to write is signalled on the same wait queue), then
/// sleeps again: a second context switch per call; `poll` only wakes for
/// what it waits for.
fn wait_readable(sock: RawFd) -> io::Result<()> {
    let mut pfd = libc::pollfd { fd: sock, events: libc::POLLIN, revents: 0 };
    loop {
        // SAFETY: one valid pollfd, alive across the call.
        if unsafe { libc::poll(&mut pfd, 1, -1) } >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::rpc::{Header, MessageType, Status};
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    fn frame(serial: u32, payload: &[u8]) -> Vec<u8> {
        let h = Header { program: 1, version: 1, procedure: 2, kind: MessageType::Reply, serial, status: Status::Ok };
        Message::frame(&h, |e| e.raw(payload)).unwrap()
    }

    #[test]
    fn several_messages_one_receive_and_descriptors() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let mut bytes = frame(1, b"abcd");
        bytes.extend(frame(2, &vec![7u8; 200_000]));
        a.write_all(&bytes[..10]).unwrap();
        let writer = std::thread::spawn({
            let mut a = a.try_clone().unwrap();
            move || a.write_all(&bytes[10..]).unwrap()
        });
        let mut r = FrameReader::default();
        let sock = b.as_raw_fd();
        assert_eq!(r.next(sock).unwrap().unwrap().payload, b"abcd");
        let m = r.next(sock).unwrap().unwrap();
        assert_eq!((m.header.serial, m.payload.len()), (2, 200_000));
        writer.join().unwrap();
        // a reply, then a descriptor passed with one byte, then a message
        a.write_all(&frame(3, b"")).unwrap();
        let f = std::fs::File::open("/dev/null").unwrap();
        fds::send_fd(a.as_raw_fd(), f.as_raw_fd()).unwrap();
        a.write_all(&frame(4, b"")).unwrap();
        assert_eq!(r.next(sock).unwrap().unwrap().header.serial, 3);
        let got = r.take_fds(sock, 1).unwrap();
        assert_eq!(got.len(), 1);
        super::super::client::close_all(&got);
        assert_eq!(r.next(sock).unwrap().unwrap().header.serial, 4);
        // half a message then the end
        a.write_all(&frame(5, b"x")[..6]).unwrap();
        drop(a);
        assert_eq!(r.next(sock).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        assert!(FrameReader::default().next(b.as_raw_fd()).unwrap().is_none());
    }
}
