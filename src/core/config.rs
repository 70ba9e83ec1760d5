//! The client configuration file (`libvirt.conf`): `uri_default` and
//! `uri_aliases`, in libvirt's `key = value` syntax.

use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientConfig {
    pub uri_default: Option<String>,
    pub uri_aliases: Vec<String>,
}

/// Where libvirt reads the client configuration: the system file for root,
/// the user's config directory otherwise.
pub fn config_path() -> PathBuf {
    if let Ok(p) = std::env::var("LIBVIRT_CONFIG") {
        return PathBuf::from(p);
    }
    file_path("libvirt.conf")
}

/// `/etc/libvirt/<name>` for root, `$XDG_CONFIG_HOME/libvirt/<name>` otherwise.
pub fn file_path(name: &str) -> PathBuf {
    if crate::util::host::is_root() {
        return PathBuf::from("/etc/libvirt").join(name);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("libvirt").join(name)
}

pub fn load() -> ClientConfig {
    std::fs::read_to_string(config_path()).map(|t| parse(&t)).unwrap_or_default()
}

/// The admin library's configuration (`libvirt-admin.conf`, `uri_default`).
pub fn load_admin() -> ClientConfig {
    std::fs::read_to_string(file_path("libvirt-admin.conf")).map(|t| parse(&t)).unwrap_or_default()
}

/// Parses the subset of libvirt's config syntax the client uses: strings,
/// lists of strings, numbers (ignored) and `#` comments.
pub fn parse(text: &str) -> ClientConfig {
    let mut cfg = ClientConfig::default();
    let mut tokens = Tokens { s: text.as_bytes(), i: 0 };
    while let Some(key) = tokens.ident() {
        if !tokens.eat(b'=') {
            break;
        }
        match tokens.value() {
            Some(Value::Str(s)) if key == "uri_default" => cfg.uri_default = Some(s),
            Some(Value::List(l)) if key == "uri_aliases" => cfg.uri_aliases = l,
            Some(_) => {}
            None => break,
        }
    }
    cfg
}

enum Value {
    Str(String),
    List(Vec<String>),
    Other,
}

struct Tokens<'a> {
    s: &'a [u8],
    i: usize,
}

impl Tokens<'_> {
    fn skip(&mut self) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' | b';' => self.i += 1,
                b'#' => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                _ => break,
            }
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.skip();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<String> {
        self.skip();
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_') {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }
    fn string(&mut self) -> Option<String> {
        self.skip();
        let q = *self.s.get(self.i)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != q {
            self.i += 1;
        }
        let v = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.i += 1;
        Some(v)
    }
    fn value(&mut self) -> Option<Value> {
        self.skip();
        match self.s.get(self.i)? {
            b'[' => {
                self.i += 1;
                let mut l = Vec::new();
                loop {
                    if self.eat(b']') {
                        return Some(Value::List(l));
                    }
                    l.push(self.string()?);
                }
            }
            b'"' | b'\'' => self.string().map(Value::Str),
            _ => {
                self.ident()?;
                Some(Value::Other)
            }
        }
    }
}

/// Resolves an alias (`name=uri` entries); names with ':' are never aliases.
pub fn resolve_alias(cfg: &ClientConfig, name: &str) -> Option<String> {
    if name.contains(':') {
        return None;
    }
    cfg.uri_aliases.iter().find_map(|entry| {
        let (k, v) = entry.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_default_and_aliases() {
        let c = parse("# comment\nuri_default = \"test:///default\"\nuri_aliases = [\n \"hail=qemu+ssh://root@hail/system\",\n \"t=test:///default\",\n]\n");
        assert_eq!(c.uri_default.as_deref(), Some("test:///default"));
        assert_eq!(resolve_alias(&c, "t").as_deref(), Some("test:///default"));
        assert_eq!(resolve_alias(&c, "nope"), None);
    }
}
