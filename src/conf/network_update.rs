//! `virNetworkUpdate` on a network definition: one section, one command,
//! one XML fragment, with libvirt's messages for what it refuses.

use super::netdev::xml_error;
use super::network::*;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

const FROM: i32 = VIR_FROM_NETWORK;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Modify,
    Delete,
    AddLast,
    AddFirst,
}

fn not_supported(msg: impl AsRef<str>) -> Error {
    Error::with_detail(FROM, VIR_ERR_OPERATION_UNSUPPORTED, msg)
}

fn invalid(msg: impl AsRef<str>) -> Error {
    Error::with_detail(FROM, VIR_ERR_OPERATION_INVALID, msg)
}

/// Refuses sections the test driver cannot update, before anything else.
pub fn check_section(def: &NetworkDef, section: u32) -> Result<()> {
    let name = match section as i32 {
        VIR_NETWORK_SECTION_BRIDGE => "bridge",
        VIR_NETWORK_SECTION_DOMAIN => "domain",
        VIR_NETWORK_SECTION_IP => "ip",
        VIR_NETWORK_SECTION_FORWARD => "forward",
        VIR_NETWORK_SECTION_FORWARD_PF => "forward pf",
        VIR_NETWORK_SECTION_IP_DHCP_HOST
        | VIR_NETWORK_SECTION_IP_DHCP_RANGE
        | VIR_NETWORK_SECTION_FORWARD_INTERFACE
        | VIR_NETWORK_SECTION_PORTGROUP
        | VIR_NETWORK_SECTION_DNS_HOST
        | VIR_NETWORK_SECTION_DNS_TXT
        | VIR_NETWORK_SECTION_DNS_SRV => return Ok(()),
        _ => return Err(not_supported("can't update unrecognized section of network")),
    };
    Err(not_supported(format!("can't update '{name}' section of network '{}'", def.name)))
}

/// Applies one update to `def`.
pub fn apply(def: &mut NetworkDef, command: u32, section: u32, parent_index: i32, xml: &str) -> Result<()> {
    // libvirt parses the fragment before it looks at the section
    let doc = super::xml::parse(xml, "network_update_xml").map_err(|mut e| {
        e.message = e.message.replacen("(network_update_xml)", "network_update_xml", 1);
        e
    })?;
    check_section(def, section)?;
    let node = doc.root_element();
    let cmd = match command as i32 {
        VIR_NETWORK_UPDATE_COMMAND_MODIFY => Cmd::Modify,
        VIR_NETWORK_UPDATE_COMMAND_DELETE => Cmd::Delete,
        VIR_NETWORK_UPDATE_COMMAND_ADD_LAST => Cmd::AddLast,
        VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST => Cmd::AddFirst,
        _ => return Err(not_supported(format!("unrecognized network update command code {}", command as i32))),
    };
    let net = def.name.clone();
    match section as i32 {
        VIR_NETWORK_SECTION_IP_DHCP_HOST => dhcp_host(def, cmd, parent_index, node, &net),
        VIR_NETWORK_SECTION_IP_DHCP_RANGE => dhcp_range(def, cmd, parent_index, node, &net),
        VIR_NETWORK_SECTION_FORWARD_INTERFACE => forward_interface(def, cmd, node, &net),
        VIR_NETWORK_SECTION_PORTGROUP => portgroup(def, cmd, node, &net),
        VIR_NETWORK_SECTION_DNS_HOST => dns_host(def, cmd, node, &net),
        VIR_NETWORK_SECTION_DNS_TXT => dns_txt(def, cmd, node, &net),
        _ => dns_srv(def, cmd, node, &net),
    }
}

fn expect(node: Node, name: &str, net: &str) -> Result<()> {
    let got = node.tag_name().name();
    if got != name {
        return Err(xml_error(
            FROM,
            format!("unexpected element <{got}>, expecting <{name}>, while updating network '{net}'"),
        ));
    }
    Ok(())
}

