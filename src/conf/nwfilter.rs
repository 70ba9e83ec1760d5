//! The network filter document (`<filter>`): chain, priority, rules with
//! one protocol element each, and references to other filters. Each
//! protocol has a fixed list of attributes (written in that order); their
//! values are rewritten as described in [`crate::conf::nwfilter_values`].

use crate::conf::nwfilter_values::{canonical, priority, Kind};
use crate::conf::storage_common::{attr, xpath_string};
use crate::conf::xml::{self, XmlWriter};
use crate::core::error::{Error, Result};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use roxmltree::Node;
use Kind::*;

type Attr = (&'static str, Kind);

const L2: &[Attr] = &[("srcmacaddr", Mac), ("srcmacmask", Mac), ("dstmacaddr", Mac), ("dstmacmask", Mac)];
const SRCMAC: &[Attr] = &[("srcmacaddr", Mac)];
const COMMENT: &[Attr] = &[("comment", Text)];
const PORTS: &[Attr] = &[
    ("srcportstart", Num(65535)),
    ("srcportend", Num(65535)),
    ("dstportstart", Num(65535)),
    ("dstportend", Num(65535)),
];
const IP4_P1: &[Attr] = &[("srcipaddr", Ipv4), ("srcipmask", Ipv4Mask), ("dstipaddr", Ipv4), ("dstipmask", Ipv4Mask)];
const IP6_P1: &[Attr] = &[("srcipaddr", Ipv6), ("srcipmask", Ipv6Mask), ("dstipaddr", Ipv6), ("dstipmask", Ipv6Mask)];
const IP4_P2: &[Attr] = &[
    ("srcipfrom", Ipv4),
    ("srcipto", Ipv4),
    ("dstipfrom", Ipv4),
    ("dstipto", Ipv4),
    ("dscp", Num(63)),
    ("connlimit-above", Decimal(65535)),
    ("state", State),
];
const IP6_P2: &[Attr] = &[
    ("srcipfrom", Ipv6),
    ("srcipto", Ipv6),
    ("dstipfrom", Ipv6),
    ("dstipto", Ipv6),
    ("dscp", Num(63)),
    ("connlimit-above", Decimal(65535)),
    ("state", State),
];
const IPSET: &[Attr] = &[("ipset", Text), ("ipsetflags", IpsetFlags)];
const ICMP: &[Attr] = &[("type", Num(255)), ("code", Num(255))];
const TCP: &[Attr] = &[("flags", TcpFlags)];
const STP: &[Attr] = &[
    ("srcmacaddr", Mac),
    ("srcmacmask", Mac),
    ("type", Num(255)),
    ("flags", Num(255)),
    ("root-priority", Num(65535)),
    ("root-priority-hi", Num(65535)),
    ("root-address", Mac),
    ("root-address-mask", Mac),
    ("root-cost", Num(u32::MAX)),
    ("root-cost-hi", Num(u32::MAX)),
    ("sender-priority", Num(65535)),
    ("sender-priority-hi", Num(65535)),
    ("sender-address", Mac),
    ("sender-address-mask", Mac),
    ("port", Num(65535)),
    ("port-hi", Num(65535)),
    ("age", Num(65535)),
    ("age-hi", Num(65535)),
    ("max-age", Num(65535)),
    ("max-age-hi", Num(65535)),
    ("hello-time", Num(65535)),
    ("hello-time-hi", Num(65535)),
    ("forward-delay", Num(65535)),
    ("forward-delay-hi", Num(65535)),
];
const ARP: &[Attr] = &[
    ("hwtype", Num(65535)),
    ("protocoltype", Num(65535)),
    ("opcode", ArpOpcode),
    ("arpsrcmacaddr", Mac),
    ("arpdstmacaddr", Mac),
    ("arpsrcipaddr", Ipv4),
    ("arpsrcipmask", Ipv4Mask),
    ("arpdstipaddr", Ipv4),
    ("arpdstipmask", Ipv4Mask),
    ("gratuitous", Bool),
];
const IP_TAIL: &[Attr] = &[("protocol", IpProto)];
const IP6_ICMP: &[Attr] = &[("type", Num(255)), ("typeend", Num(255)), ("code", Num(255)), ("codeend", Num(255))];

/// The attributes of a protocol element, in output order.
fn protocol_attrs(name: &str) -> Option<Vec<Attr>> {
    let groups: &[&[Attr]] = match name {
        "mac" => &[L2, &[("protocolid", EtherType)], COMMENT],
        "vlan" => &[L2, &[("vlanid", Num(4095)), ("encap-protocol", EtherType)], COMMENT],
        "stp" => &[STP, COMMENT],
        "arp" | "rarp" => &[L2, ARP, COMMENT],
        "ip" => &[L2, IP4_P1, IP_TAIL, PORTS, &[("dscp", Num(63))], COMMENT],
        "ipv6" => &[L2, IP6_P1, IP_TAIL, PORTS, IP6_ICMP, COMMENT],
        "tcp" => &[SRCMAC, IP4_P1, IP4_P2, PORTS, TCP, COMMENT],
        "udp" | "sctp" => &[SRCMAC, IP4_P1, IP4_P2, PORTS, COMMENT],
        "icmp" => &[SRCMAC, IP4_P1, IP4_P2, ICMP, COMMENT],
        "igmp" | "esp" | "ah" | "udplite" => &[SRCMAC, IP4_P1, IP4_P2, COMMENT],
        "all" => &[SRCMAC, IP4_P1, IP4_P2, IPSET, COMMENT],
        "tcp-ipv6" | "udp-ipv6" | "sctp-ipv6" => &[SRCMAC, IP6_P1, IP6_P2, PORTS, COMMENT],
        "icmpv6" => &[SRCMAC, IP6_P1, IP6_P2, ICMP, COMMENT],
        "esp-ipv6" | "ah-ipv6" | "udplite-ipv6" => &[SRCMAC, IP6_P1, IP6_P2, COMMENT],
        "all-ipv6" => &[SRCMAC, IP6_P1, IP6_P2, IPSET, COMMENT],
        _ => return None,
    };
    Some(groups.iter().flat_map(|g| g.iter().copied()).collect())
}

const ACTIONS: &[&str] = &["drop", "accept", "reject", "return", "continue"];
const DIRECTIONS: &[&str] = &["in", "out", "inout"];
/// Chain name prefixes and their default priorities.
const CHAINS: &[(&str, i32)] = &[
    ("root", 0),
    ("mac", -800),
    ("vlan", -750),
    ("stp", 0),
    ("arp", -500),
    ("rarp", -400),
    ("ipv4", -700),
    ("ipv6", -600),
];
const PORT_PROTOS: &[&str] = &["tcp", "udp", "sctp", "6", "17", "33", "132", "0x6", "0x11", "0x21", "0x84"];

/// A rule's protocol element and its attribute values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub protocol: String,
    pub negate: bool,
    pub values: Vec<(&'static str, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub action: &'static str,
    pub direction: &'static str,
    pub priority: i32,
    pub statematch_false: bool,
    pub matches: Option<Match>,
}

/// A reference to another filter, with parameters sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterRef {
    pub filter: String,
    pub params: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Rule(Rule),
    Ref(FilterRef),
}

