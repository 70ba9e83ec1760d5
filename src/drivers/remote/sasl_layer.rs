//! DIGEST-MD5's confidentiality layer (RFC 2831, `qop=auth-conf` with the
//! `rc4` cipher), which the daemon requires over plain TCP: once the
//! authentication is over, every byte each way travels in sealed packets.
//!
//! The TCP transport goes through a relay (two threads) that passes bytes
//! unchanged until the layer is switched on, then seals what the RPC
//! client writes and unseals what the daemon sends.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::sign::Signer;
use parking_lot::Mutex;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::Arc;

/// The RC4 stream cipher (the layer's `rc4` cipher; OpenSSL 3 keeps its
/// own in the legacy provider only).
struct Rc4 {
    s: [u8; 256],
    i: u8,
    j: u8,
}

impl Rc4 {
    fn new(key: &[u8]) -> Rc4 {
        let mut s = [0u8; 256];
        for (n, v) in s.iter_mut().enumerate() {
            *v = n as u8;
        }
        let mut j = 0u8;
        for n in 0..256 {
            j = j.wrapping_add(s[n]).wrapping_add(key[n % key.len()]);
            s.swap(n, j as usize);
        }
        Rc4 { s, i: 0, j: 0 }
    }

    fn apply(&mut self, data: &mut [u8]) {
        for b in data {
            self.i = self.i.wrapping_add(1);
            self.j = self.j.wrapping_add(self.s[self.i as usize]);
            self.s.swap(self.i as usize, self.j as usize);
            let k = self.s[self.s[self.i as usize].wrapping_add(self.s[self.j as usize]) as usize];
            *b ^= k;
        }
    }
}

fn md5(parts: &[&[u8]]) -> Vec<u8> {
    let data: Vec<u8> = parts.concat();
    hash(MessageDigest::md5(), &data).map(|d| d.to_vec()).unwrap_or_default()
}

fn mac(key: &[u8], seq: u32, msg: &[u8]) -> Vec<u8> {
    let run = || -> std::result::Result<Vec<u8>, openssl::error::ErrorStack> {
        let key = PKey::hmac(key)?;
        let mut s = Signer::new(MessageDigest::md5(), &key)?;
        s.update(&seq.to_be_bytes())?;
        s.update(msg)?;
        s.sign_to_vec()
    };
    let mut m = run().unwrap_or_default();
    m.truncate(10);
    m
}

/// One direction of the layer: its cipher, integrity key and sequence number.
pub struct Direction {
    cipher: Rc4,
    integrity: Vec<u8>,
    seq: u32,
}

/// The keys of both directions, from the session's H(A1).
pub fn keys(ha1: &[u8]) -> (Direction, Direction) {
    let dir = |seal: &str, sign: &str| Direction {
        cipher: Rc4::new(&md5(&[ha1, seal.as_bytes()])),
        integrity: md5(&[ha1, sign.as_bytes()]),
        seq: 0,
    };
    (
        dir(
            "Digest H(A1) to client-to-server sealing key magic constant",
            "Digest session key to client-to-server signing key magic constant",
        ),
        dir(
            "Digest H(A1) to server-to-client sealing key magic constant",
            "Digest session key to server-to-client signing key magic constant",
        ),
    )
}

/// Largest clear text in one packet (below the daemon's 65536 buffer).
const CHUNK: usize = 65536 - 64;
/// Largest packet accepted from the daemon.
const PACKET_MAX: usize = 1 << 20;

impl Direction {
    /// Seals clear text into length-prefixed packets.
    fn seal(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(CHUNK) {
            let mut body = chunk.to_vec();
            body.extend_from_slice(&mac(&self.integrity, self.seq, chunk));
            self.cipher.apply(&mut body);
            body.extend_from_slice(&1u16.to_be_bytes());
            body.extend_from_slice(&self.seq.to_be_bytes());
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(&body);
            self.seq = self.seq.wrapping_add(1);
        }
        out
    }

    /// Opens one packet (without its length); None when it was tampered with.
    fn unseal(&mut self, packet: &[u8]) -> Option<Vec<u8>> {
        if packet.len() < 16 {
            return None;
        }
        let (sealed, trailer) = packet.split_at(packet.len() - 6);
        let mut body = sealed.to_vec();
        self.cipher.apply(&mut body);
        let msg_len = body.len() - 10;
        let ok = trailer[..2] == [0, 1]
            && trailer[2..] == self.seq.to_be_bytes()
            && mac(&self.integrity, self.seq, &body[..msg_len]) == body[msg_len..];
        self.seq = self.seq.wrapping_add(1);
        body.truncate(msg_len);
        ok.then_some(body)
    }
}