fn insert<T>(list: &mut Vec<T>, item: T, cmd: Cmd) {
    if cmd == Cmd::AddFirst {
        list.insert(0, item);
    } else {
        list.push(item);
    }
}

/// The `<ip>` an update of a DHCP section applies to: the one at
/// `parent_index`, or else the first already serving DHCP, or the first
/// IPv4 one, or the first IPv6 one.
fn find_ip<'a>(def: &'a mut NetworkDef, parent_index: i32, net: &str) -> Result<&'a mut IpDef> {
    let found = if parent_index >= 0 {
        Some(parent_index as usize).filter(|i| *i < def.ips.len())
    } else {
        let v6 = |ip: &IpDef| ip.address.as_ref().is_some_and(|a| a.addr.is_ipv6());
        def.ips
            .iter()
            .position(|ip| !ip.ranges.is_empty() || !ip.hosts.is_empty())
            .or_else(|| def.ips.iter().position(|ip| !v6(ip)))
            .or_else(|| def.ips.iter().position(v6))
    };
    match found {
        Some(i) => Ok(&mut def.ips[i]),
        None if parent_index >= 0 => Err(invalid(format!(
            "couldn't update dhcp host entry - no <ip> element found at index {parent_index} in network '{net}'"
        ))),
        None => Err(invalid(format!("couldn't update dhcp host entry - no <ip> element found in network '{net}'"))),
    }
}

fn null(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(null)")
}

fn dhcp_host(def: &mut NetworkDef, cmd: Cmd, parent_index: i32, node: Node, net: &str) -> Result<()> {
    expect(node, "host", net)?;
    let ip = find_ip(def, parent_index, net)?;
    let v6 = ip.address.as_ref().is_some_and(|a| a.addr.is_ipv6());
    let host = parse_dhcp_host(node, ip, net, cmd == Cmd::Delete)?;
    if host.ip.as_ref().is_some_and(|h| h.addr.is_ipv6() != v6) {
        return Err(invalid(
            "the address family of a host entry IP must match the address family of the dhcp element's parent",
        ));
    }
    let ip_text = host.ip.as_ref().map(|i| i.text.clone());
    let id_or_mac = if v6 { &host.id } else { &host.mac };
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    match cmd {
        Cmd::Modify => {
            let pos = ip.hosts.iter().position(|h| {
                let key = if v6 { &h.id } else { &h.mac };
                if id_or_mac.is_some() {
                    same(key, id_or_mac)
                } else {
                    same(&h.name, &host.name)
                }
            });
            let Some(pos) = pos else {
                let key = if v6 { "id" } else { "mac" };
                return Err(invalid(format!(
                    "couldn't locate an existing dhcp host entry with \"{key}='{}'\" \"name='{}'\" \"ip='{}'\" in network '{net}'",
                    null(id_or_mac),
                    null(&host.name),
                    null(&ip_text)
                )));
            };
            ip.hosts[pos] = host;
        }
        Cmd::Delete => {
            let pos = ip.hosts.iter().position(|h| {
                let key = if v6 { &h.id } else { &h.mac };
                let hip = h.ip.as_ref().map(|i| i.text.clone());
                (id_or_mac.is_none() || key == id_or_mac)
                    && (host.name.is_none() || h.name == host.name)
                    && (ip_text.is_none() || hip == ip_text)
            });
            let pos =
                pos.ok_or_else(|| invalid(format!("couldn't locate a matching dhcp host entry in network '{net}'")))?;
            ip.hosts.remove(pos);
        }
        Cmd::AddLast | Cmd::AddFirst => {
            let clash = ip.hosts.iter().any(|h| {
                let key = if v6 { &h.id } else { &h.mac };
                let hip = h.ip.as_ref().map(|i| i.text.clone());
                same(key, id_or_mac) || same(&h.name, &host.name) || same(&hip, &ip_text)
            });
            if clash {
                let key = if v6 { "id" } else { "mac" };
                return Err(invalid(format!(
                    "there is an existing dhcp host entry in network '{net}' that matches \"<host {key}='{}' name='{}' ip='{}'/>\"",
                    null(id_or_mac),
                    null(&host.name),
                    null(&ip_text)
                )));
            }
            insert(&mut ip.hosts, host, cmd);
        }
    }
    Ok(())
}

