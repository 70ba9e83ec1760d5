//! The test driver's own elements in domain definitions, in the namespace
//! `http://libvirt.org/schemas/domain/test/1.0` (any prefix): the state a
//! domain of a custom node file starts in (`<test:runstate>`), whether it
//! is `<test:transient/>`, and whether it `<test:hasmanagedsave/>`. Every
//! definition is checked; only node files act on them.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

pub const NS: &str = "http://libvirt.org/schemas/domain/test/1.0";

/// The runtime extras of one domain definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extras {
    pub runstate: i32,
    pub transient: bool,
    pub managed_save: bool,
}

impl Default for Extras {
    fn default() -> Extras {
        Extras { runstate: VIR_DOMAIN_RUNNING, transient: false, managed_save: false }
    }
}

fn xml_error(msg: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_XML_ERROR, msg)
}

/// A number as C's `strtoul` reads it for libvirt: leading blanks and a
/// '+' allowed, then decimal digits up to the end; no sign, no overflow.
pub fn parse_unsigned(text: &str) -> Option<u64> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The text content of an element (all its text, comments left out), as
/// XPath's `string()` gives it.
pub fn string_value(n: Node) -> String {
    n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

/// Reads the extras of a domain definition (its root element `root`).
pub fn parse(root: Node) -> Result<Extras> {
    let mut x = Extras::default();
    let own = |name: &str| root.children().find(|c| c.is_element() && c.tag_name() == (NS, name).into());
    if let Some(rs) = own("runstate") {
        let v = parse_unsigned(&string_value(rs))
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| xml_error("invalid runstate"))?;
        if v > VIR_DOMAIN_PMSUSPENDED as u32 {
            return Err(xml_error(&format!("runstate '{}' out of range'", v as i32)));
        }
        x.runstate = v as i32;
    }
    x.transient = own("transient").is_some();
    x.managed_save = own("hasmanagedsave").is_some();
    if x.transient && x.runstate == VIR_DOMAIN_SHUTOFF {
        return Err(xml_error("transient domain cannot have runstate 'shutoff'"));
    }
    if x.managed_save && x.runstate != VIR_DOMAIN_SHUTOFF {
        return Err(xml_error("domain with managedsave data can only have runstate 'shutoff'"));
    }
    Ok(x)
}

/// The extras of a definition given as text (none unless it uses the
/// namespace, which keeps ordinary definitions from a second parse).
pub fn parse_text(xml: &str) -> Result<Extras> {
    if !xml.contains(NS) {
        return Ok(Extras::default());
    }
    let doc = crate::conf::xml::parse(xml, "domain_definition")?;
    parse(doc.root_element())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extras(body: &str) -> Result<Extras> {
        parse_text(&format!("<domain xmlns:t='{NS}'><name>a</name>{body}</domain>"))
    }

    #[test]
    fn reads_and_checks_the_extras() {
        assert_eq!(extras("").unwrap(), Extras::default());
        let x = extras("<t:runstate>5</t:runstate><t:hasmanagedsave/>").unwrap();
        assert_eq!((x.runstate, x.managed_save, x.transient), (VIR_DOMAIN_SHUTOFF, true, false));
        assert_eq!(extras("<t:runstate> +3</t:runstate><t:transient/>").unwrap().runstate, 3);
        let msg = |b: &str| extras(b).unwrap_err().message;
        assert_eq!(msg("<t:runstate>8</t:runstate>"), "XML error: runstate '8' out of range'");
        assert_eq!(msg("<t:runstate>-1</t:runstate>"), "XML error: invalid runstate");
        assert_eq!(msg("<t:runstate>5 </t:runstate>"), "XML error: invalid runstate");
        assert_eq!(
            msg("<t:runstate>5</t:runstate><t:transient/>"),
            "XML error: transient domain cannot have runstate 'shutoff'"
        );
        assert_eq!(
            msg("<t:hasmanagedsave/>"),
            "XML error: domain with managedsave data can only have runstate 'shutoff'"
        );
        // another namespace is not the test driver's
        let other = "<domain xmlns:test='http://other'><test:runstate>9</test:runstate></domain>";
        assert_eq!(parse_text(other).unwrap(), Extras::default());
    }
}
