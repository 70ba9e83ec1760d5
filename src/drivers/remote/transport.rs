//! From a connection URI to a daemon socket, with libvirt's rules: the
//! transport in the scheme (`driver+transport`), the parameters the client
//! itself consumes, the daemon socket (monolithic or per-driver, read-only
//! or not, system or per-user) and the URI the daemon is asked to open.

use crate::core::error::{Error, Result};
use crate::core::uri::Uri;
use crate::generated::consts::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tls,
    Unix,
    Ssh,
    Libssh2,
    Ext,
    Tcp,
    Libssh,
}

impl Transport {
    fn parse(s: &str) -> Option<Transport> {
        Some(match s {
            "tls" => Transport::Tls,
            "unix" => Transport::Unix,
            "ssh" => Transport::Ssh,
            "libssh2" => Transport::Libssh2,
            "ext" => Transport::Ext,
            "tcp" => Transport::Tcp,
            "libssh" => Transport::Libssh,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Transport::Tls => "tls",
            Transport::Unix => "unix",
            Transport::Ssh => "ssh",
            Transport::Libssh2 => "libssh2",
            Transport::Ext => "ext",
            Transport::Tcp => "tcp",
            Transport::Libssh => "libssh",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Auto,
    Legacy,
    Direct,
}

/// What runs on the ssh server to reach the daemon socket (`proxy=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proxy {
    /// virt-ssh-helper when the server has it, netcat otherwise.
    Auto,
    Netcat,
    /// virt-ssh-helper only.
    Native,
}

impl Proxy {
    fn parse(s: Option<&str>) -> Result<Proxy> {
        Ok(match s {
            None | Some("auto") => Proxy::Auto,
            Some("netcat") => Proxy::Netcat,
            Some("native") => Proxy::Native,
            // libvirt's message, spelling included
            Some(other) => return Err(invalid(format!("Unnkown proxy type '{other}'"))),
        })
    }
}

/// Everything the URI says about how to reach the daemon.
#[derive(Clone, Debug)]
pub struct Target {
    pub transport: Transport,
    /// The URI handed to the daemon's open.
    pub name: String,
    /// The UNIX socket, for the transports that use one.
    pub socket: Option<String>,
    pub server: String,
    pub port: Option<u16>,
    /// Where the TLS credentials are (`pkipath=`).
    pub pkipath: Option<String>,
    /// The program of the `ext` transport, or the ssh program.
    pub command: Option<String>,
    /// ssh options: user, key, netcat path, tty and host key checks.
    pub user: Option<String>,
    pub keyfile: Option<String>,
    pub netcat: Option<String>,
    pub proxy: Proxy,
    pub no_tty: bool,
    pub no_verify: bool,
}

fn invalid(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_INVALID_ARG, detail)
}

/// Splits `driver+transport`; no transport means TLS with a server, UNIX without.
pub fn split_scheme(uri: &Uri) -> Result<(String, Transport)> {
    let scheme = uri.scheme.as_deref().ok_or_else(|| invalid("missing scheme for URI"))?;
    let Some((driver, t)) = scheme.split_once('+') else {
        let t = if uri.server.is_some() { Transport::Tls } else { Transport::Unix };
        return Ok((scheme.to_string(), t));
    };
    let t = Transport::parse(&t.to_ascii_lowercase()).ok_or_else(|| {
        invalid("remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)")
    })?;
    if t == Transport::Unix {
        if let Some(server) = &uri.server {
            return Err(invalid(format!("using unix socket and remote server '{server}' is not supported.")));
        }
    }
    Ok((driver.to_string(), t))
}

/// URI parameters the client consumes rather than passing them on.
const CLIENT_PARAMS: &[&str] = &[
    "name",
    "command",
    "socket",
    "auth",
    "sshauth",
    "netcat",
    "keyfile",
    "pkipath",
    "known_hosts",
    "known_hosts_verify",
    "tls_priority",
    "mode",
    "proxy",
    "no_sanity",
    "no_verify",
    "no_tty",
    "authfile",
];
const BOOL_PARAMS: &[&str] = &["no_sanity", "no_verify", "no_tty"];

fn param<'a>(uri: &'a Uri, key: &str) -> Option<&'a str> {
    uri.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

/// A boolean parameter (already checked to be a number): set when non-zero.
fn flag_param(uri: &Uri, key: &str) -> bool {
    param(uri, key).and_then(|v| v.trim().parse::<i64>().ok()).is_some_and(|v| v != 0)
}

/// Query text of the parameters passed through, escaped as libvirt does.
fn passthrough_query(uri: &Uri) -> Option<String> {
    let kept: Vec<String> = uri
        .params
        .iter()
        .filter(|(k, _)| !CLIENT_PARAMS.iter().any(|c| c.eq_ignore_ascii_case(k)))
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn user_runtime_dir() -> String {
    let base = std::env::var("XDG_RUNTIME_DIR").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache")
    });
    format!("{base}/libvirt")
}

fn socket_path(prefix: &str, user: bool, readonly: bool) -> String {
    if user {
        format!("{}/{prefix}-sock", user_runtime_dir())
    } else {
        format!("/var/run/libvirt/{prefix}-{}", if readonly { "sock-ro" } else { "sock" })
    }
}

