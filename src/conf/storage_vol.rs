//! The storage volume document (`<volume>`). Which formats a volume may
//! have depends on the pool it is created in, so parsing takes the pool's
//! type.

use crate::conf::storage_common::*;
use crate::conf::storage_pool::PoolType;
use crate::conf::xml::{self, XmlWriter};
use crate::core::error::Result;
use roxmltree::Node;

const VOL_TYPES: &[&str] = &["file", "block", "dir", "network", "netdir", "ploop"];
const ENC_FORMATS: &[&str] = &["default", "qcow", "luks", "luks2"];
const FEATURES: &[&str] = &["lazy_refcounts", "extended_l2"];
/// Sizes are limited to what a signed 64-bit number holds.
const SIZE_LIMIT: u64 = i64::MAX as u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cipher {
    pub name: String,
    pub size: u32,
    pub mode: Option<String>,
    pub hash: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encryption {
    pub format: &'static str,
    pub engine: Option<&'static str>,
    pub secrets: Vec<SecretRef>,
    pub cipher: Option<Cipher>,
    /// The IV generator's name and hash.
    pub ivgen: Option<(String, Option<String>)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolTarget {
    pub path: String,
    pub format: Option<&'static str>,
    pub perms: Perms,
    pub encryption: Option<Encryption>,
    pub compat: Option<String>,
    pub cluster_size: Option<u64>,
    /// Qcow2 features, when a `<features>` element was given.
    pub features: Option<Vec<&'static str>>,
}

/// A storage volume definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolDef {
    pub name: String,
    pub key: String,
    pub vol_type: &'static str,
    pub capacity: u64,
    pub allocation: u64,
    pub target: VolTarget,
    pub backing: Option<VolTarget>,
}

fn size(n: Node, name: &str) -> Result<Option<u64>> {
    let Some(e) = child(n, name) else { return Ok(None) };
    let Some(text) = node_string(e) else { return Ok(None) };
    let v = parse_u64(&text).ok_or_else(|| xml_err("malformed capacity element"))?;
    scale(v, e.attribute("unit"), SIZE_LIMIT).map(Some)
}

fn vol_format(n: Option<Node>, kind: PoolType) -> Result<Option<&'static str>> {
    let Some((formats, default)) = kind.vol_formats() else { return Ok(None) };
    match n.and_then(|t| child(t, "format")).and_then(|f| attr(f, "type")) {
        None => Ok(Some(default)),
        Some(f) => formats
            .iter()
            .find(|x| **x == f)
            .map(|x| Some(*x))
            .ok_or_else(|| unsupported(format!("unknown volume format type {f}"))),
    }
}

fn check_compat(c: &str) -> Result<()> {
    let mut parts = c.splitn(2, '.');
    let ok = parts.next().and_then(parse_u64).is_some() && parts.next().and_then(parse_u64).is_some();
    if ok {
        Ok(())
    } else {
        Err(xml_err("forbidden characters in 'compat' attribute"))
    }
}

impl Encryption {
    fn parse(n: Node) -> Result<Encryption> {
        let format = match n.attribute("format") {
            None => return Err(xml_err("unknown volume encryption format")),
            Some(f) => ENC_FORMATS
                .iter()
                .find(|x| **x == f)
                .copied()
                .ok_or_else(|| unsupported(format!("unknown volume encryption format type {f}")))?,
        };
        let engine = prop_enum(n, "engine", &[("qemu", "qemu"), ("librbd", "librbd")])?;
        let mut secrets = Vec::new();
        for s in children(n, "secret") {
            match s.attribute("type") {
                None => return Err(xml_err("unknown volume encryption secret type")),
                Some("passphrase") => {}
                Some(t) => return Err(unsupported(format!("unknown volume encryption secret type {t}"))),
            }
            secrets.push(SecretRef::parse(s)?);
        }
        let (mut cipher, mut ivgen) = (None, None);
        if format == "luks" {
            if let Some(c) = child(n, "cipher") {
                let name = attr(c, "name").ok_or_else(|| xml_err("cipher info missing 'name' attribute"))?;
                let size = prop_uint_required(c, "size")?;
                cipher = Some(Cipher { name, size, mode: attr(c, "mode"), hash: attr(c, "hash") });
            }
            if let Some(i) = child(n, "ivgen") {
                if cipher.is_none() {
                    return Err(xml_err("ivgen element found, but cipher is missing"));
                }
                let name = attr(i, "name").ok_or_else(|| xml_err("missing ivgen info name string"))?;
                ivgen = Some((name, attr(i, "hash")));
            }
        }
        Ok(Encryption { format, engine, secrets, cipher, ivgen })
    }

    fn format(&self, w: &mut XmlWriter) {
        w.open("encryption", &[("format", Some(self.format)), ("engine", self.engine)]);
        for s in &self.secrets {
            let (k, v) = s.attr();
            w.empty("secret", &[("type", Some("passphrase")), (k, v)]);
        }
        if let Some(c) = &self.cipher {
            let size = c.size.to_string();
            w.empty(
                "cipher",
                &[
                    ("name", Some(&c.name)),
                    ("size", Some(&size)),
                    ("mode", c.mode.as_deref()),
                    ("hash", c.hash.as_deref()),
                ],
            );
        }
        if let Some((name, hash)) = &self.ivgen {
            w.empty("ivgen", &[("name", Some(name)), ("hash", hash.as_deref())]);
        }
        w.close("encryption");
    }
}

