//! XDR (RFC 4506) encoding and decoding, as libvirt's RPC protocol uses it.
//!
//! The encoder appends big-endian, 4-byte aligned items to a buffer. The
//! decoder reads from a byte slice and checks every length against both the
//! bytes left and the bound the protocol declares, so malformed input yields
//! an [`XdrError`], never a panic or an outsized allocation.

use std::fmt;

/// A decoding failure: what was being read when the input ran out or broke a bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdrError(pub String);

impl fmt::Display for XdrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XdrError {}

pub type XdrResult<T> = Result<T, XdrError>;

/// No declared bound (`<>` in the protocol).
pub const UNBOUNDED: u32 = u32::MAX;

fn pad(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// Builds an XDR byte stream.
#[derive(Default, Debug)]
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder::default()
    }

    /// An encoder continuing after bytes already written (a message header).
    pub fn from_vec(buf: Vec<u8>) -> Encoder {
        Encoder { buf }
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Overwrites 4 bytes already written (a length prefix, say).
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(s) = self.buf.get_mut(at..at + 4) {
            s.copy_from_slice(&v.to_be_bytes());
        }
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }

    pub fn bool(&mut self, v: bool) {
        self.u32(v as u32);
    }

    /// Fixed-length opaque data (`opaque x[N]`): no length, padded.
    pub fn fixed_opaque(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        self.buf.resize(self.buf.len() + pad(data.len()), 0);
    }

    /// Bytes as they are, no length, no padding (stream data).
    pub fn raw(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Variable-length opaque data (`opaque x<N>`): length, bytes, padding.
    pub fn opaque(&mut self, data: &[u8]) {
        self.u32(data.len() as u32);
        self.fixed_opaque(data);
    }

    pub fn string(&mut self, s: &str) {
        self.opaque(s.as_bytes());
    }

    /// An optional item (`T *x`): a presence flag, then the item.
    pub fn optional<T: ?Sized>(&mut self, v: Option<&T>, item: impl FnOnce(&mut Encoder, &T)) {
        self.bool(v.is_some());
        if let Some(v) = v {
            item(self, v);
        }
    }

    /// A variable-length array (`T x<N>`): count, then each item.
    pub fn array<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Encoder, &T)) {
        self.u32(items.len() as u32);
        for i in items {
            item(self, i);
        }
    }
}

