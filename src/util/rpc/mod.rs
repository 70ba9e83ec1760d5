//! libvirt's RPC framing: every message is a 4-byte total length, a
//! 24-byte header (program, version, procedure, type, serial, status)
//! and an XDR payload. This module knows the frame and the header; what a
//! payload means is the protocol description's business.

pub mod error;
pub mod fds;

use super::xdr::{Decoder, Encoder, XdrError, XdrResult};
use std::io::{self, Read, Write};

/// Largest message, length word excluded.
pub const MESSAGE_MAX: usize = 33_554_432;
/// Size of the length word.
pub const LEN_SIZE: usize = 4;
/// Size of the header after the length word.
pub const HEADER_SIZE: usize = 24;

/// Program numbers.
pub const KEEPALIVE_PROGRAM: u32 = 0x6b65_6570;
pub const KEEPALIVE_PROC_PING: i32 = 1;
pub const KEEPALIVE_PROC_PONG: i32 = 2;

/// `virNetMessageType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    Call,
    Reply,
    Message,
    Stream,
    CallWithFds,
    ReplyWithFds,
    StreamHole,
}

impl MessageType {
    pub fn code(self) -> u32 {
        match self {
            MessageType::Call => 0,
            MessageType::Reply => 1,
            MessageType::Message => 2,
            MessageType::Stream => 3,
            MessageType::CallWithFds => 4,
            MessageType::ReplyWithFds => 5,
            MessageType::StreamHole => 6,
        }
    }

    pub fn from_code(v: u32) -> Option<MessageType> {
        Some(match v {
            0 => MessageType::Call,
            1 => MessageType::Reply,
            2 => MessageType::Message,
            3 => MessageType::Stream,
            4 => MessageType::CallWithFds,
            5 => MessageType::ReplyWithFds,
            6 => MessageType::StreamHole,
            _ => return None,
        })
    }
}

/// `virNetMessageStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Error,
    Continue,
}

impl Status {
    pub fn code(self) -> u32 {
        match self {
            Status::Ok => 0,
            Status::Error => 1,
            Status::Continue => 2,
        }
    }

    pub fn from_code(v: u32) -> Option<Status> {
        Some(match v {
            0 => Status::Ok,
            1 => Status::Error,
            2 => Status::Continue,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub program: u32,
    pub version: u32,
    pub procedure: i32,
    pub kind: MessageType,
    pub serial: u32,
    pub status: Status,
}

impl Header {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.program);
        e.u32(self.version);
        e.i32(self.procedure);
        e.u32(self.kind.code());
        e.u32(self.serial);
        e.u32(self.status.code());
    }

    fn decode(d: &mut Decoder) -> XdrResult<Header> {
        let program = d.u32()?;
        let version = d.u32()?;
        let procedure = d.i32()?;
        let kind = d.u32()?;
        let serial = d.u32()?;
        let status = d.u32()?;
        Ok(Header {
            program,
            version,
            procedure,
            kind: MessageType::from_code(kind).ok_or_else(|| XdrError(format!("unknown message type {kind}")))?,
            serial,
            status: Status::from_code(status).ok_or_else(|| XdrError(format!("unknown message status {status}")))?,
        })
    }
}

/// A whole message: header and undecoded payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub payload: Vec<u8>,
}

impl Message {
    /// The bytes on the wire for a header and a payload writer.
    pub fn frame(header: &Header, payload: impl FnOnce(&mut Encoder)) -> io::Result<Vec<u8>> {
        let mut e = Encoder::new();
        e.u32(0);
        header.encode(&mut e);
        payload(&mut e);
        let len = e.len();
        if len > MESSAGE_MAX + LEN_SIZE {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "message too large"));
        }
        e.patch_u32(0, len as u32);
        Ok(e.into_vec())
    }

    /// Parses a message body (what follows the length word).
    pub fn parse(body: Vec<u8>) -> XdrResult<Message> {
        let mut d = Decoder::new(&body);
        let header = Header::decode(&mut d)?;
        let at = d.position();
        let mut payload = body;
        payload.drain(..at);
        Ok(Message { header, payload })
    }
}

/// Reads one message; `Ok(None)` at a clean end of stream between messages.
pub fn read_message(r: &mut impl Read) -> io::Result<Option<Message>> {
    let mut len = [0u8; LEN_SIZE];
    let mut got = 0;
    while got < LEN_SIZE {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let total = u32::from_be_bytes(len) as usize;
    if !(LEN_SIZE + HEADER_SIZE..=MESSAGE_MAX + LEN_SIZE).contains(&total) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("packet {total} bytes received from server too large, want {MESSAGE_MAX}"),
        ));
    }
    let mut body = vec![0u8; total - LEN_SIZE];
    r.read_exact(&mut body)?;
    Message::parse(body).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes the framed bytes of one message.
pub fn write_message(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            program: 0x2000_8086,
            version: 1,
            procedure: 3,
            kind: MessageType::Call,
            serial: 9,
            status: Status::Ok,
        }
    }

    #[test]
    fn frame_and_read_back() {
        let bytes = Message::frame(&header(), |e| e.string("hi")).unwrap();
        assert_eq!(&bytes[..4], &(bytes.len() as u32).to_be_bytes());
        assert_eq!(&bytes[4..8], &[0x20, 0x00, 0x80, 0x86]);
        let mut r = &bytes[..];
        let m = read_message(&mut r).unwrap().unwrap();
        assert_eq!(m.header, header());
        assert_eq!(Decoder::new(&m.payload).string(10).unwrap(), "hi");
        assert!(read_message(&mut r).unwrap().is_none(), "clean end");
    }

    #[test]
    fn bad_frames_are_errors() {
        let bytes = Message::frame(&header(), |_| {}).unwrap();
        for n in 1..bytes.len() {
            assert!(read_message(&mut &bytes[..n]).is_err());
        }
        assert!(read_message(&mut &[0xff, 0xff, 0xff, 0xff][..]).is_err());
        assert!(read_message(&mut &[0, 0, 0, 8, 0, 0, 0, 0][..]).is_err());
        let mut bad = bytes.clone();
        bad[19] = 77; // message type
        assert!(read_message(&mut &bad[..]).is_err());
    }
}
