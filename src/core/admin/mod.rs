//! The admin library's connections (`libvirt-admin.so.0`): which daemon an
//! admin URI names and where its admin socket is ([`socket_path`]), the
//! RPC client on that socket ([`client`]) and the admin program's calls
//! ([`protocol`]).

pub mod client;
pub mod protocol;

use super::error::{Error, Result};
use super::uri::Uri;
use crate::generated::consts::*;
use std::path::PathBuf;

fn config_error(detail: String) -> Error {
    Error::with_detail(VIR_FROM_ADMIN, VIR_ERR_CONFIG_UNSUPPORTED, detail)
}

/// The URI an admin open uses: the given one, `LIBVIRT_ADMIN_DEFAULT_URI`,
/// the configuration's `uri_default`, else the monolithic daemon.
pub fn default_uri(given: Option<&str>) -> String {
    if let Some(u) = given {
        return u.to_string();
    }
    if let Ok(u) = std::env::var("LIBVIRT_ADMIN_DEFAULT_URI") {
        return u;
    }
    if let Some(u) = super::config::load_admin().uri_default {
        return u;
    }
    if crate::util::host::is_root() { "libvirtd:///system" } else { "libvirtd:///session" }.to_string()
}

/// The admin socket of the daemon `uri` names, with libvirt's errors for
/// URIs it does not accept.
pub fn socket_path(uri: &str) -> Result<PathBuf> {
    let u = Uri::parse(uri)?;
    let scheme = u.scheme.as_deref().unwrap_or("");
    let daemon = match scheme {
        "libvirtd" => "libvirt",
        s if s.starts_with("virt") && s.chars().all(|c| c.is_ascii_lowercase()) => s,
        s => return Err(config_error(format!("Unsupported URI scheme '{s}'"))),
    };
    let mut socket = None;
    for (k, v) in &u.params {
        match k.as_str() {
            "socket" => socket = Some(PathBuf::from(v)),
            other => return Err(config_error(format!("Unknown URI parameter '{other}'"))),
        }
    }
    if let Some(s) = socket {
        return Ok(s);
    }
    let name = format!("{daemon}-admin-sock");
    match u.path.as_deref().unwrap_or("") {
        "/system" => Ok(PathBuf::from("/run/libvirt").join(name)),
        "/session" => {
            let base = std::env::var_os("XDG_RUNTIME_DIR")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from("."));
            Ok(base.join("libvirt").join(name))
        }
        p => Err(config_error(format!("Invalid URI path '{p}', try '/system'"))),
    }
}

/// Connects the admin socket of the daemon `uri` names.
pub fn connect(uri: &str) -> Result<std::os::unix::net::UnixStream> {
    let path = socket_path(uri)?;
    std::os::unix::net::UnixStream::connect(&path).map_err(|e| {
        Error::system(
            VIR_FROM_RPC,
            e.raw_os_error().unwrap_or(0),
            format!("Failed to connect socket to '{}'", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_daemons_to_their_admin_sockets() {
        let p = |u: &str| socket_path(u).map(|p| p.display().to_string()).map_err(|e| e.message);
        assert_eq!(p("libvirtd:///system").unwrap(), "/run/libvirt/libvirt-admin-sock");
        assert_eq!(p("virtqemud:///system").unwrap(), "/run/libvirt/virtqemud-admin-sock");
        assert_eq!(p("virtqemud:///system?socket=/tmp/s").unwrap(), "/tmp/s");
        assert_eq!(p("bogus:///x").unwrap_err(), "unsupported configuration: Unsupported URI scheme 'bogus'");
        assert_eq!(
            p("libvirtd:///foo").unwrap_err(),
            "unsupported configuration: Invalid URI path '/foo', try '/system'"
        );
        assert_eq!(
            p("virtqemud:///system?mode=legacy").unwrap_err(),
            "unsupported configuration: Unknown URI parameter 'mode'"
        );
    }
}
