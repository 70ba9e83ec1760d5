//! How the Rust values of the driver slots travel: each argument type
//! writes its protocol encoding, each result type reads its own. Object
//! handles travel as the protocol's `remote_nonnull_*` structures and come
//! back bound to the calling connection.

use crate::core::connect::Connect;
use crate::core::error::{Error, Result};
use crate::core::objects::*;
use crate::core::typed_params::{TypedParam, TypedValue};
use crate::core::uuid::Uuid;
use crate::generated::consts::*;
use crate::util::xdr::{Decoder, Encoder, XdrError, UNBOUNDED};

/// Bound of every string on the wire.
pub const STRING_MAX: u32 = 4_194_304;
const UUID_LEN: usize = 16;

pub fn decode_failed(_: XdrError) -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_RPC, "Unable to unmarshal reply")
}

/// A value that can be written as a call argument.
pub trait Enc {
    fn enc(&self, e: &mut Encoder);
}

/// A value that can be read from a reply, bound to the connection.
pub trait Dec: Sized {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self>;
}

impl<T: Enc + ?Sized> Enc for &T {
    fn enc(&self, e: &mut Encoder) {
        (**self).enc(e)
    }
}

macro_rules! scalar {
    ($t:ty, $put:ident, $get:ident) => {
        impl Enc for $t {
            fn enc(&self, e: &mut Encoder) {
                e.$put(*self)
            }
        }
        impl Dec for $t {
            fn dec(d: &mut Decoder, _: &Connect) -> Result<Self> {
                d.$get().map_err(decode_failed)
            }
        }
    };
}

scalar!(u32, u32, u32);
scalar!(i32, i32, i32);
scalar!(u64, u64, u64);
scalar!(i64, i64, i64);
scalar!(f64, f64, f64);

/// Booleans travel as `int` in libvirt's protocol.
impl Enc for bool {
    fn enc(&self, e: &mut Encoder) {
        e.i32(*self as i32)
    }
}

impl Dec for bool {
    fn dec(d: &mut Decoder, _: &Connect) -> Result<Self> {
        Ok(d.i32().map_err(decode_failed)? != 0)
    }
}

impl Enc for str {
    fn enc(&self, e: &mut Encoder) {
        e.string(self)
    }
}

impl Enc for String {
    fn enc(&self, e: &mut Encoder) {
        e.string(self)
    }
}

impl Dec for String {
    fn dec(d: &mut Decoder, _: &Connect) -> Result<Self> {
        d.string(STRING_MAX).map_err(decode_failed)
    }
}

/// `remote_string` and the other optional items.
impl<T: Enc> Enc for Option<T> {
    fn enc(&self, e: &mut Encoder) {
        e.optional(self.as_ref(), |e, v| v.enc(e))
    }
}

impl<T: Dec> Dec for Option<T> {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        if d.bool().map_err(decode_failed)? {
            T::dec(d, c).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Variable arrays: a count then the items (opaque bytes are special).
impl<T: Enc> Enc for [T] {
    fn enc(&self, e: &mut Encoder) {
        e.array(self, |e, v| v.enc(e))
    }
}

impl<T: Dec> Dec for Vec<T> {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        let n = d.count(UNBOUNDED, 4).map_err(decode_failed)?;
        (0..n).map(|_| T::dec(d, c)).collect()
    }
}

/// `opaque x<N>` as a byte slice argument.
pub struct Bytes<'a>(pub &'a [u8]);

impl Enc for Bytes<'_> {
    fn enc(&self, e: &mut Encoder) {
        e.opaque(self.0)
    }
}

/// `opaque x<N>` read back.
pub struct ByteVec(pub Vec<u8>);

impl Dec for ByteVec {
    fn dec(d: &mut Decoder, _: &Connect) -> Result<Self> {
        d.opaque(UNBOUNDED).map(|b| ByteVec(b.to_vec())).map_err(decode_failed)
    }
}

impl Enc for Uuid {
    fn enc(&self, e: &mut Encoder) {
        e.fixed_opaque(self)
    }
}

impl Dec for Uuid {
    fn dec(d: &mut Decoder, _: &Connect) -> Result<Self> {
        let b = d.fixed_opaque(UUID_LEN).map_err(decode_failed)?;
        let mut a: Uuid = [0u8; UUID_LEN];
        a.copy_from_slice(b);
        Ok(a)
    }
}

fn s(d: &mut Decoder) -> Result<String> {
    d.string(STRING_MAX).map_err(decode_failed)
}

impl Enc for Domain {
    fn enc(&self, e: &mut Encoder) {
        e.string(&self.current_name());
        self.uuid.enc(e);
        e.i32(self.id.get());
    }
}

impl Dec for Domain {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(Domain {
            conn: c.clone(),
            name: s(d)?,
            uuid: Uuid::dec(d, c)?,
            id: DomId::new(d.i32().map_err(decode_failed)?),
            renamed: Default::default(),
        })
    }
}

/// Objects named by name and UUID.
macro_rules! named_uuid {
    ($($t:ident),*) => {$(
        impl Enc for $t {
            fn enc(&self, e: &mut Encoder) {
                e.string(&self.name);
                self.uuid.enc(e);
            }
        }
        impl Dec for $t {
            fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
                Ok($t { conn: c.clone(), name: s(d)?, uuid: Uuid::dec(d, c)? })
            }
        }
    )*};
}

named_uuid!(Network, StoragePool, NWFilter);

