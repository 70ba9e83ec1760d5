//! The secret document (`<secret>`): flags, UUID, description and what
//! the secret is used for.

use crate::conf::storage_common::{child, node_string, xpath_string};
use crate::conf::xml::{self, XmlWriter};
use crate::core::error::{Error, Result};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;

/// What a secret is for (`virSecretUsageType` and its identifier).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Usage {
    None,
    Volume(String),
    Ceph(String),
    Iscsi(String),
    Tls(String),
    Vtpm(String),
}

/// Usage types: name, number, the element holding the id, and the
/// wording of libvirt's "missing" error.
const USAGES: &[(&str, i32, &str, &str)] = &[
    ("volume", VIR_SECRET_USAGE_TYPE_VOLUME, "volume", "volume usage specified, but volume path is missing"),
    ("ceph", VIR_SECRET_USAGE_TYPE_CEPH, "name", "Ceph usage specified, but name is missing"),
    ("iscsi", VIR_SECRET_USAGE_TYPE_ISCSI, "target", "iSCSI usage specified, but target is missing"),
    ("tls", VIR_SECRET_USAGE_TYPE_TLS, "name", "TLS usage specified, but name is missing"),
    ("vtpm", VIR_SECRET_USAGE_TYPE_VTPM, "name", "vTPM usage specified, but name is missing"),
];

impl Usage {
    fn from_parts(kind: i32, id: String) -> Usage {
        match kind {
            VIR_SECRET_USAGE_TYPE_VOLUME => Usage::Volume(id),
            VIR_SECRET_USAGE_TYPE_CEPH => Usage::Ceph(id),
            VIR_SECRET_USAGE_TYPE_ISCSI => Usage::Iscsi(id),
            VIR_SECRET_USAGE_TYPE_TLS => Usage::Tls(id),
            VIR_SECRET_USAGE_TYPE_VTPM => Usage::Vtpm(id),
            _ => Usage::None,
        }
    }

    /// The `virSecretUsageType` number.
    pub fn kind(&self) -> i32 {
        match self {
            Usage::None => VIR_SECRET_USAGE_TYPE_NONE,
            Usage::Volume(_) => VIR_SECRET_USAGE_TYPE_VOLUME,
            Usage::Ceph(_) => VIR_SECRET_USAGE_TYPE_CEPH,
            Usage::Iscsi(_) => VIR_SECRET_USAGE_TYPE_ISCSI,
            Usage::Tls(_) => VIR_SECRET_USAGE_TYPE_TLS,
            Usage::Vtpm(_) => VIR_SECRET_USAGE_TYPE_VTPM,
        }
    }

    /// The usage identifier (`virSecretGetUsageID`): empty for none.
    pub fn id(&self) -> &str {
        match self {
            Usage::None => "",
            Usage::Volume(s) | Usage::Ceph(s) | Usage::Iscsi(s) | Usage::Tls(s) | Usage::Vtpm(s) => s,
        }
    }
}

/// A secret definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretDef {
    pub ephemeral: bool,
    pub private: bool,
    pub uuid: Uuid,
    pub description: Option<String>,
    pub usage: Usage,
}

fn err(code: i32, detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_SECRET, code, detail)
}

fn yes_no(root: roxmltree::Node, name: &str) -> Result<bool> {
    match root.attribute(name) {
        None | Some("no") => Ok(false),
        Some("yes") => Ok(true),
        Some(_) => Err(err(VIR_ERR_XML_ERROR, format!("invalid value of '{name}'"))),
    }
}

impl SecretDef {
    /// Parses a secret document as `virSecretDefineXML` does.
    pub fn parse(text: &str) -> Result<SecretDef> {
        let doc = xml::parse_root(text, "definition_of_secret", "secret")?;
        let root = doc.root_element();
        let ephemeral = yes_no(root, "ephemeral")?;
        let private = yes_no(root, "private")?;
        let uuid = match xpath_string(root, "uuid") {
            None => uuid::generate(),
            Some(u) => uuid::parse(u.trim()).ok_or_else(|| err(VIR_ERR_INTERNAL_ERROR, "malformed uuid element"))?,
        };
        let description = xpath_string(root, "description");
        let usage = match child(root, "usage") {
            None => Usage::None,
            Some(u) => {
                let kind = u.attribute("type").ok_or_else(|| err(VIR_ERR_XML_ERROR, "unknown secret usage type"))?;
                if kind == "none" {
                    Usage::None
                } else {
                    let (_, num, elem, missing) = USAGES
                        .iter()
                        .find(|(n, ..)| *n == kind)
                        .ok_or_else(|| err(VIR_ERR_CONFIG_UNSUPPORTED, format!("unknown secret usage type {kind}")))?;
                    let id =
                        child(u, elem).and_then(node_string).ok_or_else(|| err(VIR_ERR_INTERNAL_ERROR, *missing))?;
                    Usage::from_parts(*num, id)
                }
            }
        };
        Ok(SecretDef { ephemeral, private, uuid, description, usage })
    }

    /// The document as `virSecretGetXMLDesc` gives it.
    pub fn format(&self) -> String {
        let yn = |b: bool| Some(if b { "yes" } else { "no" });
        let mut w = XmlWriter::new();
        w.open("secret", &[("ephemeral", yn(self.ephemeral)), ("private", yn(self.private))]);
        w.text("uuid", &[], &uuid::format(&self.uuid));
        w.opt_text("description", self.description.as_deref());
        if let Some((name, _, elem, _)) = USAGES.iter().find(|(_, n, ..)| *n == self.usage.kind()) {
            w.open("usage", &[("type", Some(name))]);
            w.text(elem, &[], self.usage.id());
            w.close("usage");
        }
        w.close("secret");
        w.finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Every `NAME.xml` of a corpus directory with libvirt's answer
    /// (`NAME.expected`: the document, or "error: CODE DOMAIN MESSAGE").
    pub fn corpus(dir: &str) -> Vec<(String, String, String)> {
        let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python-tests/corpus").join(dir);
        let mut out = Vec::new();
        for e in std::fs::read_dir(&base).expect("corpus directory") {
            let p = e.unwrap().path();
            if p.extension().and_then(|x| x.to_str()) == Some("xml") {
                let expected = std::fs::read_to_string(p.with_extension("expected")).expect("expected output");
                let input = std::fs::read_to_string(&p).unwrap();
                out.push((p.file_name().unwrap().to_string_lossy().into_owned(), input, expected));
            }
        }
        out.sort();
        out
    }

    /// The answer in the corpus' notation.
    pub fn outcome(r: Result<String>, domain_unset_as: i32) -> String {
        match r {
            Ok(s) => s,
            Err(e) => {
                let d = if e.domain == crate::core::error::DOMAIN_UNSET { domain_unset_as } else { e.domain };
                format!("error: {} {} {}\n", e.code, d, e.message)
            }
        }
    }

    #[test]
    fn corpus_matches_libvirt() {
        let docs = corpus("secret");
        assert!(docs.len() >= 10);
        for (name, input, expected) in docs {
            let got = outcome(SecretDef::parse(&input).map(|d| d.format()), VIR_FROM_SECRET);
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn usage_ids() {
        let d = SecretDef::parse("<secret><usage type='ceph'><name>n</name></usage></secret>").unwrap();
        assert_eq!((d.usage.kind(), d.usage.id()), (VIR_SECRET_USAGE_TYPE_CEPH, "n"));
    }
}
