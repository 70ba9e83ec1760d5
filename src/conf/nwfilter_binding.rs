//! The network filter binding document (`<filterbinding>`): which filter
//! applies to which port of which domain.

use crate::conf::nwfilter::FilterRef;
use crate::conf::storage_common::{attr, child, xpath_string};
use crate::conf::xml::{self, XmlWriter};
use crate::core::error::{Error, Result};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;

/// A filter binding definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingDef {
    pub owner_name: String,
    pub owner_uuid: Uuid,
    pub portdev: String,
    pub linkdev: Option<String>,
    /// The MAC address, lower-case.
    pub mac: String,
    pub filter: FilterRef,
}

fn err(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_NWFILTER, VIR_ERR_INTERNAL_ERROR, detail)
}

fn sub_attr(n: roxmltree::Node, elem: &str, name: &str) -> Option<String> {
    child(n, elem).and_then(|c| attr(c, name))
}

impl BindingDef {
    /// Parses a binding document as `virNWFilterBindingCreateXML` does.
    pub fn parse(text: &str) -> Result<BindingDef> {
        let doc = xml::parse_root(text, "nwfilterbinding_definition", "filterbinding")?;
        let root = doc.root_element();
        let portdev = sub_attr(root, "portdev", "name").ok_or_else(|| err("filter binding has no port dev name"))?;
        let linkdev = sub_attr(root, "linkdev", "name");
        let mac_text = sub_attr(root, "mac", "address").ok_or_else(|| err("filter binding has no MAC address"))?;
        let mac = crate::conf::nwfilter_values::canonical(crate::conf::nwfilter_values::Kind::Mac, &mac_text)
            .filter(|m| !m.starts_with('$'))
            .ok_or_else(|| err(format!("Unable to parse MAC '{mac_text}'")))?;
        let fref = child(root, "filterref").ok_or_else(|| err("filter binding has no filter reference"))?;
        let fname = attr(fref, "filter").ok_or_else(|| err("filter binding has no filter reference"))?;
        let filter = FilterRef::parse(fref, fname);
        let owner = child(root, "owner");
        let owner_name =
            owner.and_then(|o| xpath_string(o, "name")).ok_or_else(|| err("filter binding has no owner name"))?;
        let u = owner.and_then(|o| xpath_string(o, "uuid")).ok_or_else(|| err("filter binding has no owner UUID"))?;
        let owner_uuid = uuid::parse(&u).ok_or_else(|| err(format!("Unable to parse UUID '{u}'")))?;
        Ok(BindingDef { owner_name, owner_uuid, portdev, linkdev, mac, filter })
    }

    /// The document as `virNWFilterBindingGetXMLDesc` gives it.
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("filterbinding", &[]);
        w.open("owner", &[]);
        w.text("name", &[], &self.owner_name);
        w.text("uuid", &[], &uuid::format(&self.owner_uuid));
        w.close("owner");
        w.empty("portdev", &[("name", Some(&self.portdev))]);
        if let Some(l) = &self.linkdev {
            w.empty("linkdev", &[("name", Some(l))]);
        }
        w.empty("mac", &[("address", Some(&self.mac))]);
        self.filter.format(&mut w);
        w.close("filterbinding");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::secret::tests::{corpus, outcome};

    #[test]
    fn corpus_matches_libvirt() {
        let docs = corpus("nwfilter_binding");
        assert!(docs.len() >= 8);
        for (name, input, expected) in docs {
            let got = outcome(BindingDef::parse(&input).map(|d| d.format()), VIR_FROM_NWFILTER);
            assert_eq!(got, expected, "{name}");
        }
    }
}