impl Enc for NetworkPort {
    fn enc(&self, e: &mut Encoder) {
        self.net.enc(e);
        self.uuid.enc(e);
    }
}

impl Dec for NetworkPort {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(NetworkPort { net: Network::dec(d, c)?, uuid: Uuid::dec(d, c)? })
    }
}

impl Enc for StorageVol {
    fn enc(&self, e: &mut Encoder) {
        e.string(&self.pool);
        e.string(&self.name);
        e.string(&self.key);
    }
}

impl Dec for StorageVol {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(StorageVol { conn: c.clone(), pool: s(d)?, name: s(d)?, key: s(d)? })
    }
}

impl Enc for Interface {
    fn enc(&self, e: &mut Encoder) {
        e.string(&self.name);
        e.string(&self.mac);
    }
}

impl Dec for Interface {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(Interface { conn: c.clone(), name: s(d)?, mac: s(d)? })
    }
}

impl Enc for NodeDevice {
    fn enc(&self, e: &mut Encoder) {
        e.string(&self.name);
    }
}

impl Dec for NodeDevice {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(NodeDevice { conn: c.clone(), name: s(d)?, parent: None })
    }
}

impl Enc for Secret {
    fn enc(&self, e: &mut Encoder) {
        self.uuid.enc(e);
        e.i32(self.usage_type);
        e.string(&self.usage_id);
    }
}

impl Dec for Secret {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(Secret {
            conn: c.clone(),
            uuid: Uuid::dec(d, c)?,
            usage_type: d.i32().map_err(decode_failed)?,
            usage_id: s(d)?,
        })
    }
}

impl Enc for NWFilterBinding {
    fn enc(&self, e: &mut Encoder) {
        e.string(&self.portdev);
        e.string(&self.filter);
    }
}

impl Dec for NWFilterBinding {
    fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
        Ok(NWFilterBinding { conn: c.clone(), portdev: s(d)?, filter: s(d)? })
    }
}

/// Snapshots and checkpoints: name, then their domain.
macro_rules! domain_child {
    ($($t:ident),*) => {$(
        impl Enc for $t {
            fn enc(&self, e: &mut Encoder) {
                e.string(&self.name);
                self.domain.enc(e);
            }
        }
        impl Dec for $t {
            fn dec(d: &mut Decoder, c: &Connect) -> Result<Self> {
                let name = s(d)?;
                Ok($t { name, domain: Domain::dec(d, c)? })
            }
        }
    )*};
}

domain_child!(DomainSnapshot, DomainCheckpoint);

/// `remote_typed_param`: field name, then the value's type code and value.
impl Enc for TypedParam {
    fn enc(&self, e: &mut Encoder) {
        e.string(&self.field);
        e.i32(self.value.type_code());
        match &self.value {
            TypedValue::Int(v) => e.i32(*v),
            TypedValue::UInt(v) => e.u32(*v),
            TypedValue::LLong(v) => e.i64(*v),
            TypedValue::ULLong(v) => e.u64(*v),
            TypedValue::Double(v) => e.f64(*v),
            TypedValue::Boolean(v) => e.i32(*v as i32),
            TypedValue::String(v) => e.string(v),
        }
    }
}

impl Dec for TypedParam {
    fn dec(d: &mut Decoder, _: &Connect) -> Result<Self> {
        let field = s(d)?;
        let kind = d.i32().map_err(decode_failed)?;
        let value = match kind {
            1 => TypedValue::Int(d.i32().map_err(decode_failed)?),
            2 => TypedValue::UInt(d.u32().map_err(decode_failed)?),
            3 => TypedValue::LLong(d.i64().map_err(decode_failed)?),
            4 => TypedValue::ULLong(d.u64().map_err(decode_failed)?),
            5 => TypedValue::Double(d.f64().map_err(decode_failed)?),
            6 => TypedValue::Boolean(d.i32().map_err(decode_failed)? != 0),
            7 => TypedValue::String(s(d)?),
            _ => return Err(decode_failed(XdrError(format!("unknown typed parameter type {kind}")))),
        };
        Ok(TypedParam { field, value })
    }
}

/// The connection an object belongs to.
pub trait HasConn {
    fn conn(&self) -> &Connect;
}

impl HasConn for Connect {
    fn conn(&self) -> &Connect {
        self
    }
}

macro_rules! has_conn {
    ($($t:ident => $($path:ident).+),* $(,)?) => {$(
        impl HasConn for $t {
            fn conn(&self) -> &Connect {
                &self.$($path).+
            }
        }
    )*};
}

has_conn! {
    Domain => conn, Network => conn, StoragePool => conn, StorageVol => conn, Interface => conn,
    NodeDevice => conn, Secret => conn, NWFilter => conn, NWFilterBinding => conn,
    NetworkPort => net.conn, DomainSnapshot => domain.conn, DomainCheckpoint => domain.conn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_param_layout() {
        let p = TypedParam { field: "a".into(), value: TypedValue::ULLong(5) };
        let mut e = Encoder::new();
        p.enc(&mut e);
        assert_eq!(e.into_vec(), [0, 0, 0, 1, b'a', 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5]);
    }

    #[test]
    fn optional_string_layout() {
        let mut e = Encoder::new();
        Some("ab").enc(&mut e);
        None::<&str>.enc(&mut e);
        assert_eq!(e.into_vec(), [0, 0, 0, 1, 0, 0, 0, 2, b'a', b'b', 0, 0, 0, 0, 0, 0]);
    }
}
