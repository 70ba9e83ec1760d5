//! The admin program's procedures: one method per call, arguments encoded
//! and replies decoded with the protocol's bounds.

use super::client::{decode_failed, Client};
use crate::core::error::Result;
use crate::core::typed_params::{TypedParam, TypedValue};
use crate::util::xdr::{Decoder, Encoder, XdrError, XdrResult};

const STRING_MAX: u32 = 4_194_304;
const SERVER_LIST_MAX: u32 = 16_384;
const THREADPOOL_PARAMETERS_MAX: u32 = 32;
const CLIENT_LIST_MAX: u32 = 16_384;
const CLIENT_INFO_PARAMETERS_MAX: u32 = 64;
const CLIENT_LIMITS_MAX: u32 = 32;

mod procedure {
    pub const CONNECT_OPEN: i32 = 1;
    pub const CONNECT_CLOSE: i32 = 2;
    pub const CONNECT_GET_LIB_VERSION: i32 = 3;
    pub const CONNECT_LIST_SERVERS: i32 = 4;
    pub const CONNECT_LOOKUP_SERVER: i32 = 5;
    pub const SERVER_GET_THREADPOOL_PARAMETERS: i32 = 6;
    pub const SERVER_SET_THREADPOOL_PARAMETERS: i32 = 7;
    pub const SERVER_LIST_CLIENTS: i32 = 8;
    pub const SERVER_LOOKUP_CLIENT: i32 = 9;
    pub const CLIENT_GET_INFO: i32 = 10;
    pub const CLIENT_CLOSE: i32 = 11;
    pub const SERVER_GET_CLIENT_LIMITS: i32 = 12;
    pub const SERVER_SET_CLIENT_LIMITS: i32 = 13;
    pub const CONNECT_GET_LOGGING_OUTPUTS: i32 = 14;
    pub const CONNECT_GET_LOGGING_FILTERS: i32 = 15;
    pub const CONNECT_SET_LOGGING_OUTPUTS: i32 = 16;
    pub const CONNECT_SET_LOGGING_FILTERS: i32 = 17;
    pub const SERVER_UPDATE_TLS_FILES: i32 = 18;
    pub const CONNECT_SET_DAEMON_TIMEOUT: i32 = 19;
}
use procedure::*;

/// A client of a daemon's server, as the daemon describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRef {
    pub server: String,
    pub id: u64,
    pub timestamp: i64,
    pub transport: u32,
}

impl ClientRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.server);
        e.u64(self.id);
        e.i64(self.timestamp);
        e.u32(self.transport);
    }

    fn decode(d: &mut Decoder) -> XdrResult<ClientRef> {
        Ok(ClientRef { server: d.string(STRING_MAX)?, id: d.u64()?, timestamp: d.i64()?, transport: d.u32()? })
    }
}

fn encode_params(e: &mut Encoder, params: &[TypedParam]) {
    e.array(params, |e, p| {
        e.string(&p.field);
        e.i32(p.value.type_code());
        match &p.value {
            TypedValue::Int(v) => e.i32(*v),
            TypedValue::UInt(v) => e.u32(*v),
            TypedValue::LLong(v) => e.i64(*v),
            TypedValue::ULLong(v) => e.u64(*v),
            TypedValue::Double(v) => e.f64(*v),
            TypedValue::Boolean(v) => e.i32(*v as i32),
            TypedValue::String(v) => e.string(v),
        }
    });
}

fn decode_params(d: &mut Decoder, max: u32) -> XdrResult<Vec<TypedParam>> {
    d.array(max, 12, |d| {
        let field = d.string(STRING_MAX)?;
        let kind = d.i32()?;
        let value = match kind {
            1 => TypedValue::Int(d.i32()?),
            2 => TypedValue::UInt(d.u32()?),
            3 => TypedValue::LLong(d.i64()?),
            4 => TypedValue::ULLong(d.u64()?),
            5 => TypedValue::Double(d.f64()?),
            6 => TypedValue::Boolean(d.i32()? != 0),
            7 => TypedValue::String(d.string(STRING_MAX)?),
            _ => return Err(XdrError(format!("unknown typed parameter type {kind}"))),
        };
        Ok(TypedParam { field, value })
    })
}