/// Reads an XDR byte stream.
#[derive(Debug)]
pub struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(data: &'a [u8]) -> Decoder<'a> {
        Decoder { data, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> XdrResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(XdrError(format!("truncated XDR data reading {what}")));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn word<const N: usize>(&mut self, what: &str) -> XdrResult<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u32(&mut self) -> XdrResult<u32> {
        Ok(u32::from_be_bytes(self.word("unsigned int")?))
    }

    pub fn i32(&mut self) -> XdrResult<i32> {
        Ok(i32::from_be_bytes(self.word("int")?))
    }

    pub fn u64(&mut self) -> XdrResult<u64> {
        Ok(u64::from_be_bytes(self.word("unsigned hyper")?))
    }

    pub fn i64(&mut self) -> XdrResult<i64> {
        Ok(i64::from_be_bytes(self.word("hyper")?))
    }

    pub fn f64(&mut self) -> XdrResult<f64> {
        Ok(f64::from_bits(self.u64()?))
    }

    /// A boolean: XDR allows only 0 and 1.
    pub fn bool(&mut self) -> XdrResult<bool> {
        match self.u32()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(XdrError(format!("invalid XDR boolean {v}"))),
        }
    }

    /// `opaque x[N]`.
    pub fn fixed_opaque(&mut self, n: usize) -> XdrResult<&'a [u8]> {
        let s = self.take(n, "opaque data")?;
        let p = self.take(pad(n), "padding")?;
        if p.iter().any(|&b| b != 0) {
            return Err(XdrError("non-zero XDR padding".into()));
        }
        Ok(s)
    }

    /// The count of a variable-length item, checked against its bound and
    /// against what is left (each item takes at least `min_item` bytes).
    pub fn count(&mut self, max: u32, min_item: usize) -> XdrResult<usize> {
        let n = self.u32()?;
        if n > max {
            return Err(XdrError(format!("XDR length {n} exceeds the limit {max}")));
        }
        let n = n as usize;
        if n.saturating_mul(min_item.max(1)) > self.remaining() && min_item > 0 {
            return Err(XdrError(format!("XDR length {n} exceeds the data left")));
        }
        Ok(n)
    }

    /// `opaque x<max>`.
    pub fn opaque(&mut self, max: u32) -> XdrResult<&'a [u8]> {
        let n = self.count(max, 1)?;
        self.fixed_opaque(n)
    }

    /// `string x<max>`, which must be UTF-8 here.
    pub fn string(&mut self, max: u32) -> XdrResult<String> {
        let b = self.opaque(max)?;
        String::from_utf8(b.to_vec()).map_err(|_| XdrError("XDR string is not UTF-8".into()))
    }

    /// `T *x`.
    pub fn optional<T>(&mut self, item: impl FnOnce(&mut Decoder<'a>) -> XdrResult<T>) -> XdrResult<Option<T>> {
        if self.bool()? {
            item(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// `T x<max>`, whose items take at least `min_item` bytes each.
    pub fn array<T>(
        &mut self,
        max: u32,
        min_item: usize,
        mut item: impl FnMut(&mut Decoder<'a>) -> XdrResult<T>,
    ) -> XdrResult<Vec<T>> {
        let n = self.count(max, min_item)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(item(self)?);
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip_big_endian() {
        let mut e = Encoder::new();
        e.u32(0x0102_0304);
        e.i32(-2);
        e.u64(0x0102_0304_0506_0708);
        e.i64(-3);
        e.f64(1.5);
        e.bool(true);
        let v = e.into_vec();
        assert_eq!(&v[..4], &[1, 2, 3, 4]);
        assert_eq!(&v[4..8], &[0xff, 0xff, 0xff, 0xfe]);
        let mut d = Decoder::new(&v);
        assert_eq!(d.u32().unwrap(), 0x0102_0304);
        assert_eq!(d.i32().unwrap(), -2);
        assert_eq!(d.u64().unwrap(), 0x0102_0304_0506_0708);
        assert_eq!(d.i64().unwrap(), -3);
        assert_eq!(d.f64().unwrap(), 1.5);
        assert!(d.bool().unwrap());
        assert_eq!(d.remaining(), 0);
    }

    #[test]
    fn strings_are_padded_to_four_bytes() {
        let mut e = Encoder::new();
        e.string("abcde");
        let v = e.into_vec();
        assert_eq!(v, [0, 0, 0, 5, b'a', b'b', b'c', b'd', b'e', 0, 0, 0]);
        assert_eq!(Decoder::new(&v).string(10).unwrap(), "abcde");
        assert!(Decoder::new(&v).string(4).is_err(), "bound enforced");
    }

    #[test]
    fn optional_and_arrays() {
        let mut e = Encoder::new();
        e.optional(Some("x"), |e, s| e.string(s));
        e.optional(None::<&str>, |e, s| e.string(s));
        e.array(&[7u32, 8], |e, v| e.u32(*v));
        let v = e.into_vec();
        let mut d = Decoder::new(&v);
        assert_eq!(d.optional(|d| d.string(100)).unwrap().as_deref(), Some("x"));
        assert_eq!(d.optional(|d| d.string(100)).unwrap(), None);
        assert_eq!(d.array(10, 4, |d| d.u32()).unwrap(), vec![7, 8]);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(Decoder::new(&[0, 0]).u32().is_err());
        // a huge count with no data behind it
        assert!(Decoder::new(&[0xff, 0xff, 0xff, 0xf0]).array(UNBOUNDED, 4, |d| d.u32()).is_err());
        assert!(Decoder::new(&[0, 0, 0, 9, 1]).opaque(UNBOUNDED).is_err());
        assert!(Decoder::new(&[0, 0, 0, 2]).bool().is_err());
        assert!(Decoder::new(&[0, 0, 0, 1, b'a', 1, 0, 0]).string(10).is_err(), "padding must be zero");
        assert!(Decoder::new(&[0, 0, 0, 1, 0xff, 0, 0, 0]).string(10).is_err(), "UTF-8");
        // every prefix of a valid stream fails cleanly
        let mut e = Encoder::new();
        e.string("hello");
        e.array(&["a", "b"], |e, s| e.string(s));
        let v = e.into_vec();
        for n in 0..v.len() {
            let mut d = Decoder::new(&v[..n]);
            let r = d.string(100).and_then(|_| d.array(10, 4, |d| d.string(100)));
            assert!(r.is_err());
        }
    }
}
