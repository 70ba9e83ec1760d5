//! Values of network filter rule attributes: how libvirt reads and
//! rewrites addresses, masks, numbers, protocol names, flag sets and
//! `$VARIABLE` references.

use crate::conf::storage_common::parse_i64;

/// The kinds of rule attribute values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Mac,
    Ipv4,
    Ipv4Mask,
    Ipv6,
    Ipv6Mask,
    /// An unsigned number up to the given maximum (kept in the base given).
    Num(u32),
    /// A decimal-only number up to the given maximum.
    Decimal(u32),
    /// An Ethernet protocol: a name or a number from 0x600.
    EtherType,
    /// An IP protocol: a name or a number up to 255.
    IpProto,
    ArpOpcode,
    Bool,
    /// Connection tracking states.
    State,
    TcpFlags,
    IpsetFlags,
    Text,
}

const ETHERTYPES: &[(&str, u32)] =
    &[("arp", 0x0806), ("rarp", 0x8035), ("ipv4", 0x0800), ("ipv6", 0x86dd), ("vlan", 0x8100)];
const IP_PROTOS: &[(&str, u32)] = &[
    ("tcp", 6),
    ("udp", 17),
    ("udplite", 136),
    ("esp", 50),
    ("ah", 51),
    ("icmp", 1),
    ("igmp", 2),
    ("sctp", 132),
    ("icmpv6", 58),
];
const ARP_OPCODES: &[&str] = &[
    "Request",
    "Reply",
    "Request_Reverse",
    "Reply_Reverse",
    "DRARP_Request",
    "DRARP_Reply",
    "DRARP_Error",
    "InARP_Request",
    "ARP_NAK",
];
const STATES: &[&str] = &["NEW", "ESTABLISHED", "RELATED", "INVALID"];
const TCP_FLAGS: &[&str] = &["SYN", "ACK", "URG", "PSH", "FIN", "RST"];

/// A `$NAME` or `$NAME[index]` reference, rewritten without blanks.
fn variable(s: &str) -> Option<String> {
    let rest = s.strip_prefix('$')?;
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let (name, tail) = rest.split_at(name_len);
    let tail = tail.trim();
    if tail.is_empty() {
        return Some(format!("${name}"));
    }
    let inner = tail.strip_prefix('[')?.strip_suffix(']')?.trim();
    let (at, digits) = match inner.strip_prefix('@') {
        Some(d) => ("@", d.trim()),
        None => ("", inner),
    };
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| format!("${name}[{at}{digits}]"))
}

/// A number in decimal or `0x` hexadecimal, rewritten in the same base.
fn number(s: &str, max: u32, hex_ok: bool) -> Option<(u32, String)> {
    let (v, hex) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) if hex_ok && !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) => {
            (u64::from_str_radix(h, 16).ok()?, true)
        }
        Some(_) => return None,
        None => (crate::conf::storage_common::parse_u64(s)?, false),
    };
    let v = u32::try_from(v).ok().filter(|v| *v <= max)?;
    Some((v, if hex { format!("0x{v:x}") } else { v.to_string() }))
}

fn mac(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = Vec::with_capacity(6);
    for p in parts {
        if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        out.push(format!("{:02x}", u8::from_str_radix(p, 16).ok()?));
    }
    Some(out.join(":"))
}

/// An IPv4 address as `inet_aton` reads it (1 to 4 parts, each in C
/// notation, the last one filling the remaining bytes).
pub fn ipv4(s: &str) -> Option<[u8; 4]> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::new();
    for p in &parts {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            if h.is_empty() {
                0
            } else {
                u64::from_str_radix(h, 16).ok()?
            }
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(&p[1..], 8).ok()?
        } else if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
            p.parse::<u64>().ok()?
        } else {
            return None;
        };
        vals.push(v);
    }
    let last = *vals.last()?;
    let head = &vals[..vals.len() - 1];
    if head.iter().any(|v| *v > 255) || last >= 1u64 << (8 * (4 - head.len())) {
        return None;
    }
    let mut n: u32 = 0;
    for (i, v) in head.iter().enumerate() {
        n |= (*v as u32) << (24 - 8 * i);
    }
    n |= last as u32;
    Some(n.to_be_bytes())
}

