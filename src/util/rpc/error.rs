//! The error a daemon sends in place of a reply (status `Error`): every
//! field of libvirt's `virError`, plus two handle fields that are always
//! empty on the wire but must be parsed.

use crate::util::xdr::{Decoder, Encoder, XdrResult};

/// Bound of the strings in an error.
pub const STRING_MAX: u32 = 4_194_304;
const UUID_LEN: usize = 16;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireError {
    pub code: i32,
    pub domain: i32,
    pub message: Option<String>,
    pub level: i32,
    pub str1: Option<String>,
    pub str2: Option<String>,
    pub str3: Option<String>,
    pub int1: i32,
    pub int2: i32,
}

fn opt_string(d: &mut Decoder) -> XdrResult<Option<String>> {
    d.optional(|d| d.string(STRING_MAX))
}

/// The optional domain or network handle of the error (name, uuid[, id]).
fn skip_handle(d: &mut Decoder, with_id: bool) -> XdrResult<()> {
    d.optional(|d| {
        d.string(STRING_MAX)?;
        d.fixed_opaque(UUID_LEN)?;
        if with_id {
            d.i32()?;
        }
        Ok(())
    })?;
    Ok(())
}

impl WireError {
    pub fn decode(d: &mut Decoder) -> XdrResult<WireError> {
        let code = d.i32()?;
        let domain = d.i32()?;
        let message = opt_string(d)?;
        let level = d.i32()?;
        skip_handle(d, true)?;
        let str1 = opt_string(d)?;
        let str2 = opt_string(d)?;
        let str3 = opt_string(d)?;
        let int1 = d.i32()?;
        let int2 = d.i32()?;
        skip_handle(d, false)?;
        Ok(WireError { code, domain, message, level, str1, str2, str3, int1, int2 })
    }

    pub fn encode(&self, e: &mut Encoder) {
        let s = |e: &mut Encoder, v: &Option<String>| e.optional(v.as_deref(), |e, s| e.string(s));
        e.i32(self.code);
        e.i32(self.domain);
        s(e, &self.message);
        e.i32(self.level);
        e.bool(false);
        s(e, &self.str1);
        s(e, &self.str2);
        s(e, &self.str3);
        e.i32(self.int1);
        e.i32(self.int2);
        e.bool(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let w = WireError {
            code: 42,
            domain: 12,
            message: Some("Domain not found".into()),
            level: 2,
            str1: Some("Domain not found: %s".into()),
            str2: None,
            str3: Some("x".into()),
            int1: -1,
            int2: 7,
        };
        let mut e = Encoder::new();
        w.encode(&mut e);
        let v = e.into_vec();
        assert_eq!(WireError::decode(&mut Decoder::new(&v)).unwrap(), w);
        for n in 0..v.len() {
            assert!(WireError::decode(&mut Decoder::new(&v[..n])).is_err());
        }
    }
}