fn dhcp_range(def: &mut NetworkDef, cmd: Cmd, parent_index: i32, node: Node, net: &str) -> Result<()> {
    expect(node, "range", net)?;
    let ip = find_ip(def, parent_index, net)?;
    if cmd == Cmd::Modify {
        return Err(not_supported("dhcp ranges cannot be modified, only added or deleted"));
    }
    let range = parse_range(node, ip, net)?;
    let pos = ip.ranges.iter().position(|r| r.start.addr == range.start.addr && r.end.addr == range.end.addr);
    match (cmd, pos) {
        (Cmd::Delete, Some(p)) => {
            ip.ranges.remove(p);
        }
        (Cmd::Delete, None) => {
            return Err(invalid(format!("couldn't locate a matching dhcp range entry in network '{net}'")));
        }
        (_, Some(_)) => {
            return Err(invalid(format!(
                "there is an existing dhcp range entry in network '{net}' that matches \"<range start='{}' end='{}'/>\"",
                range.start.text, range.end.text
            )));
        }
        (_, None) => insert(&mut ip.ranges, range, cmd),
    }
    Ok(())
}

fn forward_interface(def: &mut NetworkDef, cmd: Cmd, node: Node, net: &str) -> Result<()> {
    expect(node, "interface", net)?;
    if cmd == Cmd::Modify {
        return Err(not_supported("forward interface entries cannot be modified, only added or deleted"));
    }
    let dev = node
        .attribute("dev")
        .ok_or_else(|| xml_error(FROM, "missing dev attribute in <interface> element"))?
        .to_string();
    let fwd = def.forward.get_or_insert_with(|| Forward {
        mode: ForwardMode::None,
        managed: false,
        driver: None,
        nat: None,
        pfs: Vec::new(),
        ifs: Vec::new(),
        addrs: Vec::new(),
    });
    let pos = fwd.ifs.iter().position(|i| *i == dev);
    match (cmd, pos) {
        (Cmd::Delete, Some(p)) => {
            fwd.ifs.remove(p);
        }
        (Cmd::Delete, None) => {
            return Err(invalid(format!(
                "couldn't find an interface entry in network '{net}' matching <interface dev='{dev}'>"
            )))
        }
        (_, Some(_)) => {
            return Err(invalid(format!(
                "there is an existing interface entry in network '{net}' that matches \"<interface dev='{dev}'>\""
            )))
        }
        (_, None) if fwd.mode.has_own_bridge() && !fwd.ifs.is_empty() => {
            return Err(xml_error(
                FROM,
                format!("multiple forwarding interfaces specified for network '{net}', only one is supported"),
            ))
        }
        (_, None) => insert(&mut fwd.ifs, dev, cmd),
    }
    Ok(())
}

fn portgroup(def: &mut NetworkDef, cmd: Cmd, node: Node, net: &str) -> Result<()> {
    expect(node, "portgroup", net)?;
    let pg = parse_portgroup(node)?;
    let pos = def.portgroups.iter().position(|p| p.name == pg.name);
    match (cmd, pos) {
        (Cmd::Modify | Cmd::Delete, None) => {
            return Err(invalid(format!(
                "couldn't find a portgroup entry in network '{net}' matching <portgroup name='{}'>",
                pg.name
            )))
        }
        (Cmd::AddFirst | Cmd::AddLast, Some(_)) => {
            return Err(invalid(format!(
                "there is an existing portgroup entry in network '{net}' that matches \"<portgroup name='{}'>\"",
                pg.name
            )))
        }
        _ => {}
    }
    if pg.default && cmd != Cmd::Delete && def.portgroups.iter().enumerate().any(|(i, p)| p.default && Some(i) != pos) {
        return Err(invalid(format!(
            "a different portgroup entry in network '{net}' is already set as the default. Only one default is allowed."
        )));
    }
    match (cmd, pos) {
        (Cmd::Modify, Some(p)) => def.portgroups[p] = pg,
        (Cmd::Delete, Some(p)) => {
            def.portgroups.remove(p);
        }
        _ => insert(&mut def.portgroups, pg, cmd),
    }
    Ok(())
}

