//! The domain checkpoint document (`<domaincheckpoint>`): read (always
//! checked against the schema's shape, as libvirt validates it), its disk
//! list completed from the domain, and written back.

use crate::conf::domain::devices::disk;
use crate::conf::moment::{self, Moment};
use crate::conf::schema::{self, Schema};
use crate::conf::snapshot::{disk_by_name, disk_is_empty, disk_is_readonly};
use crate::conf::xml::{self, child, XmlWriter};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;

/// One `<disk>` of a checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointDisk {
    pub name: String,
    /// A dirty bitmap is kept (`checkpoint='bitmap'`), else "no".
    pub bitmap: bool,
    /// The explicit `checkpoint` attribute was given as "no"/"bitmap";
    /// false when the disk was only named (then it means bitmap).
    pub bitmap_name: Option<String>,
}

/// A checkpoint definition.
#[derive(Clone, Debug, Default)]
pub struct CheckpointDef {
    pub moment: Moment,
    pub disks: Vec<CheckpointDisk>,
}

fn err(code: i32, detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN_CHECKPOINT, code, detail)
}

fn unsupported(detail: impl AsRef<str>) -> Error {
    err(VIR_ERR_CONFIG_UNSUPPORTED, detail)
}

impl CheckpointDef {
    /// Parses a document as `virDomainCheckpointCreateXML` reads it.
    pub fn parse(text: &str, redefine: bool) -> Result<CheckpointDef> {
        let doc = xml::parse_root(text, "domain_checkpoint", "domaincheckpoint").map_err(|e| {
            if e.domain == crate::core::error::DOMAIN_UNSET {
                e.from_domain(VIR_FROM_DOMAIN_CHECKPOINT)
            } else {
                e
            }
        })?;
        let root = doc.root_element();
        schema::validate(Schema::DomainCheckpoint, text)?;
        let (name, description) = Moment::parse_head(root);
        let mut def = CheckpointDef::default();
        if redefine {
            let Some(name) = name else {
                return Err(err(VIR_ERR_XML_ERROR, "a redefined checkpoint must have a name"));
            };
            let Some(t) = Moment::creation_time(root) else {
                return Err(err(VIR_ERR_INTERNAL_ERROR, "missing creationTime from existing checkpoint"));
            };
            def.moment = Moment { name, description, creation_time: t, ..Default::default() };
            def.moment.parent = Moment::parent_name(root);
            if let Some(d) = child(root, "domain") {
                def.moment.dom = Some(Box::new(moment::parse_embedded_domain(text, d)?));
            }
        } else {
            def.moment = Moment::fresh(name, description);
        }
        if let Some(disks) = child(root, "disks") {
            for d in disks.children().filter(|c| c.is_element()) {
                def.disks.push(CheckpointDisk {
                    name: d.attribute("name").unwrap_or_default().to_string(),
                    bitmap: d.attribute("checkpoint") != Some("no"),
                    bitmap_name: d.attribute("bitmap").map(str::to_string),
                });
            }
        }
        Ok(def)
    }

    pub fn name(&self) -> &str {
        &self.moment.name
    }

    /// Completes the disk list from the checkpoint's domain: all disks in
    /// the domain's order; omitted disks get a bitmap only when no disk
    /// was listed at all, and never when empty or read-only.
    pub fn align_disks(&mut self) -> Result<()> {
        let Some(dom) = self.moment.dom.as_deref() else {
            return Err(err(VIR_ERR_INTERNAL_ERROR, "missing domain in checkpoint"));
        };
        let domdisks = dom.devices.list("disk");
        if self.disks.len() > domdisks.len() {
            return Err(unsupported("too many disk checkpoint requests for domain"));
        }
        if domdisks.is_empty() {
            return Err(unsupported("domain must have at least one disk to perform checkpoints"));
        }
        let default_bitmap = self.disks.is_empty();
        let mut placed: Vec<Option<CheckpointDisk>> = vec![None; domdisks.len()];
        for mut cd in std::mem::take(&mut self.disks) {
            let Some(i) = disk_by_name(domdisks, &cd.name) else {
                return Err(unsupported(format!("no disk named '{}'", cd.name)));
            };
            if placed[i].is_some() {
                return Err(unsupported(format!("disk '{}' specified twice", cd.name)));
            }
            let dd = &domdisks[i];
            if (disk_is_empty(dd) || disk_is_readonly(dd)) && cd.bitmap {
                return Err(unsupported(format!("disk '{}' is empty or readonly", cd.name)));
            }
            cd.name = disk::target_dev(dd).to_string();
            placed[i] = Some(cd);
        }
        for (i, dd) in domdisks.iter().enumerate() {
            if placed[i].is_none() {
                let usable = !(disk_is_empty(dd) || disk_is_readonly(dd));
                placed[i] = Some(CheckpointDisk {
                    name: disk::target_dev(dd).to_string(),
                    bitmap: usable && default_bitmap,
                    bitmap_name: None,
                });
            }
        }
        self.disks = placed.into_iter().flatten().collect();
        self.assign_bitmap_names();
        Ok(())
    }