/// A network filter definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterDef {
    pub name: String,
    pub chain: String,
    pub priority: i32,
    pub uuid: Uuid,
    pub entries: Vec<Entry>,
}

fn err(code: i32, detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_NWFILTER, code, detail)
}

fn illegal(name: &str, value: &str) -> Error {
    err(VIR_ERR_INTERNAL_ERROR, format!("{name} has illegal value {value}"))
}

fn param_name_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn param_value_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.:".contains(c))
}

impl FilterRef {
    /// Reads `<filterref filter=...>` (or a binding's) and its parameters.
    pub fn parse(n: Node, filter: String) -> FilterRef {
        let mut params: Vec<(String, String)> = n
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "parameter")
            .filter_map(|p| Some((p.attribute("name")?.to_string(), p.attribute("value")?.to_string())))
            .filter(|(k, v)| param_name_ok(k) && param_value_ok(v))
            .collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        FilterRef { filter, params }
    }

    pub fn format(&self, w: &mut XmlWriter) {
        if self.params.is_empty() {
            w.empty("filterref", &[("filter", Some(&self.filter))]);
            return;
        }
        w.open("filterref", &[("filter", Some(&self.filter))]);
        for (k, v) in &self.params {
            w.empty("parameter", &[("name", Some(k)), ("value", Some(v))]);
        }
        w.close("filterref");
    }
}