fn dns_host(def: &mut NetworkDef, cmd: Cmd, node: Node, net: &str) -> Result<()> {
    expect(node, "host", net)?;
    if cmd == Cmd::Modify {
        return Err(not_supported("DNS HOST records cannot be modified, only added or deleted"));
    }
    let host = parse_dns_host(node, net)?;
    let hosts = &mut def.dns.hosts;
    if cmd == Cmd::Delete {
        let pos = hosts.iter().position(|h| h.ip == host.ip || h.hostnames.iter().any(|n| host.hostnames.contains(n)));
        let p = pos.ok_or_else(|| invalid(format!("couldn't locate a matching DNS HOST record in network {net}")))?;
        hosts.remove(p);
        return Ok(());
    }
    if hosts.iter().any(|h| h.ip == host.ip || h.hostnames.iter().any(|n| host.hostnames.contains(n))) {
        return Err(invalid(format!(
            "there is already at least one DNS HOST record with a matching field in network {net}"
        )));
    }
    insert(hosts, host, cmd);
    Ok(())
}

fn dns_txt(def: &mut NetworkDef, cmd: Cmd, node: Node, net: &str) -> Result<()> {
    expect(node, "txt", net)?;
    if cmd == Cmd::Modify {
        return Err(not_supported("DNS TXT records cannot be modified, only added or deleted"));
    }
    let txt = parse_txt(node, net, cmd == Cmd::Delete)?;
    let txts = &mut def.dns.txts;
    let pos = txts.iter().position(|t| t.0 == txt.0);
    match (cmd, pos) {
        (Cmd::Delete, Some(p)) => {
            txts.remove(p);
        }
        (Cmd::Delete, None) => {
            return Err(invalid(format!("couldn't locate a matching DNS TXT record in network {net}")))
        }
        (_, Some(_)) => {
            return Err(invalid(format!("there is already a DNS TXT record with name '{}' in network {net}", txt.0)))
        }
        (_, None) => insert(txts, txt, cmd),
    }
    Ok(())
}

fn srv_matches(a: &DnsSrv, b: &DnsSrv) -> bool {
    fn f<T: PartialEq>(x: &Option<T>, y: &Option<T>) -> bool {
        y.is_none() || x == y
    }
    f(&a.service, &b.service)
        && f(&a.protocol, &b.protocol)
        && f(&a.domain, &b.domain)
        && f(&a.target, &b.target)
        && f(&a.port, &b.port)
        && f(&a.priority, &b.priority)
        && f(&a.weight, &b.weight)
}

fn dns_srv(def: &mut NetworkDef, cmd: Cmd, node: Node, net: &str) -> Result<()> {
    expect(node, "srv", net)?;
    if cmd == Cmd::Modify {
        return Err(not_supported("DNS SRV records cannot be modified, only added or deleted"));
    }
    let srv = parse_srv(node, net)?;
    let srvs = &mut def.dns.srvs;
    let matching: Vec<usize> = srvs.iter().enumerate().filter(|(_, s)| srv_matches(s, &srv)).map(|(i, _)| i).collect();
    match cmd {
        Cmd::Delete => match matching.as_slice() {
            [] => return Err(invalid(format!("couldn't locate a matching DNS SRV record in network {net}"))),
            [one] => {
                srvs.remove(*one);
            }
            _ => return Err(invalid(format!("multiple DNS SRV records match deletion request in network {net}"))),
        },
        _ => {
            if !matching.is_empty() {
                return Err(invalid(format!(
                    "there is already at least one DNS SRV record matching all specified fields in network {net}"
                )));
            }
            insert(srvs, srv, cmd);
        }
    }
    Ok(())
}