/// The switch of a relay: empty until the layer is negotiated.
#[derive(Clone, Default)]
pub struct Switch {
    outgoing: Arc<Mutex<Option<Direction>>>,
    incoming: Arc<Mutex<Option<Direction>>>,
}

impl Switch {
    /// From now on both directions are sealed.
    pub fn engage(&self, (out, inc): (Direction, Direction)) {
        *self.outgoing.lock() = Some(out);
        *self.incoming.lock() = Some(inc);
    }
}

fn io_failed(e: std::io::Error, what: &str) -> Error {
    Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), what)
}

/// Puts a relay between the RPC client and the daemon's TCP socket; the
/// client's end and the switch turning the layer on.
pub fn relay(tcp: TcpStream) -> Result<(UnixStream, Switch)> {
    let (ours, theirs) = UnixStream::pair().map_err(|e| io_failed(e, "Unable to create socket pair"))?;
    let switch = Switch::default();
    let (tcp_in, local_out) = (
        tcp.try_clone().map_err(|e| io_failed(e, "Unable to clone socket"))?,
        theirs.try_clone().map_err(|e| io_failed(e, "Unable to clone socket"))?,
    );
    let s = switch.clone();
    spawn("virt-rs-sasl-tx", move || outbound(theirs, tcp, s.outgoing))?;
    let s = switch.clone();
    spawn("virt-rs-sasl-rx", move || inbound(tcp_in, local_out, s.incoming))?;
    Ok((ours, switch))
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map(|_| ())
        .map_err(|e| Error::internal(format!("cannot start the SASL relay: {e}")))
}

fn outbound(mut local: UnixStream, mut tcp: TcpStream, layer: Arc<Mutex<Option<Direction>>>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match local.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let sealed = layer.lock().as_mut().map(|d| d.seal(&buf[..n]));
        if tcp.write_all(sealed.as_deref().unwrap_or(&buf[..n])).is_err() {
            break;
        }
    }
    let _ = tcp.shutdown(std::net::Shutdown::Both);
    let _ = local.shutdown(std::net::Shutdown::Both);
}

fn inbound(mut tcp: TcpStream, mut local: UnixStream, layer: Arc<Mutex<Option<Direction>>>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    'outer: loop {
        let n = match tcp.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut guard = layer.lock();
        let Some(dir) = guard.as_mut() else {
            drop(guard);
            if local.write_all(&buf[..n]).is_err() {
                break;
            }
            continue;
        };
        pending.extend_from_slice(&buf[..n]);
        let mut clear = Vec::new();
        while pending.len() >= 4 {
            let len = u32::from_be_bytes([pending[0], pending[1], pending[2], pending[3]]) as usize;
            if len > PACKET_MAX {
                break 'outer;
            }
            if pending.len() < 4 + len {
                break;
            }
            match dir.unseal(&pending[4..4 + len]) {
                Some(text) => clear.extend_from_slice(&text),
                None => break 'outer,
            }
            pending.drain(..4 + len);
        }
        drop(guard);
        if local.write_all(&clear).is_err() {
            break;
        }
    }
    let _ = local.shutdown(std::net::Shutdown::Both);
    let _ = tcp.shutdown(std::net::Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_known_answer() {
        // RFC 6229's first key, first bytes of the key stream
        let mut data = [0u8; 8];
        Rc4::new(&[1, 2, 3, 4, 5]).apply(&mut data);
        assert_eq!(data, [0xb2, 0x39, 0x63, 0x05, 0xf0, 0x3d, 0xc0, 0x27]);
    }

    #[test]
    fn sealed_packets_open_on_the_other_side() {
        let (mut client_out, _) = keys(b"0123456789abcdef");
        let (mut server_in, _) = keys(b"0123456789abcdef");
        for msg in [&b"hello"[..], &b"world, again"[..]] {
            let framed = client_out.seal(msg);
            assert_eq!(server_in.unseal(&framed[4..]).as_deref(), Some(msg));
        }
        let framed = client_out.seal(b"tampered");
        let mut bad = framed[4..].to_vec();
        bad[0] ^= 1;
        assert_eq!(server_in.unseal(&bad), None);
    }
}
