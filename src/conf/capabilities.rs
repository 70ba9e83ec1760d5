//! Host capabilities XML (`virConnectGetCapabilities`): the host's CPU,
//! NUMA topology and security models, and the guests it can run, laid out
//! as libvirt formats them.

use super::xml::XmlWriter;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellCpu {
    pub id: u32,
    pub socket_id: u32,
    pub die_id: u32,
    pub core_id: u32,
    pub siblings: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub id: u32,
    pub memory_kib: u64,
    /// (page size in KiB, free pages).
    pub pages: Vec<(u32, u64)>,
    pub cpus: Vec<CellCpu>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Guest {
    pub os_type: String,
    pub arch: String,
    pub wordsize: u32,
    pub emulator: Option<String>,
    pub domain_types: Vec<String>,
    pub features: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Capabilities {
    pub arch: String,
    pub cpu_features: Vec<String>,
    /// Page sizes (KiB) the host CPU supports.
    pub page_sizes: Vec<u32>,
    pub iommu: bool,
    pub cells: Vec<Cell>,
    /// (model, doi) of each security driver.
    pub secmodels: Vec<(String, String)>,
    pub guests: Vec<Guest>,
}

impl Capabilities {
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("capabilities", &[]);
        w.raw_lines("\n");
        self.format_host(&mut w);
        for g in &self.guests {
            w.raw_lines("\n");
            format_guest(g, &mut w);
        }
        w.raw_lines("\n");
        w.close("capabilities");
        // libvirt leaves the separating lines empty, without indentation
        w.finish().lines().map(|l| if l.trim().is_empty() { "\n".to_string() } else { format!("{l}\n") }).collect()
    }

    fn format_host(&self, w: &mut XmlWriter) {
        w.open("host", &[]);
        w.open("cpu", &[]);
        w.text("arch", &[], &self.arch);
        if !self.cpu_features.is_empty() {
            w.open("features", &[]);
            self.cpu_features.iter().for_each(|f| w.empty(f, &[]));
            w.close("features");
        }
        for size in &self.page_sizes {
            w.empty("pages", &[("unit", Some("KiB")), ("size", Some(&size.to_string()))]);
        }
        w.close("cpu");
        w.empty("power_management", &[]);
        w.empty("iommu", &[("support", Some(if self.iommu { "yes" } else { "no" }))]);
        // the NUMA topology is always there, even without cells
        w.open("topology", &[]);
        w.open("cells", &[("num", Some(&self.cells.len().to_string()))]);
        self.cells.iter().for_each(|c| format_cell(c, w));
        w.close("cells");
        w.close("topology");
        for (model, doi) in &self.secmodels {
            w.open("secmodel", &[]);
            w.text("model", &[], model);
            w.text("doi", &[], doi);
            w.close("secmodel");
        }
        w.close("host");
    }
}

fn format_cell(c: &Cell, w: &mut XmlWriter) {
    w.open("cell", &[("id", Some(&c.id.to_string()))]);
    w.text("memory", &[("unit", Some("KiB"))], &c.memory_kib.to_string());
    for (size, n) in &c.pages {
        w.text("pages", &[("unit", Some("KiB")), ("size", Some(&size.to_string()))], &n.to_string());
    }
    w.open("cpus", &[("num", Some(&c.cpus.len().to_string()))]);
    for cpu in &c.cpus {
        let n = |v: u32| v.to_string();
        w.empty(
            "cpu",
            &[
                ("id", Some(&n(cpu.id))),
                ("socket_id", Some(&n(cpu.socket_id))),
                ("die_id", Some(&n(cpu.die_id))),
                ("core_id", Some(&n(cpu.core_id))),
                ("siblings", Some(&cpu.siblings)),
            ],
        );
    }
    w.close("cpus");
    w.close("cell");
}

fn format_guest(g: &Guest, w: &mut XmlWriter) {
    w.open("guest", &[]);
    w.text("os_type", &[], &g.os_type);
    w.open("arch", &[("name", Some(&g.arch))]);
    w.text("wordsize", &[], &g.wordsize.to_string());
    w.opt_text("emulator", g.emulator.as_deref());
    g.domain_types.iter().for_each(|d| w.empty("domain", &[("type", Some(d))]));
    w.close("arch");
    if !g.features.is_empty() {
        w.open("features", &[]);
        g.features.iter().for_each(|f| w.empty(f, &[]));
        w.close("features");
    }
    w.close("guest");
}