fn opt_string(e: &mut Encoder, s: Option<&str>) {
    e.optional(s, |e, s| e.string(s));
}

/// Decodes a whole reply with `f`.
fn reply<T>(payload: Vec<u8>, f: impl FnOnce(&mut Decoder) -> XdrResult<T>) -> Result<T> {
    f(&mut Decoder::new(&payload)).map_err(|_| decode_failed())
}

/// An open admin connection: the URI it was opened with and its client.
pub struct Connection {
    client: Client,
    uri: String,
}

impl Connection {
    /// Opens the admin connection `uri` names (the default one when `None`).
    pub fn open(uri: Option<&str>, flags: u32) -> Result<Connection> {
        let uri = super::default_uri(uri);
        let client = Client::new(super::connect(&uri)?);
        client.call(CONNECT_OPEN, |e| e.u32(flags))?;
        Ok(Connection { client, uri })
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    pub fn is_alive(&self) -> bool {
        self.client.is_alive()
    }

    /// Says goodbye to the daemon and shuts the socket; the error is that
    /// of the goodbye (on a connection already closed, say).
    pub fn close(&self) -> Result<()> {
        let r = self.client.call(CONNECT_CLOSE, |_| {}).map(|_| ());
        self.client.shutdown();
        r
    }

    pub fn lib_version(&self) -> Result<u64> {
        reply(self.client.call(CONNECT_GET_LIB_VERSION, |_| {})?, |d| d.u64())
    }

    /// The servers' names (when `need_results`) and their count.
    pub fn list_servers(&self, need_results: bool, flags: u32) -> Result<(Vec<String>, u32)> {
        let p = self.client.call(CONNECT_LIST_SERVERS, |e| {
            e.u32(need_results as u32);
            e.u32(flags);
        })?;
        reply(p, |d| Ok((d.array(SERVER_LIST_MAX, 4, |d| d.string(STRING_MAX))?, d.u32()?)))
    }

    pub fn lookup_server(&self, name: &str, flags: u32) -> Result<String> {
        let p = self.client.call(CONNECT_LOOKUP_SERVER, |e| {
            e.string(name);
            e.u32(flags);
        })?;
        reply(p, |d| d.string(STRING_MAX))
    }

    fn server_params(&self, procedure: i32, server: &str, flags: u32, max: u32) -> Result<Vec<TypedParam>> {
        let p = self.client.call(procedure, |e| {
            e.string(server);
            e.u32(flags);
        })?;
        reply(p, |d| decode_params(d, max))
    }

    fn set_server_params(&self, procedure: i32, server: &str, params: &[TypedParam], flags: u32) -> Result<()> {
        self.client.call(procedure, |e| {
            e.string(server);
            encode_params(e, params);
            e.u32(flags);
        })?;
        Ok(())
    }

    pub fn threadpool_parameters(&self, server: &str, flags: u32) -> Result<Vec<TypedParam>> {
        self.server_params(SERVER_GET_THREADPOOL_PARAMETERS, server, flags, THREADPOOL_PARAMETERS_MAX)
    }

    pub fn set_threadpool_parameters(&self, server: &str, params: &[TypedParam], flags: u32) -> Result<()> {
        self.set_server_params(SERVER_SET_THREADPOOL_PARAMETERS, server, params, flags)
    }

    pub fn client_limits(&self, server: &str, flags: u32) -> Result<Vec<TypedParam>> {
        self.server_params(SERVER_GET_CLIENT_LIMITS, server, flags, CLIENT_LIMITS_MAX)
    }

    pub fn set_client_limits(&self, server: &str, params: &[TypedParam], flags: u32) -> Result<()> {
        self.set_server_params(SERVER_SET_CLIENT_LIMITS, server, params, flags)
    }

    pub fn update_tls_files(&self, server: &str, flags: u32) -> Result<()> {
        self.client.call(SERVER_UPDATE_TLS_FILES, |e| {
            e.string(server);
            e.u32(flags);
        })?;
        Ok(())
    }

    /// The server's clients (when `need_results`) and their count.
    pub fn list_clients(&self, server: &str, need_results: bool, flags: u32) -> Result<(Vec<ClientRef>, u32)> {
        let p = self.client.call(SERVER_LIST_CLIENTS, |e| {
            e.string(server);
            e.u32(need_results as u32);
            e.u32(flags);
        })?;
        reply(p, |d| Ok((d.array(CLIENT_LIST_MAX, 24, ClientRef::decode)?, d.u32()?)))
    }

    pub fn lookup_client(&self, server: &str, id: u64, flags: u32) -> Result<ClientRef> {
        let p = self.client.call(SERVER_LOOKUP_CLIENT, |e| {
            e.string(server);
            e.u64(id);
            e.u32(flags);
        })?;
        reply(p, ClientRef::decode)
    }

    pub fn client_info(&self, client: &ClientRef, flags: u32) -> Result<Vec<TypedParam>> {
        let p = self.client.call(CLIENT_GET_INFO, |e| {
            client.encode(e);
            e.u32(flags);
        })?;
        reply(p, |d| decode_params(d, CLIENT_INFO_PARAMETERS_MAX))
    }

    pub fn client_close(&self, client: &ClientRef, flags: u32) -> Result<()> {
        self.client.call(CLIENT_CLOSE, |e| {
            client.encode(e);
            e.u32(flags);
        })?;
        Ok(())
    }

    /// The daemon's log outputs and their count.
    pub fn logging_outputs(&self, flags: u32) -> Result<(String, u32)> {
        let p = self.client.call(CONNECT_GET_LOGGING_OUTPUTS, |e| e.u32(flags))?;
        reply(p, |d| Ok((d.string(STRING_MAX)?, d.u32()?)))
    }

    /// The daemon's log filters (none set: `None`) and their count.
    pub fn logging_filters(&self, flags: u32) -> Result<(Option<String>, u32)> {
        let p = self.client.call(CONNECT_GET_LOGGING_FILTERS, |e| e.u32(flags))?;
        reply(p, |d| Ok((d.optional(|d| d.string(STRING_MAX))?, d.u32()?)))
    }

    pub fn set_logging_outputs(&self, outputs: Option<&str>, flags: u32) -> Result<()> {
        self.client.call(CONNECT_SET_LOGGING_OUTPUTS, |e| {
            opt_string(e, outputs);
            e.u32(flags);
        })?;
        Ok(())
    }

    pub fn set_logging_filters(&self, filters: Option<&str>, flags: u32) -> Result<()> {
        self.client.call(CONNECT_SET_LOGGING_FILTERS, |e| {
            opt_string(e, filters);
            e.u32(flags);
        })?;
        Ok(())
    }

    pub fn set_daemon_timeout(&self, timeout: u32, flags: u32) -> Result<()> {
        self.client.call(CONNECT_SET_DAEMON_TIMEOUT, |e| {
            e.u32(timeout);
            e.u32(flags);
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_and_bounds() {
        let params = vec![
            TypedParam { field: "a".into(), value: TypedValue::UInt(7) },
            TypedParam { field: "b".into(), value: TypedValue::String("x".into()) },
            TypedParam { field: "c".into(), value: TypedValue::Boolean(true) },
        ];
        let mut e = Encoder::new();
        encode_params(&mut e, &params);
        let v = e.into_vec();
        assert_eq!(decode_params(&mut Decoder::new(&v), 32).unwrap(), params);
        assert!(decode_params(&mut Decoder::new(&v), 2).is_err());
        for n in 0..v.len() {
            assert!(decode_params(&mut Decoder::new(&v[..n]), 32).is_err());
        }
    }

    #[test]
    fn client_refs_round_trip() {
        let c = ClientRef { server: "admin".into(), id: 9, timestamp: -1, transport: 2 };
        let mut e = Encoder::new();
        c.encode(&mut e);
        let v = e.into_vec();
        assert_eq!(ClientRef::decode(&mut Decoder::new(&v)).unwrap(), c);
    }
}
