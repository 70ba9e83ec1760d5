//! The source of a network disk (`<disk type='network'>` and its backing
//! layers): the protocol, and the hosts that serve it with the port each
//! protocol listens on by default.

use super::super::props::{dom_err, unsupported, xml_err};
use super::super::tree::Elem;
use crate::core::error::{Error, Result};

/// Every protocol a network disk may name, with its default TCP port
/// (0: none is filled in).
const PROTOCOLS: &[(&str, u16)] = &[
    ("none", 0),
    ("nbd", 10809),
    ("rbd", 0),
    ("sheepdog", 7000),
    ("gluster", 24007),
    ("iscsi", 3260),
    ("http", 80),
    ("https", 443),
    ("ftp", 21),
    ("ftps", 990),
    ("tftp", 69),
    ("ssh", 22),
    ("vxhs", 9999),
    ("nfs", 0),
];

const TRANSPORTS: &[&str] = &["tcp", "unix", "rdma"];

/// Checks a network source's protocol and hosts and writes them as libvirt
/// keeps them: the default transport left out, the default port filled in,
/// a UNIX socket host reduced to its socket. Returns the protocol.
pub fn normalize(src: &mut Elem) -> Result<&'static str> {
    let Some(given) = src.attr("protocol") else {
        return Err(xml_err("Missing required attribute 'protocol' in element 'source'"));
    };
    let Some(&(protocol, default_port)) = PROTOCOLS.iter().find(|(p, _)| *p == given) else {
        return Err(xml_err(format!("Invalid value for attribute 'protocol' in element 'source': '{given}'.")));
    };
    for host in src.kids.iter_mut().filter(|k| k.name == "host") {
        normalize_host(host, default_port)?;
    }
    Ok(protocol)
}

fn normalize_host(host: &mut Elem, default_port: u16) -> Result<()> {
    let transport = host.attr("transport");
    if let Some(t) = transport {
        if !TRANSPORTS.contains(&t) {
            return Err(unsupported(format!("unknown protocol transport type '{t}'")));
        }
    }
    let unix = transport == Some("unix");
    match (unix, host.attr("socket").is_some()) {
        (true, false) => return Err(dom_err("missing socket for unix transport")),
        (false, true) => {
            let t = transport.unwrap_or("(null)");
            return Err(dom_err(format!("transport '{t}' does not support socket attribute")));
        }
        _ => {}
    }
    if unix {
        host.attrs.remove("name");
        host.attrs.remove("port");
        return Ok(());
    }
    if host.attr("name").is_none() {
        return Err(dom_err("missing name for host"));
    }
    let port = host.attr("port").map(parse_port).transpose()?.unwrap_or(0);
    let tcp = transport.is_none_or(|t| t == "tcp");
    let port = if port == 0 && tcp { default_port } else { port };
    host.attrs.remove("transport");
    host.attrs.remove("port");
    let spec = &super::disk::HOST;
    if port != 0 {
        host.set(spec, "port", port.to_string());
    }
    if !tcp {
        host.set(spec, "transport", "rdma");
    }
    Ok(())
}

/// A port number as libvirt reads it: decimal, leading blanks and a plus
/// sign allowed, at most 65535.
fn parse_port(v: &str) -> Result<u16> {
    let failed = || Error::invalid_arg(format!("failed to parse port number '{v}'"));
    let digits = v.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(failed());
    }
    let n: u32 = digits.parse().map_err(|_| failed())?;
    u16::try_from(n).map_err(|_| Error::invalid_arg(format!("port '{v}' out of range")))
}

#[cfg(test)]
mod tests {
    use super::parse_port;

    #[test]
    fn ports_read_as_libvirt_reads_them() {
        assert_eq!(parse_port(" +010").unwrap(), 10);
        assert_eq!(parse_port("65535").unwrap(), 65535);
        for bad in ["", "-1", "5 ", "0x10", "x"] {
            assert!(parse_port(bad).unwrap_err().to_string().contains("failed to parse port number"));
        }
        assert!(parse_port("65536").unwrap_err().to_string().contains("out of range"));
    }
}