fn prefix_of(bytes: &[u8]) -> Option<u32> {
    let bits: u32 = bytes.iter().map(|b| b.count_ones()).sum();
    let mut expect_ones = true;
    for b in bytes {
        for i in (0..8).rev() {
            let one = b >> i & 1 == 1;
            if one && !expect_ones {
                return None;
            }
            expect_ones &= one;
        }
    }
    Some(bits)
}

fn mask(s: &str, max: u32, v6: bool) -> Option<String> {
    if let Some(n) = crate::conf::storage_common::parse_u64(s) {
        return (n <= max as u64).then(|| n.to_string());
    }
    let bytes = if v6 { s.parse::<std::net::Ipv6Addr>().ok()?.octets().to_vec() } else { ipv4(s)?.to_vec() };
    prefix_of(&bytes).map(|p| p.to_string())
}

/// An IPv6 address as glibc's `inet_ntop` writes it.
pub fn ipv6_text(a: std::net::Ipv6Addr) -> String {
    let w = a.segments();
    let o = a.octets();
    let (mut best, mut cur) = ((0usize, 0usize), (0usize, 0usize));
    for (i, x) in w.iter().enumerate() {
        if *x == 0 {
            if cur.1 == 0 {
                cur.0 = i;
            }
            cur.1 += 1;
            if cur.1 > best.1 {
                best = cur;
            }
        } else {
            cur = (0, 0);
        }
    }
    if best.1 < 2 {
        best = (usize::MAX, 0);
    }
    let v4 = format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
    if best.0 == 0 && (best.1 == 6 || (best.1 == 5 && w[5] == 0xffff)) {
        return if best.1 == 6 { format!("::{v4}") } else { format!("::ffff:{v4}") };
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best.0 {
            out.push_str("::");
            i += best.1;
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", w[i]));
        i += 1;
    }
    out
}

fn name_or_number(s: &str, names: &[(&str, u32)], min: u32, max: u32) -> Option<String> {
    if let Some((n, _)) = names.iter().find(|(n, _)| *n == s) {
        return Some(n.to_string());
    }
    let (v, text) = number(s, max, true)?;
    if v < min {
        return None;
    }
    Some(names.iter().find(|(_, x)| *x == v).map(|(n, _)| n.to_string()).unwrap_or(text))
}

fn flag_set(s: &str, names: &[&str]) -> Option<String> {
    if s == "NONE" {
        return Some(s.to_string());
    }
    if s == "ALL" && names.len() == TCP_FLAGS.len() {
        return Some(s.to_string());
    }
    let mut set = vec![false; names.len()];
    for part in s.split(',') {
        let i = names.iter().position(|n| n.eq_ignore_ascii_case(part))?;
        set[i] = true;
    }
    if names.len() == TCP_FLAGS.len() && set.iter().all(|b| *b) {
        return Some("ALL".to_string());
    }
    Some(names.iter().zip(set).filter(|(_, on)| *on).map(|(n, _)| *n).collect::<Vec<_>>().join(","))
}

/// Reads a value of kind `k`, returning its canonical text, or `None`
/// when libvirt calls it illegal.
pub fn canonical(k: Kind, s: &str) -> Option<String> {
    if k != Kind::Text && s.starts_with('$') {
        return variable(s);
    }
    match k {
        Kind::Mac => mac(s),
        Kind::Ipv4 => ipv4(s).map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])),
        Kind::Ipv4Mask => mask(s, 32, false),
        Kind::Ipv6 => s.parse::<std::net::Ipv6Addr>().ok().map(ipv6_text),
        Kind::Ipv6Mask => mask(s, 128, true),
        Kind::Num(max) => number(s, max, true).map(|(_, t)| t),
        Kind::Decimal(max) => number(s, max, false).map(|(_, t)| t),
        Kind::EtherType => name_or_number(s, ETHERTYPES, 0x600, 0xffff),
        Kind::IpProto => name_or_number(s, IP_PROTOS, 0, 255),
        Kind::ArpOpcode => match ARP_OPCODES.iter().find(|n| n.eq_ignore_ascii_case(s)) {
            Some(n) => Some(n.to_string()),
            None => {
                let (v, t) = number(s, 0xffff, true)?;
                Some(ARP_OPCODES.get((v as usize).wrapping_sub(1)).map(|n| n.to_string()).unwrap_or(t))
            }
        },
        Kind::Bool => match s {
            "yes" | "true" | "1" => Some("true".into()),
            "no" | "false" | "0" => Some("false".into()),
            _ => None,
        },
        Kind::State => {
            if s.split(',').any(|p| p == "NONE") {
                return Some("NONE".into());
            }
            flag_set(s, STATES)
        }
        Kind::TcpFlags => {
            let (m, f) = s.split_once('/')?;
            Some(format!("{}/{}", flag_set(m, TCP_FLAGS)?, flag_set(f, TCP_FLAGS)?))
        }
        Kind::IpsetFlags => {
            let parts: Vec<&str> = s.split(',').collect();
            let ok = !parts.is_empty()
                && parts.len() <= 6
                && parts.iter().all(|p| p.eq_ignore_ascii_case("src") || p.eq_ignore_ascii_case("dst"));
            ok.then(|| parts.iter().map(|p| p.to_ascii_lowercase()).collect::<Vec<_>>().join(","))
        }
        Kind::Text => Some(s.to_string()),
    }
}

