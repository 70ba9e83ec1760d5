//! Virtual network XML (`<network>`): model, parser and formatter with
//! libvirt's validation messages, defaults and output layout.

use super::netdev::*;
use super::xml::{child, child_text, parse_root, XmlWriter};
use crate::core::error::{Error, Result};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use roxmltree::Node;
use std::net::IpAddr;

const FROM: i32 = VIR_FROM_NETWORK;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForwardMode {
    None,
    Nat,
    Route,
    Open,
    Bridge,
    Private,
    Vepa,
    Passthrough,
    Hostdev,
}

const FORWARD_MODES: [(ForwardMode, &str); 9] = [
    (ForwardMode::None, "none"),
    (ForwardMode::Nat, "nat"),
    (ForwardMode::Route, "route"),
    (ForwardMode::Open, "open"),
    (ForwardMode::Bridge, "bridge"),
    (ForwardMode::Private, "private"),
    (ForwardMode::Vepa, "vepa"),
    (ForwardMode::Passthrough, "passthrough"),
    (ForwardMode::Hostdev, "hostdev"),
];

impl ForwardMode {
    pub fn name(self) -> &'static str {
        FORWARD_MODES.iter().find(|(m, _)| *m == self).map(|(_, n)| *n).unwrap_or("none")
    }

    /// Modes where libvirt manages a bridge of its own (and formats stp/delay).
    pub fn has_own_bridge(self) -> bool {
        matches!(self, ForwardMode::None | ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nat {
    pub ipv6: Option<bool>,
    pub addr: Option<(String, String)>,
    pub port: Option<(u32, u32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub mode: ForwardMode,
    pub managed: bool,
    pub driver: Option<String>,
    pub nat: Option<Nat>,
    pub pfs: Vec<String>,
    pub ifs: Vec<String>,
    /// `<address .../>` children (hostdev pools), attributes in order.
    pub addrs: Vec<Vec<(String, String)>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bridge {
    pub name: Option<String>,
    pub zone: Option<String>,
    /// Spanning tree (on unless said otherwise) and forward delay, as given.
    pub stp: Option<bool>,
    pub delay: Option<u64>,
    pub mac_table_manager: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsDomain {
    pub name: Option<String>,
    pub local_only: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsHost {
    pub ip: String,
    pub hostnames: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsSrv {
    pub service: Option<String>,
    pub protocol: Option<String>,
    pub domain: Option<String>,
    pub target: Option<String>,
    pub port: Option<u32>,
    pub priority: Option<u32>,
    pub weight: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dns {
    pub enable: Option<bool>,
    pub forward_plain_names: Option<bool>,
    pub forwarders: Vec<(Option<String>, Option<String>)>,
    pub txts: Vec<(String, String)>,
    pub srvs: Vec<DnsSrv>,
    pub hosts: Vec<DnsHost>,
}

impl Dns {
    fn has_records(&self) -> bool {
        !(self.forwarders.is_empty() && self.txts.is_empty() && self.srvs.is_empty() && self.hosts.is_empty())
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lease {
    pub expiry: u64,
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DhcpRange {
    pub start: IpAddr2,
    pub end: IpAddr2,
    pub lease: Option<Lease>,
}

/// An address as given and as understood.
#[derive(Clone, Debug, PartialEq)]
pub struct IpAddr2 {
    pub text: String,
    pub addr: IpAddr,
}

impl Default for IpAddr2 {
    fn default() -> IpAddr2 {
        IpAddr2 { text: String::new(), addr: IpAddr::from([0u8, 0, 0, 0]) }
    }
}

impl IpAddr2 {
    fn new(addr: IpAddr) -> IpAddr2 {
        IpAddr2 { text: addr.to_string(), addr }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DhcpHost {
    pub mac: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<IpAddr2>,
    pub lease: Option<Lease>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpDef {
    pub family: Option<String>,
    pub address: Option<IpAddr2>,
    pub netmask: Option<IpAddr2>,
    pub prefix: Option<u32>,
    pub local_ptr: Option<bool>,
    pub tftp_root: Option<String>,
    pub ranges: Vec<DhcpRange>,
    pub hosts: Vec<DhcpHost>,
    pub bootp: Option<(String, Option<String>)>,
    /// Whether a `<dhcp>` element was present.
    pub dhcp: bool,
}

impl IpDef {
    /// The prefix in force: explicit, from the netmask, or classful.
    pub fn effective_prefix(&self) -> u32 {
        if let Some(p) = self.prefix {
            return p;
        }
        if let Some(m) = &self.netmask {
            return netmask_prefix(&m.addr).unwrap_or(0);
        }
        match self.address.as_ref().map(|a| a.addr) {
            Some(IpAddr::V4(a)) => match a.octets()[0] {
                0..=127 => 8,
                128..=191 => 16,
                192..=223 => 24,
                _ => 0,
            },
            Some(IpAddr::V6(_)) => 64,
            None => 0,
        }
    }

    fn is_v6(&self) -> bool {
        matches!(self.address.as_ref().map(|a| a.addr), Some(IpAddr::V6(_)))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Route {
    pub family: Option<String>,
    pub address: String,
    pub netmask: Option<String>,
    pub prefix: Option<u32>,
    pub gateway: IpAddr2,
    pub metric: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PortGroup {
    pub name: String,
    pub default: bool,
    pub trust_guest_rx_filters: Option<bool>,
    pub virtualport: Option<VirtualPort>,
    pub vlan: Option<Vlan>,
    pub bandwidth: Option<Bandwidth>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NetworkDef {
    pub name: String,
    pub uuid: Uuid,
    pub ipv6: Option<bool>,
    pub trust_guest_rx_filters: Option<bool>,
    pub metadata: Option<String>,
    pub forward: Option<Forward>,
    pub bridge: Bridge,
    pub mtu: u32,
    pub mac: Option<[u8; 6]>,
    pub domain: Option<DnsDomain>,
    pub dns: Dns,
    pub vlan: Option<Vlan>,
    pub bandwidth: Option<Bandwidth>,
    pub port_isolated: Option<bool>,
    pub ips: Vec<IpDef>,
    pub routes: Vec<Route>,
    pub virtualport: Option<VirtualPort>,
    pub portgroups: Vec<PortGroup>,
}

fn xml_err(msg: impl AsRef<str>) -> Error {
    xml_error(FROM, msg)
}

fn parse_u32(v: &str) -> Option<u32> {
    v.trim().parse().ok()
}

/// Checks a name as libvirt does for networks (no '/').
pub fn check_name(name: &str) -> Result<()> {
    if name.contains('/') {
        return Err(Error::with_detail(VIR_FROM_XML, VIR_ERR_XML_DETAIL, "invalid char in name: /"));
    }
    Ok(())
}

impl NetworkDef {
    /// Parses a `<network>` document (doc name `network_definition`).
    pub fn parse(xml: &str) -> Result<NetworkDef> {
        let doc = parse_root(xml, "network_definition", "network")?;
        NetworkDef::from_node(doc.root_element())
    }

    pub fn from_node(root: Node) -> Result<NetworkDef> {
        let name = child(root, "name")
            .and_then(|n| n.text())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::new(FROM, VIR_ERR_NO_NAME, None))?
            .to_string();
        check_name(&name)?;
        let uuid = match child_text(root, "uuid") {
            Some(u) => uuid::parse(u).ok_or_else(|| Error::internal("malformed uuid element").from_domain(FROM))?,
            None => uuid::generate(),
        };
        let ipv6 = match root.attribute("ipv6") {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(v) => return Err(xml_err(format!("Invalid ipv6 setting '{v}' in network '{name}'"))),
        };
        let trust_guest_rx_filters = yes_no(root, "trustGuestRxFilters")?;
        // libvirt keeps only the namespaced elements of the metadata
        let metadata = child(root, "metadata").map(|m| {
            m.children().filter(|c| c.is_element() && c.tag_name().namespace().is_some()).map(dump_element).collect()
        });
        let bridge = parse_bridge(root, &name)?;
        let mtu = match child(root, "mtu").and_then(|m| m.attribute("size")) {
            Some(s) => parse_u32(s).ok_or_else(|| xml_err(format!("Invalid mtu size '{s}' in network '{name}'")))?,
            None => 0,
        };
        let mac = match child(root, "mac").and_then(|m| m.attribute("address")) {
            Some(s) => {
                let m = parse_mac(s)
                    .ok_or_else(|| xml_err(format!("Invalid bridge mac address '{s}' in network '{name}'")))?;
                if m[0] & 1 != 0 {
                    return Err(xml_err(format!("Invalid multicast bridge mac address '{s}' in network '{name}'")));
                }
                Some(m)
            }
            None => None,
        };
        let domain = child(root, "domain")
            .map(|d| {
                Ok::<_, Error>(DnsDomain {
                    name: d.attribute("name").map(str::to_string),
                    local_only: yes_no(d, "localOnly")?,
                })
            })
            .transpose()?
            .filter(|d| d.name.is_some());
        let dns = match child(root, "dns") {
            Some(d) => parse_dns(d, &name)?,
            None => Dns::default(),
        };
        let vlan = child(root, "vlan").map(Vlan::parse).transpose()?.flatten();
        let bandwidth = child(root, "bandwidth").map(|b| Bandwidth::parse(b, false)).transpose()?.flatten();
        let port_isolated = child(root, "port").map(|p| yes_no(p, "isolated")).transpose()?.flatten();
        let ips = root
            .children()
            .filter(|c| c.has_tag_name("ip"))
            .map(|n| parse_ip_def(n, &name))
            .collect::<Result<Vec<_>>>()?;
        let routes = root
            .children()
            .filter(|c| c.has_tag_name("route"))
            .map(|n| parse_route(n, &name, &ips))
            .collect::<Result<Vec<_>>>()?;
        let virtualport = child(root, "virtualport").map(VirtualPort::parse).transpose()?;
        let portgroups =
            root.children().filter(|c| c.has_tag_name("portgroup")).map(parse_portgroup).collect::<Result<Vec<_>>>()?;
        let forward = child(root, "forward").map(|f| parse_forward(f, &name)).transpose()?;
        if let Some(f) = &forward {
            check_mode_settings(f, &bridge, mtu, &name)?;
        }
        if let Some(f) = &forward {
            if matches!(f.mode, ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open) && ips.is_empty() {
                return Err(xml_err(format!(
                    "{} forwarding requested, but no IP address provided for network '{name}'",
                    f.mode.name()
                )));
            }
        }
        Ok(NetworkDef {
            name,
            uuid,
            ipv6,
            trust_guest_rx_filters,
            metadata,
            forward,
            bridge,
            mtu,
            mac,
            domain,
            dns,
            vlan,
            bandwidth,
            port_isolated,
            ips,
            routes,
            virtualport,
            portgroups,
        })
    }

    pub fn forward_mode(&self) -> ForwardMode {
        self.forward.as_ref().map(|f| f.mode).unwrap_or(ForwardMode::None)
    }

    /// The document as libvirt formats it.
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        let ipv6 = (self.ipv6 == Some(true)).then_some("yes");
        let trust = self.trust_guest_rx_filters.map(yes_no_str);
        w.open("network", &[("ipv6", ipv6), ("trustGuestRxFilters", trust)]);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &uuid::format(&self.uuid));
        if self.metadata.as_deref() == Some("") {
            w.empty("metadata", &[]);
        } else if let Some(m) = &self.metadata {
            w.open("metadata", &[]);
            w.raw_lines(m);
            w.close("metadata");
        }
        if let Some(f) = self.forward.as_ref().filter(|f| f.mode != ForwardMode::None) {
            format_forward(f, &mut w);
        }
        self.format_bridge(&mut w);
        if self.mtu > 0 {
            w.empty("mtu", &[("size", Some(&self.mtu.to_string()))]);
        }
        if let Some(m) = &self.mac {
            w.empty("mac", &[("address", Some(&format_mac(m)))]);
        }
        if let Some(d) = &self.domain {
            w.empty("domain", &[("name", d.name.as_deref()), ("localOnly", d.local_only.map(yes_no_str))]);
        }
        format_dns(&self.dns, &mut w);
        if let Some(v) = &self.vlan {
            v.format(&mut w);
        }
        if let Some(b) = &self.bandwidth {
            b.format(&mut w);
        }
        if let Some(p) = self.port_isolated {
            w.empty("port", &[("isolated", Some(yes_no_str(p)))]);
        }
        for ip in &self.ips {
            format_ip(ip, &mut w);
        }
        for r in &self.routes {
            format_route(r, &mut w);
        }
        if let Some(v) = &self.virtualport {
            v.format(&mut w);
        }
        for pg in &self.portgroups {
            format_portgroup(pg, &mut w);
        }
        w.close("network");
        w.finish()
    }

    fn format_bridge(&self, w: &mut XmlWriter) {
        let b = &self.bridge;
        let delay = b.delay.unwrap_or(0).to_string();
        if self.forward_mode().has_own_bridge() {
            w.empty(
                "bridge",
                &[
                    ("name", b.name.as_deref()),
                    ("zone", b.zone.as_deref()),
                    ("stp", Some(if b.stp == Some(false) { "off" } else { "on" })),
                    ("delay", Some(&delay)),
                    ("macTableManager", b.mac_table_manager.as_deref()),
                ],
            );
        } else if b.name.is_some() || b.zone.is_some() || b.mac_table_manager.is_some() {
            w.empty(
                "bridge",
                &[
                    ("name", b.name.as_deref()),
                    ("zone", b.zone.as_deref()),
                    ("macTableManager", b.mac_table_manager.as_deref()),
                ],
            );
        }
    }

    /// The bridge device name, if the definition has one.
    pub fn bridge_name(&self) -> Option<&str> {
        self.bridge.name.as_deref()
    }
}

fn parse_bridge(root: Node, net: &str) -> Result<Bridge> {
    let mut b = Bridge::default();
    let Some(n) = child(root, "bridge") else {
        return Ok(b);
    };
    b.name = n.attribute("name").map(str::to_string);
    b.zone = n.attribute("zone").map(str::to_string);
    b.stp = n.attribute("stp").map(|s| s != "off");
    if let Some(d) = n.attribute("delay") {
        b.delay = Some(d.trim().parse().map_err(|_| xml_err(format!("Invalid delay value in network '{net}'")))?);
    }
    if let Some(m) = n.attribute("macTableManager") {
        if !["kernel", "libvirt"].contains(&m) {
            return Err(xml_err(format!("Invalid macTableManager setting '{m}' in network '{net}'")));
        }
        b.mac_table_manager = Some(m.to_string());
    }
    Ok(b)
}

/// Refuses the bridge and MTU settings a forward mode without a bridge of
/// libvirt's own cannot have.
fn check_mode_settings(f: &Forward, b: &Bridge, mtu: u32, net: &str) -> Result<()> {
    if f.mode.has_own_bridge() {
        return Ok(());
    }
    let mode = f.mode.name();
    if f.mode != ForwardMode::Bridge {
        for (given, what) in [
            (b.name.is_some(), "bridge name"),
            (b.mac_table_manager.is_some(), "bridge macTableManager setting"),
            (b.zone.is_some(), "bridge zone"),
        ] {
            if given {
                return Err(xml_err(format!("{what} not allowed in {mode} mode (network '{net}')")));
            }
        }
    }
    if b.stp.is_some() || b.delay.is_some() || b.zone.is_some() {
        return Err(xml_err(format!(
            "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in {mode} (network '{net}')"
        )));
    }
    if f.mode == ForwardMode::Bridge && b.name.is_some() && !f.ifs.is_empty() {
        return Err(xml_err(format!(
            "A network with forward mode='bridge' can specify a bridge name or a forward dev, but not both (network '{net}')"
        )));
    }
    if mtu > 0 {
        return Err(xml_err(format!(
            "mtu size only allowed in open, route, nat, and isolated mode, not in {mode} (network '{net}')"
        )));
    }
    Ok(())
}

fn parse_forward(n: Node, net: &str) -> Result<Forward> {
    let mode = match n.attribute("mode").filter(|m| !m.is_empty()) {
        None => ForwardMode::Nat,
        Some(m) => FORWARD_MODES
            .iter()
            .find(|(_, name)| *name == m)
            .map(|(mode, _)| *mode)
            .ok_or_else(|| unsupported(FROM, format!("unknown forwarding type '{m}'")))?,
    };
    let managed = n.attribute("managed") == Some("yes");
    let driver = child(n, "driver").and_then(|d| d.attribute("name")).map(str::to_string);
    if let Some(d) = driver.as_deref().filter(|d| !["default", "kvm", "vfio", "xen"].contains(d)) {
        return Err(unsupported(FROM, format!("Unknown forward <driver name='{d}'/> in network {net}")));
    }
    let mut ifs = Vec::new();
    for i in n.children().filter(|c| c.has_tag_name("interface")) {
        let dev = i.attribute("dev").ok_or_else(|| {
            xml_err(format!("Missing required dev attribute in <forward> <interface> element of network {net}"))
        })?;
        ifs.push(dev.to_string());
    }
    if let Some(dev) = n.attribute("dev").filter(|d| !d.is_empty()) {
        match ifs.first() {
            None => ifs.push(dev.to_string()),
            Some(first) if first != dev => {
                return Err(xml_err(format!(
                    "<forward dev='{dev}'> must match first <interface dev='{first}'/> in network {net}"
                )))
            }
            _ => {}
        }
    }
    if mode.has_own_bridge() && ifs.len() > 1 {
        return Err(xml_err(format!(
            "multiple forwarding interfaces specified for network '{net}', only one is supported"
        )));
    }
    let pfs: Vec<String> =
        n.children().filter(|c| c.has_tag_name("pf")).filter_map(|c| c.attribute("dev").map(str::to_string)).collect();
    if pfs.len() > 1 {
        return Err(xml_err(format!("Only one <pf> element is allowed in <forward> of network {net}")));
    }
    let mut addrs = Vec::new();
    for a in n.children().filter(|c| c.has_tag_name("address")) {
        match a.attribute("type") {
            Some("pci") | None => addrs.push(pci_address(a)),
            Some(t) => return Err(unsupported(FROM, format!("unknown address type '{t}' in network {net}"))),
        }
    }
    if child(n, "nat").is_some() && mode != ForwardMode::Nat {
        return Err(xml_err(format!(
            "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {net}"
        )));
    }
    let nat = child(n, "nat")
        .map(|nat| {
            let addr = child(nat, "address")
                .map(|a| {
                    let get = |k: &str| {
                        a.attribute(k).map(str::to_string).ok_or_else(|| {
                            xml_err(format!(
                                "missing '{k}' attribute in <address> element in <nat> in <forward> in network {net}"
                            ))
                        })
                    };
                    let (start, end) = (get("start")?, get("end")?);
                    let v4 = |k: &str, v: &str| {
                        v.parse::<std::net::Ipv4Addr>().map_err(|_| {
                            xml_err(format!("Bad ipv4 {k} address '{v}' in <nat> in <forward> in network '{net}'"))
                        })
                    };
                    if v4("start", &start)? > v4("end", &end)? {
                        return Err(Error::internal(format!("range {start} - {end} is reversed ")));
                    }
                    Ok::<_, Error>((start, end))
                })
                .transpose()?;
            let port = match child(nat, "port") {
                Some(p) => {
                    let g = |k: &str| {
                        p.attribute(k).and_then(parse_u32).ok_or_else(|| {
                            detail(format!(
                                "Missing or invalid '{k}' attribute in <port> in <nat> in <forward> in network {net}"
                            ))
                        })
                    };
                    Some((g("start")?, g("end")?)).filter(|p| *p != (0, 0))
                }
                None => None,
            };
            Ok::<_, Error>(Nat { ipv6: yes_no(nat, "ipv6")?, addr, port })
        })
        .transpose()?;
    Ok(Forward { mode, managed, driver, nat, pfs, ifs, addrs })
}

/// A `<address type='pci'>` with its numbers in libvirt's spelling.
fn pci_address(a: Node) -> Vec<(String, String)> {
    let num = |k: &str| {
        a.attribute(k).and_then(|v| match v.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => v.parse().ok(),
        })
    };
    let mut out = vec![("type".to_string(), a.attribute("type").unwrap_or("pci").to_string())];
    for (k, width) in [("domain", 4), ("bus", 2), ("slot", 2), ("function", 1)] {
        if let Some(v) = num(k) {
            out.push((k.to_string(), format!("0x{v:0width$x}")));
        }
    }
    out
}

fn format_forward(f: &Forward, w: &mut XmlWriter) {
    let managed = (f.mode == ForwardMode::Hostdev).then_some(if f.managed { "yes" } else { "no" });
    let head = [("dev", f.ifs.first().map(String::as_str)), ("mode", Some(f.mode.name())), ("managed", managed)];
    let nat = f.nat.as_ref().filter(|n| n.ipv6.is_some() || n.addr.is_some() || n.port.is_some());
    let pfs: &[String] = if f.ifs.is_empty() && f.addrs.is_empty() { &f.pfs } else { &[] };
    if f.driver.is_none() && nat.is_none() && pfs.is_empty() && f.ifs.is_empty() && f.addrs.is_empty() {
        w.empty("forward", &head);
        return;
    }
    w.open("forward", &head);
    if let Some(d) = &f.driver {
        w.empty("driver", &[("name", Some(d))]);
    }
    if let Some(n) = nat {
        let attrs = [("ipv6", n.ipv6.map(yes_no_str))];
        if n.addr.is_none() && n.port.is_none() {
            w.empty("nat", &attrs);
        } else {
            w.open("nat", &attrs);
            if let Some((s, e)) = &n.addr {
                w.empty("address", &[("start", Some(s)), ("end", Some(e))]);
            }
            if let Some((s, e)) = n.port {
                w.empty("port", &[("start", Some(&s.to_string())), ("end", Some(&e.to_string()))]);
            }
            w.close("nat");
        }
    }
    for pf in pfs {
        w.empty("pf", &[("dev", Some(pf))]);
    }
    for i in &f.ifs {
        w.empty("interface", &[("dev", Some(i))]);
    }
    let addrs: &[Vec<(String, String)>] = if f.ifs.is_empty() { &f.addrs } else { &[] };
    for a in addrs {
        let attrs: Vec<(&str, Option<&str>)> = a.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).collect();
        w.empty("address", &attrs);
    }
    w.close("forward");
}

fn parse_dns(n: Node, net: &str) -> Result<Dns> {
    let mut dns = Dns {
        enable: yes_no(n, "enable")?,
        forward_plain_names: yes_no(n, "forwardPlainNames")?,
        ..Default::default()
    };
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "forwarder" => {
                let (domain, addr) = (c.attribute("domain"), c.attribute("addr"));
                if domain.is_none() && addr.is_none() {
                    return Err(xml_err("Invalid forwarder element, must contain at least one of addr or domain"));
                }
                dns.forwarders.push((domain.map(str::to_string), addr.map(str::to_string)));
            }
            "txt" => dns.txts.push(parse_txt(c, net, false)?),
            "srv" => dns.srvs.push(parse_srv(c, net)?),
            "host" => dns.hosts.push(parse_dns_host(c, net)?),
            _ => {}
        }
    }
    if dns.enable == Some(false) && dns.has_records() {
        return Err(xml_err(format!("Extra data in disabled network '{net}'")));
    }
    Ok(dns)
}

fn detail(msg: String) -> Error {
    Error::with_detail(FROM, VIR_ERR_XML_DETAIL, msg)
}

/// A TXT record; `partial` (deletion) lets the value be left out.
pub fn parse_txt(c: Node, net: &str, partial: bool) -> Result<(String, String)> {
    let name = c
        .attribute("name")
        .ok_or_else(|| detail(format!("missing required name attribute in DNS TXT record of network {net}")))?;
    if name.contains(' ') {
        return Err(detail(format!("prohibited character in DNS TXT record name '{name}' of network {net}")));
    }
    if partial && c.attribute("value").is_none() {
        return Ok((name.to_string(), String::new()));
    }
    let value = c.attribute("value").ok_or_else(|| {
        detail(format!("missing required value attribute in DNS TXT record named '{name}' of network {net}"))
    })?;
    Ok((name.to_string(), value.to_string()))
}

pub fn parse_srv(c: Node, net: &str) -> Result<DnsSrv> {
    let num = |k: &str| -> Result<Option<u32>> {
        match c.attribute(k) {
            None => Ok(None),
            Some(v) => parse_u32(v)
                .map(Some)
                .ok_or_else(|| detail(format!("invalid DNS SRV {k} value for DNS SRV record in network {net}"))),
        }
    };
    let service = c.attribute("service").map(str::to_string);
    let protocol = c.attribute("protocol").map(str::to_string);
    let Some(svc) = &service else {
        return Err(detail(format!("missing required service attribute in DNS SRV record of network '{net}'")));
    };
    if protocol.is_none() {
        return Err(detail(format!(
            "missing required protocol attribute in DNS SRV record '{svc}' of network '{net}'"
        )));
    }
    let target = c.attribute("target").map(str::to_string);
    if target.is_none() {
        for k in ["port", "priority", "weight"] {
            if c.attribute(k).is_some() {
                return Err(detail(format!(
                    "DNS SRV {k} attribute not permitted without target for service '{}' in network '{net}'",
                    service.as_deref().unwrap_or_default()
                )));
            }
        }
    }
    Ok(DnsSrv {
        service,
        protocol,
        domain: c.attribute("domain").map(str::to_string),
        target,
        port: num("port")?,
        priority: num("priority")?,
        weight: num("weight")?,
    })
}

pub fn parse_dns_host(c: Node, net: &str) -> Result<DnsHost> {
    let ip =
        c.attribute("ip").ok_or_else(|| detail(format!("Missing IP address in network '{net}' DNS HOST record")))?;
    if parse_ip(ip).is_none() {
        return Err(detail(format!("Invalid IP address in network '{net}' DNS HOST record")));
    }
    let hostnames: Vec<String> = c
        .children()
        .filter(|h| h.has_tag_name("hostname"))
        .filter_map(|h| h.text().map(|t| t.trim().to_string()))
        .filter(|t| !t.is_empty())
        .collect();
    if hostnames.is_empty() {
        return Err(detail(format!("Missing hostname in network '{net}' DNS HOST record")));
    }
    Ok(DnsHost { ip: ip.to_string(), hostnames })
}

fn format_dns(d: &Dns, w: &mut XmlWriter) {
    let attrs = [("enable", d.enable.map(yes_no_str)), ("forwardPlainNames", d.forward_plain_names.map(yes_no_str))];
    if !d.has_records() {
        if d.enable.is_some() || d.forward_plain_names.is_some() {
            w.empty("dns", &attrs);
        }
        return;
    }
    w.open("dns", &attrs);
    for (domain, addr) in &d.forwarders {
        w.empty("forwarder", &[("domain", domain.as_deref()), ("addr", addr.as_deref())]);
    }
    for (name, value) in &d.txts {
        w.empty("txt", &[("name", Some(name)), ("value", Some(value))]);
    }
    for s in &d.srvs {
        format_srv(s, w);
    }
    for h in &d.hosts {
        format_dns_host(h, w);
    }
    w.close("dns");
}

fn format_srv(s: &DnsSrv, w: &mut XmlWriter) {
    let n = |v: Option<u32>| v.map(|v| v.to_string());
    let (port, prio, weight) = (n(s.port), n(s.priority), n(s.weight));
    w.empty(
        "srv",
        &[
            ("service", s.service.as_deref()),
            ("protocol", s.protocol.as_deref()),
            ("domain", s.domain.as_deref()),
            ("target", s.target.as_deref()),
            ("port", port.as_deref()),
            ("priority", prio.as_deref()),
            ("weight", weight.as_deref()),
        ],
    );
}

fn format_dns_host(h: &DnsHost, w: &mut XmlWriter) {
    w.open("host", &[("ip", Some(&h.ip))]);
    for n in &h.hostnames {
        w.text("hostname", &[], n);
    }
    w.close("host");
}

fn parse_addr(text: &str, net: &str) -> Result<IpAddr2> {
    parse_ip(text)
        .map(|addr| IpAddr2 { text: addr.to_string(), addr })
        .ok_or_else(|| xml_err(format!("Invalid address '{text}' in network '{net}'")))
}

fn parse_ip_def(n: Node, net: &str) -> Result<IpDef> {
    let family = n.attribute("family").map(str::to_string);
    let address = Some(parse_addr(
        n.attribute("address")
            .ok_or_else(|| xml_err(format!("Missing required address attribute in network '{net}'")))?,
        net,
    )?);
    let netmask = match n.attribute("netmask") {
        Some(m) => Some(
            parse_ip(m)
                .map(IpAddr2::new)
                .ok_or_else(|| xml_err(format!("Invalid netmask '{m}' in network '{net}'")))?,
        ),
        None => None,
    };
    let prefix = match n.attribute("prefix") {
        Some(p) => Some(parse_u32(p).ok_or_else(|| nonneg_attr("prefix", "ip", p))?),
        None => None,
    };
    let local_ptr = yes_no(n, "localPtr")?;
    if netmask.is_some() && prefix.is_some() {
        return Err(unsupported(FROM, format!("Network '{net}' IP address cannot have both a prefix and a netmask")));
    }
    let mut ip = IpDef { family, address, netmask, prefix, local_ptr, ..Default::default() };
    let addr_text = ip.address.as_ref().map(|a| a.text.clone()).unwrap_or_default();
    match ip.family.as_deref() {
        None | Some("ipv4") => {
            if ip.is_v6() {
                let msg = match ip.family {
                    None => format!("no family specified for non-IPv4 address '{addr_text}' in network '{net}'"),
                    Some(_) => format!("Family 'ipv4' specified for non-IPv4 address '{addr_text}' in network '{net}'"),
                };
                return Err(unsupported(FROM, msg));
            }
            if let Some(p) = ip.prefix.filter(|p| *p > 32) {
                return Err(unsupported(FROM, format!("Invalid IPv4 prefix '{p}' in network '{net}'")));
            }
        }
        Some("ipv6") => {
            if ip.address.is_some() && !ip.is_v6() {
                return Err(unsupported(
                    FROM,
                    format!("Family 'ipv6' specified for non-IPv6 address '{addr_text}' in network '{net}'"),
                ));
            }
            if ip.netmask.is_some() {
                return Err(unsupported(
                    FROM,
                    format!("netmask not allowed for IPv6 address '{addr_text}' in network '{net}'"),
                ));
            }
            if let Some(p) = ip.prefix.filter(|p| *p > 128) {
                return Err(unsupported(FROM, format!("Invalid IPv6 prefix '{p}' in network '{net}'")));
            }
        }
        Some(f) => return Err(xml_err(format!("Unrecognized family '{f}' in network '{net}'"))),
    }
    if let Some(t) = child(n, "tftp") {
        if ip.is_v6() {
            return Err(unsupported(FROM, format!("Unsupported <tftp> element in an IPv6 element in network '{net}'")));
        }
        ip.tftp_root = t.attribute("root").map(str::to_string);
    }
    if let Some(d) = child(n, "dhcp") {
        ip.dhcp = true;
        parse_dhcp(d, &mut ip, net)?;
    }
    Ok(ip)
}

fn parse_lease(n: Node) -> Result<Option<Lease>> {
    let Some(l) = child(n, "lease") else {
        return Ok(None);
    };
    let expiry = match l.attribute("expiry") {
        Some(e) => e.trim().parse::<u64>().map_err(|_| nonneg_attr("expiry", "lease", e))?,
        None => return Ok(None),
    };
    let unit = match l.attribute("unit") {
        None => None,
        Some(u) if ["seconds", "minutes", "hours"].contains(&u) => Some(u.to_string()),
        Some(u) => return Err(invalid_attr("unit", "lease", u)),
    };
    let secs = match unit.as_deref() {
        Some("seconds") => expiry,
        Some("hours") => expiry.saturating_mul(3600),
        _ => expiry.saturating_mul(60),
    };
    if expiry > 0 && secs < 120 {
        return Err(unsupported(FROM, "The minimum lease time should be greater than 2 minutes"));
    }
    Ok(Some(Lease { expiry, unit }))
}

fn parse_dhcp(d: Node, ip: &mut IpDef, net: &str) -> Result<()> {
    for c in d.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "range" => {
                let r = parse_range(c, ip, net)?;
                ip.ranges.push(r);
            }
            "host" => {
                let h = parse_dhcp_host(c, ip, net, false)?;
                ip.hosts.push(h);
            }
            "bootp" if !ip.is_v6() => {
                if let Some(file) = c.attribute("file") {
                    ip.bootp = Some((file.to_string(), c.attribute("server").map(str::to_string)));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn parse_range(c: Node, ip: &IpDef, net: &str) -> Result<DhcpRange> {
    let get = |k: &str| -> Result<IpAddr2> {
        let v = c
            .attribute(k)
            .ok_or_else(|| xml_err(format!("Missing '{k}' attribute in dhcp range for network '{net}'")))?;
        parse_ip(v)
            .map(IpAddr2::new)
            .ok_or_else(|| xml_err(format!("Invalid dhcp range '{k}' address '{v}' in network '{net}'")))
    };
    let (start, end) = (get("start")?, get("end")?);
    let lease = parse_lease(c)?;
    if let Some(addr) = &ip.address {
        if start.addr.is_ipv6() != addr.addr.is_ipv6() || end.addr.is_ipv6() != addr.addr.is_ipv6() {
            return Err(Error::internal(format!(
                "mismatch of address family in range {} - {} for network {}",
                start.text, end.text, addr.text
            )));
        }
        let prefix = ip.effective_prefix();
        if !same_network(&start.addr, &addr.addr, prefix) || !same_network(&end.addr, &addr.addr, prefix) {
            return Err(Error::internal(format!(
                "range {} - {} is not entirely within network {}/{}",
                start.text, end.text, addr.text, prefix
            )));
        }
        let key = |a: &IpAddr| match a {
            IpAddr::V4(x) => u32::from(*x) as u128,
            IpAddr::V6(x) => u128::from(*x),
        };
        if key(&start.addr) > key(&end.addr) {
            return Err(Error::internal(format!("range {} - {} is reversed ", start.text, end.text)));
        }
    }
    Ok(DhcpRange { start, end, lease })
}

pub fn parse_dhcp_host(c: Node, ip: &IpDef, net: &str, partial: bool) -> Result<DhcpHost> {
    let v6 = ip.is_v6();
    if let (true, Some(m)) = (v6, c.attribute("mac")) {
        return Err(xml_err(format!(
            "Invalid to specify MAC address '{m}' in network '{net}' IPv6 static host definition"
        )));
    }
    let mac = match c.attribute("mac") {
        Some(m) if !v6 => {
            parse_mac(m).ok_or_else(|| xml_err(format!("Cannot parse MAC address '{m}' in network '{net}'")))?;
            Some(m.to_string())
        }
        _ => None,
    };
    let id = c.attribute("id").filter(|_| v6).map(str::to_string);
    let name = c.attribute("name").map(str::to_string);
    let ipaddr = match c.attribute("ip") {
        Some(a) => Some(
            parse_ip(a)
                .map(IpAddr2::new)
                .ok_or_else(|| xml_err(format!("Invalid IP address in static host definition for network '{net}'")))?,
        ),
        None => None,
    };
    let lease = parse_lease(c)?;
    if !partial {
        if !v6 && mac.is_none() && name.is_none() {
            return Err(xml_err(format!(
                "Static host definition in IPv4 network '{net}' must have mac or name attribute"
            )));
        }
        if v6 && id.is_none() && name.is_none() {
            return Err(xml_err(format!(
                "Static host definition in IPv6 network '{net}' must have id or name attribute"
            )));
        }
        if ipaddr.is_none() {
            return Err(xml_err(format!("Missing IP address in static host definition for network '{net}'")));
        }
    }
    Ok(DhcpHost { mac, id, name, ip: ipaddr, lease })
}

fn format_lease(l: &Option<Lease>, w: &mut XmlWriter) {
    if let Some(l) = l {
        let unit = (l.expiry > 0).then(|| l.unit.as_deref().unwrap_or("minutes"));
        w.empty("lease", &[("expiry", Some(&l.expiry.to_string())), ("unit", unit)]);
    }
}

pub fn format_range(r: &DhcpRange, w: &mut XmlWriter) {
    let attrs = [("start", Some(r.start.text.as_str())), ("end", Some(r.end.text.as_str()))];
    if r.lease.is_none() {
        w.empty("range", &attrs);
    } else {
        w.open("range", &attrs);
        format_lease(&r.lease, w);
        w.close("range");
    }
}

pub fn format_dhcp_host(h: &DhcpHost, w: &mut XmlWriter) {
    let attrs = [
        ("mac", h.mac.as_deref()),
        ("id", h.id.as_deref()),
        ("name", h.name.as_deref()),
        ("ip", h.ip.as_ref().map(|i| i.text.as_str())),
    ];
    if h.lease.is_none() {
        w.empty("host", &attrs);
    } else {
        w.open("host", &attrs);
        format_lease(&h.lease, w);
        w.close("host");
    }
}

fn format_ip(ip: &IpDef, w: &mut XmlWriter) {
    let prefix = ip.prefix.map(|p| p.to_string());
    w.open(
        "ip",
        &[
            ("family", ip.family.as_deref()),
            ("address", ip.address.as_ref().map(|a| a.text.as_str())),
            ("netmask", ip.netmask.as_ref().map(|a| a.text.as_str())),
            ("prefix", prefix.as_deref()),
            ("localPtr", ip.local_ptr.map(yes_no_str)),
        ],
    );
    if let Some(root) = &ip.tftp_root {
        w.empty("tftp", &[("root", Some(root))]);
    }
    if !ip.ranges.is_empty() || !ip.hosts.is_empty() || ip.bootp.is_some() {
        w.open("dhcp", &[]);
        for r in &ip.ranges {
            format_range(r, w);
        }
        for h in &ip.hosts {
            format_dhcp_host(h, w);
        }
        if let Some((file, server)) = &ip.bootp {
            w.empty("bootp", &[("file", Some(file)), ("server", server.as_deref())]);
        }
        w.close("dhcp");
    }
    w.close("ip");
}

fn parse_route(n: Node, net: &str, ips: &[IpDef]) -> Result<Route> {
    let address = n.attribute("address").unwrap_or_default();
    if parse_ip(address).is_none() {
        return Err(xml_err(format!("{net}: Bad network address '{address}' in route definition")));
    }
    let gw_text = n
        .attribute("gateway")
        .ok_or_else(|| xml_err(format!("{net}: Missing required gateway attribute in route definition")))?;
    let gateway = parse_ip(gw_text)
        .map(IpAddr2::new)
        .ok_or_else(|| xml_err(format!("{net}: Bad gateway address '{gw_text}' in route definition")))?;
    let reachable = ips
        .iter()
        .any(|ip| ip.address.as_ref().is_some_and(|a| same_network(&a.addr, &gateway.addr, ip.effective_prefix())));
    if !reachable {
        return Err(unsupported(
            FROM,
            format!("unreachable static route gateway '{}' specified for network '{net}'", gateway.text),
        ));
    }
    Ok(Route {
        family: n.attribute("family").map(str::to_string),
        address: address.to_string(),
        netmask: n.attribute("netmask").map(str::to_string),
        prefix: n.attribute("prefix").and_then(parse_u32),
        gateway,
        metric: n.attribute("metric").and_then(parse_u32),
    })
}

fn format_route(r: &Route, w: &mut XmlWriter) {
    let prefix = r.prefix.map(|p| p.to_string());
    let metric = r.metric.map(|p| p.to_string());
    w.empty(
        "route",
        &[
            ("family", r.family.as_deref()),
            ("address", Some(&r.address)),
            ("netmask", r.netmask.as_deref()),
            ("prefix", prefix.as_deref()),
            ("gateway", Some(&r.gateway.text)),
            ("metric", metric.as_deref()),
        ],
    );
}

pub fn parse_portgroup(n: Node) -> Result<PortGroup> {
    let name = n.attribute("name").ok_or_else(|| xml_err("Missing required name attribute in portgroup"))?;
    Ok(PortGroup {
        name: name.to_string(),
        default: n.attribute("default") == Some("yes"),
        trust_guest_rx_filters: yes_no(n, "trustGuestRxFilters")?,
        virtualport: child(n, "virtualport").map(VirtualPort::parse).transpose()?,
        vlan: child(n, "vlan").map(Vlan::parse).transpose()?.flatten(),
        bandwidth: child(n, "bandwidth").map(|b| Bandwidth::parse(b, false)).transpose()?.flatten(),
    })
}

pub fn format_portgroup(pg: &PortGroup, w: &mut XmlWriter) {
    w.open(
        "portgroup",
        &[
            ("name", Some(&pg.name)),
            ("default", pg.default.then_some("yes")),
            ("trustGuestRxFilters", pg.trust_guest_rx_filters.map(yes_no_str)),
        ],
    );
    if let Some(v) = &pg.vlan {
        v.format(w);
    }
    if let Some(v) = &pg.virtualport {
        v.format(w);
    }
    if let Some(b) = &pg.bandwidth {
        b.format(w);
    }
    w.close("portgroup");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_default_network() {
        let xml = "<network><name>default</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\
            <forward mode='nat'/><bridge name='virbr0' stp='on' delay='0'/>\
            <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>\
            <range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>";
        let d = NetworkDef::parse(xml).unwrap();
        assert_eq!(
            d.format(),
            "<network>\n  <name>default</name>\n  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n  \
             <forward mode='nat'/>\n  <bridge name='virbr0' stp='on' delay='0'/>\n  \
             <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n      \
             <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>\n  </ip>\n</network>\n"
        );
    }

    #[test]
    fn rejects_what_libvirt_rejects() {
        let e = NetworkDef::parse("<network/>").unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (VIR_ERR_NO_NAME, "missing name information"));
        let e = NetworkDef::parse("<network><name>x</name><forward mode='nat'/></network>").unwrap_err();
        assert_eq!(e.message, "XML error: nat forwarding requested, but no IP address provided for network 'x'");
    }
}