impl VolTarget {
    fn parse(n: Node, kind: PoolType) -> Result<VolTarget> {
        let mut t =
            VolTarget { format: vol_format(Some(n), kind)?, perms: Perms::parse(Some(n))?, ..Default::default() };
        if let Some(e) = child(n, "encryption") {
            t.encryption = Some(Encryption::parse(e)?);
        }
        t.compat = xpath_string(n, "compat");
        if let Some(c) = &t.compat {
            check_compat(c)?;
        }
        if let Some(f) = child(n, "features") {
            let mut set = Vec::new();
            for e in f.children().filter(|c| c.is_element()) {
                let name = e.tag_name().name();
                if !FEATURES.contains(&name) {
                    return Err(unsupported(format!("unsupported feature {name}")));
                }
                set.push(name);
            }
            t.features = Some(FEATURES.iter().copied().filter(|f| set.contains(f)).collect());
            t.compat.get_or_insert_with(|| "1.1".to_string());
        }
        t.cluster_size = scaled_element(n, "clusterSize", "./target/clusterSize")?.filter(|v| *v > 0);
        Ok(t)
    }

    fn format(&self, name: &str, w: &mut XmlWriter) {
        w.open(name, &[]);
        w.text("path", &[], &self.path);
        if let Some(f) = self.format {
            w.empty("format", &[("type", Some(f))]);
        }
        self.perms.format(w);
        if let Some(e) = &self.encryption {
            e.format(w);
        }
        w.opt_text("compat", self.compat.as_deref());
        if let Some(c) = self.cluster_size {
            w.text("clusterSize", &[("unit", Some("B"))], &c.to_string());
        }
        if let Some(f) = &self.features {
            if f.is_empty() {
                w.empty("features", &[]);
            } else {
                w.open("features", &[]);
                for x in f {
                    w.empty(x, &[]);
                }
                w.close("features");
            }
        }
        w.close(name);
    }
}

impl VolDef {
    /// Parses a volume document for a pool of type `kind`.
    pub fn parse(text: &str, kind: PoolType) -> Result<VolDef> {
        let doc = xml::parse_root(text, "storage_volume_definition", "volume")?;
        let root = doc.root_element();
        let name = xpath_string(root, "name").ok_or_else(|| xml_err("missing volume name element"))?;
        let vol_type = match root.attribute("type").filter(|t| !t.is_empty()) {
            None => "file",
            Some(t) => VOL_TYPES
                .iter()
                .find(|x| **x == t)
                .copied()
                .ok_or_else(|| unsupported(format!("unknown volume type '{t}'")))?,
        };
        let capacity = size(root, "capacity")?.ok_or_else(|| xml_err("missing capacity element"))?;
        let allocation = size(root, "allocation")?.unwrap_or(capacity);
        let target = match child(root, "target") {
            Some(t) => VolTarget::parse(t, kind)?,
            None => VolTarget { format: vol_format(None, kind)?, ..Default::default() },
        };
        let backing = match child(root, "backingStore") {
            Some(b) => match xpath_string(b, "path") {
                None => None,
                Some(path) => Some(VolTarget {
                    path,
                    format: vol_format(Some(b), kind)?,
                    perms: Perms::parse(Some(b))?,
                    ..Default::default()
                }),
            },
            None => None,
        };
        Ok(VolDef { name, key: String::new(), vol_type, capacity, allocation, target, backing })
    }

    /// The document as `virStorageVolGetXMLDesc` gives it.
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("volume", &[("type", Some(self.vol_type))]);
        w.text("name", &[], &self.name);
        w.text("key", &[], &self.key);
        bytes_element(&mut w, "capacity", self.capacity);
        bytes_element(&mut w, "allocation", self.allocation);
        self.target.format("target", &mut w);
        if let Some(b) = &self.backing {
            b.format("backingStore", &mut w);
        }
        w.close("volume");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sizes_and_defaults() {
        let v = VolDef::parse(
            "<volume><name>v</name><capacity unit='KiB'>3</capacity><target><features/></target></volume>",
            PoolType::Dir,
        )
        .unwrap();
        assert_eq!((v.capacity, v.allocation), (3072, 3072));
        assert_eq!(v.target.format, Some("raw"));
        assert_eq!(v.target.compat.as_deref(), Some("1.1"));
        let e = VolDef::parse("<volume><name>v</name></volume>", PoolType::Dir).unwrap_err();
        assert_eq!(e.message, "XML error: missing capacity element");
        let e = VolDef::parse(
            "<volume><name>v</name><capacity>1</capacity><target><format type='none'/></target></volume>",
            PoolType::Dir,
        )
        .unwrap_err();
        assert_eq!(e.message, "unsupported configuration: unknown volume format type none");
    }
}