/// A number of C's `strtol` (leading blanks, sign, digits).
pub fn priority(s: &str) -> Option<i64> {
    parse_i64(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_values_like_libvirt() {
        assert_eq!(canonical(Kind::Ipv4, "010.000.000.002").as_deref(), Some("8.0.0.2"));
        assert_eq!(canonical(Kind::Ipv4, "1.2.3").as_deref(), Some("1.2.0.3"));
        assert_eq!(canonical(Kind::Ipv4, "16909060").as_deref(), Some("1.2.3.4"));
        assert_eq!(canonical(Kind::Ipv4, "256.1.1.1"), None);
        assert_eq!(canonical(Kind::Ipv4Mask, "255.255.0.0").as_deref(), Some("16"));
        assert_eq!(canonical(Kind::Ipv6, "FE80:0000::0001").as_deref(), Some("fe80::1"));
        assert_eq!(canonical(Kind::Ipv6, "2001:db8:0:0:1:0:0:1").as_deref(), Some("2001:db8::1:0:0:1"));
        assert_eq!(canonical(Kind::Ipv6, "::1.2.3.4").as_deref(), Some("::1.2.3.4"));
        assert_eq!(canonical(Kind::Ipv6, "::ffff:1.2.3.4").as_deref(), Some("::ffff:1.2.3.4"));
        assert_eq!(canonical(Kind::Ipv6Mask, "ffff:ffff:ffff:ffff::").as_deref(), Some("64"));
        assert_eq!(canonical(Kind::Mac, "A:B:C:D:E:F").as_deref(), Some("0a:0b:0c:0d:0e:0f"));
        assert_eq!(canonical(Kind::EtherType, "34525").as_deref(), Some("ipv6"));
        assert_eq!(canonical(Kind::EtherType, "0x5ff"), None);
        assert_eq!(canonical(Kind::IpProto, "0x6").as_deref(), Some("tcp"));
        assert_eq!(canonical(Kind::ArpOpcode, "reply_reverse").as_deref(), Some("Reply_Reverse"));
        assert_eq!(canonical(Kind::ArpOpcode, "17").as_deref(), Some("17"));
        assert_eq!(canonical(Kind::TcpFlags, "ACK,SYN/ALL").as_deref(), Some("SYN,ACK/ALL"));
        assert_eq!(canonical(Kind::State, "invalid,related").as_deref(), Some("RELATED,INVALID"));
        assert_eq!(canonical(Kind::Mac, "$MAC[ 1 ]").as_deref(), Some("$MAC[1]"));
        assert_eq!(canonical(Kind::Ipv4, "$ IP"), None);
    }
}
