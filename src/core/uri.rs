//! Connection URIs: `driver[+transport]://[user@][host][:port]/path[?query][#fragment]`.

use super::error::{Error, Result};
use crate::generated::consts::*;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uri {
    pub scheme: Option<String>,
    pub user: Option<String>,
    pub server: Option<String>,
    pub port: Option<u16>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub fragment: Option<String>,
    /// Decoded `key=value` pairs of the query.
    pub params: Vec<(String, String)>,
}

impl Uri {
    /// Parses a URI, refusing (as libxml2's RFC 3986 parser does) one
    /// that is neither an absolute URI nor a relative reference.
    pub fn parse(text: &str) -> Result<Uri> {
        let bad = || Error::with_detail(VIR_FROM_URI, VIR_ERR_INTERNAL_ERROR, format!("Unable to parse URI {text}"));
        if !super::uri_syntax::is_valid(text) {
            return Err(bad());
        }
        let mut u = Uri::default();
        let mut rest = text;
        if let Some(i) = rest.find('#') {
            u.fragment = Some(rest[i + 1..].to_string());
            rest = &rest[..i];
        }
        if let Some(i) = rest.find('?') {
            let q = &rest[i + 1..];
            u.query = Some(q.to_string());
            u.params = parse_query(q);
            rest = &rest[..i];
        }
        if let Some(i) = rest.find(':') {
            let scheme = &rest[..i];
            if !scheme.is_empty()
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                u.scheme = Some(scheme.to_string());
                rest = &rest[i + 1..];
            }
        }
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find('/').unwrap_or(after.len());
            let mut auth = &after[..end];
            rest = &after[end..];
            if let Some(at) = auth.rfind('@') {
                u.user = Some(percent_decode(&auth[..at]));
                auth = &auth[at + 1..];
            }
            let (host, port) = split_host_port(auth).ok_or_else(bad)?;
            if !host.is_empty() {
                u.server = Some(host.to_string());
            }
            u.port = port;
        }
        if !rest.is_empty() {
            u.path = Some(percent_decode(rest));
        }
        Ok(u)
    }

    /// The driver part of the scheme (`qemu` in `qemu+ssh`).
    pub fn driver(&self) -> Option<&str> {
        self.scheme.as_deref().map(|s| s.split('+').next().unwrap_or(s))
    }

    /// The transport part of the scheme (`ssh` in `qemu+ssh`).
    pub fn transport(&self) -> Option<&str> {
        self.scheme.as_deref().and_then(|s| s.split_once('+').map(|(_, t)| t))
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The canonical text form, as `virConnectGetURI` reports it.
    pub fn format(&self) -> String {
        let mut s = String::new();
        if let Some(sc) = &self.scheme {
            s.push_str(sc);
            s.push(':');
        }
        if self.scheme.is_some() || self.server.is_some() {
            s.push_str("//");
            if let Some(u) = &self.user {
                s.push_str(u);
                s.push('@');
            }
            if let Some(h) = &self.server {
                if h.contains(':') {
                    s.push_str(&format!("[{h}]"));
                } else {
                    s.push_str(h);
                }
            }
            if let Some(p) = self.port {
                s.push_str(&format!(":{p}"));
            }
        }
        if let Some(p) = &self.path {
            s.push_str(p);
        }
        if let Some(q) = &self.query {
            s.push('?');
            s.push_str(q);
        }
        if let Some(f) = &self.fragment {
            s.push('#');
            s.push_str(f);
        }
        s
    }
}

fn split_host_port(auth: &str) -> Option<(&str, Option<u16>)> {
    if let Some(v6) = auth.strip_prefix('[') {
        let close = v6.find(']')?;
        let host = &v6[..close];
        let tail = &v6[close + 1..];
        let port = match tail.strip_prefix(':') {
            Some(p) if !p.is_empty() => Some(p.parse().ok()?),
            Some(_) | None if tail.is_empty() || tail == ":" => None,
            _ => return None,
        };
        return Some((host, port));
    }
    match auth.rsplit_once(':') {
        Some((h, "")) => Some((h, None)),
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((auth, None)),
    }
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split(['&', ';'])
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Decodes `%XX` escapes; as in C, a decoded NUL ends the string.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    if let Some(nul) = out.iter().position(|&c| c == 0) {
        out.truncate(nul);
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_local_and_remote_forms() {
        let u = Uri::parse("test:///default").unwrap();
        assert_eq!(u.driver(), Some("test"));
        assert_eq!(u.path.as_deref(), Some("/default"));
        assert_eq!(u.server, None);
        assert_eq!(u.format(), "test:///default");

        let u = Uri::parse("qemu+ssh://root@host.example:2222/system?keyfile=/k&no_tty=1").unwrap();
        assert_eq!(u.driver(), Some("qemu"));
        assert_eq!(u.transport(), Some("ssh"));
        assert_eq!(u.user.as_deref(), Some("root"));
        assert_eq!(u.server.as_deref(), Some("host.example"));
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.param("keyfile"), Some("/k"));
        assert_eq!(u.format(), "qemu+ssh://root@host.example:2222/system?keyfile=/k&no_tty=1");

        // found by fuzzing: a '%' before a multi-byte character
        assert!(Uri::parse("%2\u{15e}:").is_ok() || Uri::parse("%2\u{15e}:").is_err());
        assert_eq!(percent_decode("a%2Fb%zz%\u{e9}"), "a/b%zz%\u{e9}");

        let u = Uri::parse("test+tcp://[::1]:16509/default").unwrap();
        assert_eq!(u.server.as_deref(), Some("::1"));
        assert_eq!(u.port, Some(16509));
    }
}