impl Match {
    fn parse(n: Node) -> Result<Option<Match>> {
        let protocol = n.tag_name().name();
        let Some(attrs) = protocol_attrs(protocol) else { return Ok(None) };
        let mut values = Vec::new();
        for (name, kind) in attrs {
            if let Some(v) = n.attribute(name) {
                values.push((name, canonical(kind, v).ok_or_else(|| illegal(name, v))?));
            }
        }
        let m = Match { protocol: protocol.to_string(), negate: n.attribute("match") == Some("no"), values };
        m.check_ports()?;
        Ok(Some(m))
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// IP rules with ports need a protocol that has ports.
    fn check_ports(&self) -> Result<()> {
        let family = match self.protocol.as_str() {
            "ip" => "IP",
            "ipv6" => "IPv6",
            _ => return Ok(()),
        };
        let has_ports = PORTS.iter().any(|(n, _)| self.value(n).is_some());
        let proto_ok = self.value("protocol").is_some_and(|p| PORT_PROTOS.contains(&p));
        if has_ports && !proto_ok {
            return Err(err(
                VIR_ERR_INTERNAL_ERROR,
                format!(
                    "{family} rule with port specification requires protocol specification with protocol to be \
                     either one of tcp(6), udp(17), dccp(33), or sctp(132)"
                ),
            ));
        }
        Ok(())
    }

    fn format(&self, w: &mut XmlWriter) {
        let neg = (self.negate && !self.values.is_empty()).then_some("no");
        let mut attrs: Vec<(&str, Option<&str>)> = vec![("match", neg)];
        attrs.extend(self.values.iter().map(|(n, v)| (*n, Some(v.as_str()))));
        w.empty(&self.protocol, &attrs);
    }
}

impl Rule {
    fn parse(n: Node) -> Result<Rule> {
        let pick = |attr_name: &str, set: &[&'static str], what: &str| -> Result<&'static str> {
            let v = n
                .attribute(attr_name)
                .ok_or_else(|| err(VIR_ERR_INTERNAL_ERROR, format!("rule node requires {attr_name} attribute")))?;
            set.iter()
                .find(|x| **x == v)
                .copied()
                .ok_or_else(|| err(VIR_ERR_CONFIG_UNSUPPORTED, format!("unknown rule {what} attribute value")))
        };
        let action = pick("action", ACTIONS, "action")?;
        let direction = pick("direction", DIRECTIONS, "direction")?;
        let priority = n
            .attribute("priority")
            .and_then(priority)
            .filter(|p| (-1000..=1000).contains(p))
            .map(|p| p as i32)
            .unwrap_or(500);
        let statematch_false =
            matches!(n.attribute("statematch"), Some(s) if s == "0" || s.eq_ignore_ascii_case("false"));
        let mut matches = None;
        for c in n.children().filter(|c| c.is_element()) {
            if let Some(m) = Match::parse(c)? {
                matches = Some(m);
                break;
            }
        }
        Ok(Rule { action, direction, priority, statematch_false, matches })
    }

    fn format(&self, w: &mut XmlWriter) {
        let prio = self.priority.to_string();
        let attrs = [
            ("action", Some(self.action)),
            ("direction", Some(self.direction)),
            ("priority", Some(prio.as_str())),
            ("statematch", self.statematch_false.then_some("false")),
        ];
        match &self.matches {
            None => w.empty("rule", &attrs),
            Some(m) => {
                w.open("rule", &attrs);
                m.format(w);
                w.close("rule");
            }
        }
    }
}

fn chain_default_priority(chain: &str) -> Result<i32> {
    if chain == "root" {
        return Ok(0);
    }
    // "rarp" before "arp" is not needed: neither is a prefix of the other
    CHAINS.iter().skip(1).find(|(p, _)| chain.starts_with(p)).map(|(_, prio)| *prio).ok_or_else(|| {
        err(
            VIR_ERR_INVALID_ARG,
            format!(
                "Invalid chain name '{chain}'. Please use a chain name called 'root' or any of the following \
                 prefixes: mac, vlan, stp, arp, rarp, ipv4, ipv6"
            ),
        )
    })
}

impl FilterDef {
    /// Parses a filter document as `virNWFilterDefineXML` does.
    pub fn parse(text: &str) -> Result<FilterDef> {
        let doc = xml::parse_root(text, "nwfilter_definition", "filter")?;
        let root = doc.root_element();
        let name = attr(root, "name").ok_or_else(|| err(VIR_ERR_INTERNAL_ERROR, "filter has no name"))?;
        let chain = attr(root, "chain").unwrap_or_else(|| "root".to_string());
        let mut prio = chain_default_priority(&chain)?;
        if let Some(p) = root.attribute("priority") {
            let v = priority(p)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| err(VIR_ERR_INVALID_ARG, format!("Could not parse chain priority '{p}'")))?;
            if !(-1000..=1000).contains(&v) {
                return Err(err(VIR_ERR_INVALID_ARG, format!("Priority '{v}' is outside valid range of [-1000,1000]")));
            }
            prio = v;
        }
        let uuid = match xpath_string(root, "uuid") {
            None => uuid::generate(),
            Some(u) => uuid::parse(u.trim()).ok_or_else(|| err(VIR_ERR_XML_ERROR, "malformed uuid element"))?,
        };
        let mut entries = Vec::new();
        for c in root.children().filter(|c| c.is_element()) {
            match c.tag_name().name() {
                "filterref" => match attr(c, "filter") {
                    Some(f) => entries.push(Entry::Ref(FilterRef::parse(c, f))),
                    None => entries.push(Entry::Rule(Rule::parse(c)?)),
                },
                "rule" => entries.push(Entry::Rule(Rule::parse(c)?)),
                _ => {}
            }
        }
        Ok(FilterDef { name, chain, priority: prio, uuid, entries })
    }

    /// The document as `virNWFilterGetXMLDesc` gives it.
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        let prio = (self.priority != 0).then(|| self.priority.to_string());
        w.open("filter", &[("name", Some(&self.name)), ("chain", Some(&self.chain)), ("priority", prio.as_deref())]);
        w.text("uuid", &[], &uuid::format(&self.uuid));
        for e in &self.entries {
            match e {
                Entry::Rule(r) => r.format(&mut w),
                Entry::Ref(f) => f.format(&mut w),
            }
        }
        w.close("filter");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::secret::tests::{corpus, outcome};

    #[test]
    fn corpus_matches_libvirt() {
        let docs = corpus("nwfilter");
        assert!(docs.len() >= 24);
        for (name, input, expected) in docs {
            let got = outcome(FilterDef::parse(&input).map(|d| d.format()), VIR_FROM_NWFILTER);
            assert_eq!(got, expected, "{name}");
        }
    }
}