    /// Bitmaps without a name are named after the checkpoint.
    pub fn assign_bitmap_names(&mut self) {
        for d in self.disks.iter_mut().filter(|d| d.bitmap && d.bitmap_name.is_none()) {
            d.bitmap_name = Some(self.moment.name.clone());
        }
    }

    /// The document `virDomainCheckpointGetXMLDesc` returns.
    pub fn format(&self, secure: bool, no_domain: bool) -> String {
        let mut w = XmlWriter::new();
        w.open("domaincheckpoint", &[]);
        self.moment.format_head(&mut w, |_| {});
        if !self.disks.is_empty() {
            w.open("disks", &[]);
            for d in &self.disks {
                let mode = if d.bitmap { "bitmap" } else { "no" };
                w.empty(
                    "disk",
                    &[("name", Some(&d.name)), ("checkpoint", Some(mode)), ("bitmap", d.bitmap_name.as_deref())],
                );
            }
            w.close("disks");
        }
        if let (Some(dom), false) = (&self.moment.dom, no_domain) {
            moment::format_embedded_domain(&mut w, dom, "domain", secure);
        }
        w.close("domaincheckpoint");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::domain::DomainDef;

    const DOM: &str = "<domain type='test'><name>d</name><memory>1024</memory><os><type>hvm</type></os><devices>\
        <disk type='file' device='disk'><source file='/a'/><target dev='vda'/></disk>\
        <disk type='file' device='disk'><source file='/b'/><target dev='vdb'/><readonly/></disk></devices></domain>";

    #[test]
    fn bitmaps_go_to_writable_disks_named_after_the_checkpoint() {
        let mut c = CheckpointDef::parse("<domaincheckpoint><name>c1</name></domaincheckpoint>", false).unwrap();
        c.moment.creation_time = 7;
        c.moment.dom = Some(Box::new(DomainDef::parse(DOM).unwrap()));
        c.align_disks().unwrap();
        assert_eq!(
            c.format(false, true),
            "<domaincheckpoint>\n  <name>c1</name>\n  <creationTime>7</creationTime>\n  <disks>\n    \
             <disk name='vda' checkpoint='bitmap' bitmap='c1'/>\n    <disk name='vdb' checkpoint='no'/>\n  \
             </disks>\n</domaincheckpoint>\n"
        );
        let mut c = CheckpointDef::parse(
            "<domaincheckpoint><name>c2</name><disks><disk name='vdb'/></disks></domaincheckpoint>",
            false,
        )
        .unwrap();
        c.moment.dom = Some(Box::new(DomainDef::parse(DOM).unwrap()));
        assert_eq!(c.align_disks().unwrap_err().message, "unsupported configuration: disk 'vdb' is empty or readonly");
    }

    #[test]
    fn the_schema_is_always_checked() {
        let e = CheckpointDef::parse("<domaincheckpoint><name>a b</name></domaincheckpoint>", false).unwrap_err();
        assert!(e.message.contains("Extra element name in interleave\nElement domaincheckpoint failed"));
        let e = CheckpointDef::parse("<domaincheckpoint><name>a</name></domaincheckpoint>", true).unwrap_err();
        assert_eq!(e.message, "internal error: missing creationTime from existing checkpoint");
    }
}