/// The daemon socket for a local connection, libvirt's way.
fn unix_socket(transport: Transport, mode: Mode, driver: &str, user: bool, readonly: bool) -> Result<String> {
    let direct = socket_path(&format!("virt{driver}d"), user, readonly);
    let legacy = socket_path("libvirt", user, readonly);
    let mode = match mode {
        Mode::Auto if transport == Transport::Unix && std::path::Path::new(&direct).exists() => Mode::Direct,
        Mode::Auto => Mode::Legacy,
        m => m,
    };
    if mode == Mode::Direct {
        if transport != Transport::Unix {
            return Err(Error::with_detail(
                VIR_FROM_REMOTE,
                VIR_ERR_OPERATION_UNSUPPORTED,
                format!("Cannot use direct socket mode for {} transport", transport.name()),
            ));
        }
        return Ok(direct);
    }
    Ok(legacy)
}

/// Works out where and how to connect for `uri`.
pub fn resolve(uri: &Uri, readonly: bool) -> Result<Target> {
    let (driver, transport) = split_scheme(uri)?;
    for (k, v) in &uri.params {
        if BOOL_PARAMS.iter().any(|b| b.eq_ignore_ascii_case(k)) && v.trim().parse::<i64>().is_err() {
            return Err(invalid(format!("Failed to parse value of URI component {k}")));
        }
    }
    let name = match param(uri, "name") {
        Some(n) => n.to_string(),
        None if driver == "remote" => String::new(),
        None => Uri {
            scheme: Some(driver.clone()),
            path: uri.path.clone(),
            query: passthrough_query(uri),
            fragment: uri.fragment.clone(),
            ..Uri::default()
        }
        .format(),
    };
    let mode = match param(uri, "mode") {
        None | Some("auto") => Mode::Auto,
        Some("legacy") => Mode::Legacy,
        Some("direct") => Mode::Direct,
        Some(other) => return Err(invalid(format!("Unknown remote mode '{other}'"))),
    };
    // a daemon socket or netcat named without a proxy means netcat
    let proxy = match param(uri, "proxy") {
        None if param(uri, "socket").is_some() || param(uri, "netcat").is_some() => Proxy::Netcat,
        p => Proxy::parse(p)?,
    };
    let command = param(uri, "command").map(str::to_string);
    if transport == Transport::Ext && command.is_none() {
        return Err(invalid("remote_open: for 'ext' transport, command is required"));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let unprivileged = unsafe { libc::geteuid() } != 0;
    let user = unprivileged
        && (uri.path.as_deref() == Some("/session") || uri.scheme.as_deref().is_some_and(|s| s.starts_with("test+")));
    let socket = match (param(uri, "socket"), transport) {
        (Some(s), _) => Some(s.to_string()),
        (None, Transport::Unix | Transport::Ssh | Transport::Libssh | Transport::Libssh2) => {
            Some(unix_socket(transport, mode, &driver, user, readonly)?)
        }
        _ => None,
    };
    Ok(Target {
        transport,
        name,
        socket,
        server: uri.server.clone().unwrap_or_else(|| "localhost".into()),
        port: uri.port,
        pkipath: param(uri, "pkipath").map(str::to_string),
        user: uri.user.clone(),
        keyfile: param(uri, "keyfile").map(str::to_string),
        netcat: param(uri, "netcat").map(str::to_string),
        proxy,
        no_tty: flag_param(uri, "no_tty"),
        no_verify: flag_param(uri, "no_verify"),
        command,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Result<Target> {
        resolve(&Uri::parse(s).unwrap(), false)
    }

    #[test]
    fn name_sent_to_the_daemon() {
        assert_eq!(target("test+unix:///default").unwrap().name, "test:///default");
        assert_eq!(target("test+unix:///default?socket=/s&foo=b%20r").unwrap().name, "test:///default?foo=b+r");
        assert_eq!(target("qemu:///system?name=lxc:///").unwrap().name, "lxc:///");
        assert_eq!(target("remote+unix:///x").unwrap().name, "");
    }

    #[test]
    fn transports_and_errors() {
        assert_eq!(target("qemu://h/system").unwrap().transport, Transport::Tls);
        assert_eq!(target("qemu+TCP://h/system").unwrap().transport, Transport::Tcp);
        assert_eq!(target("qemu+unix:///x?socket=/s").unwrap().socket.as_deref(), Some("/s"));
        let e = target("test+bogus:///default").unwrap_err();
        assert_eq!(e.code, VIR_ERR_INVALID_ARG);
        assert_eq!(e.domain, VIR_FROM_REMOTE);
        assert!(target("test+unix://h/default").unwrap_err().message.contains("remote server 'h'"));
        assert!(target("test+unix:///d?mode=x").unwrap_err().message.ends_with("Unknown remote mode 'x'"));
        assert!(target("test+unix:///d?no_tty=x").is_err());
        assert!(target("test+ext:///d").is_err());
        assert!(target("test+ssh://h/d?proxy=NATIVE").unwrap_err().message.ends_with("Unnkown proxy type 'NATIVE'"));
        assert_eq!(target("test+ssh://h/d?proxy=native").unwrap().proxy, Proxy::Native);
        assert_eq!(target("test+ssh://h/d?socket=/s").unwrap().proxy, Proxy::Netcat);
        assert_eq!(target("test+ssh://h/d?socket=/s&proxy=auto").unwrap().proxy, Proxy::Auto);
    }
}
