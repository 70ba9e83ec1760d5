//! Custom node files: `test:///ABSOLUTE/PATH.xml` (or `test:RELATIVE`)
//! describes a whole host in one `<node>` document. Its `<cpu>` and
//! `<memory>` give the node info; its domains, networks, interfaces,
//! storage pools (an inline pool with its `<volume>`s) and node devices
//! are either inline or read from `file="..."` (a path relative to the
//! node file's directory). Everything loaded is active; a domain's
//! `test:` namespace elements set its state ([`super::domain_ns`]).
//!
//! Every connection to a node file loads its own host: nothing is shared.
//! References are followed one level only (a referenced document must be
//! the object itself), so loading always ends.

use super::domain_ns::{self, parse_unsigned, string_value};
use super::domain_state::DomainStore;
use super::host::HostInfo;
use super::interface::{IfaceObj, InterfaceState};
use super::network::{NetObj, NetworkState};
use super::node_auth;
use super::nodedev::{DevObj, NodeDevState};
use super::state::TestState;
use super::storage::{PoolObj, StorageState};
use crate::conf::interface::InterfaceDef;
use crate::conf::network::NetworkDef;
use crate::conf::nodedev::NodeDeviceDef;
use crate::conf::storage_pool::PoolDef;
use crate::conf::storage_vol::VolDef;
use crate::conf::xml;
use crate::core::auth::Authenticator;
use crate::core::error::{Error, Result};
use crate::core::events::EventQueue;
use crate::generated::consts::*;
use parking_lot::Mutex;
use roxmltree::Node;

/// Reads a referenced file: its text, or `None` when it cannot be read.
pub type Reader<'r> = &'r mut dyn FnMut(&str) -> Option<String>;

/// The longest CPU model `virNodeInfo` holds (its NUL aside).
const MODEL_MAX: usize = 31;

/// Loads the node file at `path` from disk, then checks the connection's
/// credentials against the file's `<auth>` users.
pub fn open(path: &str, auth: Option<&dyn Authenticator>) -> Result<TestState> {
    let (state, users) = load(path, &mut read_disk)?;
    node_auth::authenticate(&users, auth)?;
    Ok(state)
}

/// A file's text; a directory reads as an empty document (as libxml2
/// sees it), anything else unreadable as missing.
fn read_disk(path: &str) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => Some(String::new()),
        Err(_) => None,
    }
}

/// Loads the node document at `path`, reading it and the documents it
/// refers to through `read`: the host, and the users of its `<auth>`.
pub fn load(path: &str, read: Reader) -> Result<(TestState, Vec<node_auth::User>)> {
    let text = read(path).ok_or_else(|| unreadable(path))?;
    let doc = parse_file(&text, path, "node")?;
    let root = doc.root_element();
    let host = host_info(root)?;
    let mut loader = Loader { path, read };
    let events = EventQueue::new();
    let mut domains = DomainStore::new(events.clone());
    for n in children(root, "domain") {
        loader.domain(n, &mut domains)?;
    }
    let mut networks = NetworkState { nets: Vec::new() };
    for n in children(root, "network") {
        loader.network(n, &mut networks)?;
    }
    let mut interfaces = InterfaceState { ifaces: Vec::new(), backup: None };
    for n in children(root, "interface") {
        loader.interface(n, &mut interfaces)?;
    }
    let mut storage = StorageState { pools: Vec::new(), vport: false };
    for n in children(root, "pool") {
        loader.pool(n, &mut storage)?;
    }
    let mut nodedevs = NodeDevState { devs: Vec::new() };
    for n in children(root, "device") {
        loader.device(n, &mut nodedevs)?;
    }
    let users = node_auth::parse(root)?;
    let state = TestState {
        domains: Mutex::new(domains),
        networks: Mutex::new(networks),
        interfaces: Mutex::new(interfaces),
        nodedevs: Mutex::new(nodedevs),
        storage: Mutex::new(storage),
        events,
        host,
    };
    Ok((state, users))
}

fn unreadable(path: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_XML_ERROR, format!("failed to parse xml document '{path}'"))
}

/// Parses a file's document with libxml2's report naming the file, and
/// checks its root element.
fn parse_file<'a>(text: &'a str, path: &str, root: &str) -> Result<roxmltree::Document<'a>> {
    xml::parse_root(text, path, root).map_err(|mut e| {
        if e.code == VIR_ERR_XML_DETAIL {
            // libxml2 names a file without the parentheses of an in-memory document
            if let Some(rest) = e.message.strip_prefix(&format!("({path})")) {
                e.message = format!("{path}{rest}");
            }
            e = e.from_domain(VIR_FROM_TEST);
        }
        e
    })
}

/// Whether `c` is an element called `name` in no namespace.
fn is_named(c: &Node, name: &str) -> bool {
    c.is_element() && c.tag_name().namespace().is_none() && c.tag_name().name() == name
}

/// The elements called `name` directly under `n`.
fn children<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| is_named(c, name))
}

fn first<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is_named(c, name))
}

/// The node info: the default host's, changed by `<cpu>` and `<memory>`.
fn host_info(root: Node) -> Result<HostInfo> {
    let mut info = HostInfo { numa: false, ..HostInfo::default() };
    let node = &mut info.node;
    let invalid =
        |what: &str| Error::with_detail(VIR_FROM_TEST, VIR_ERR_XML_ERROR, format!("invalid node {what} value"));
    let number = |parent: Option<Node>, name: &str, what: &str| -> Result<Option<u64>> {
        let Some(text) = parent.and_then(|p| first(p, name)).map(string_value).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        parse_unsigned(&text).map(Some).ok_or_else(|| invalid(what))
    };
    let cpu = first(root, "cpu");
    let cpu_field = |name: &str| -> Result<Option<u32>> {
        let what = format!("cpu {name}");
        number(cpu, name, &what)?.map(|v| u32::try_from(v).map_err(|_| invalid(&what))).transpose()
    };
    for (name, field) in [
        ("nodes", &mut node.nodes),
        ("sockets", &mut node.sockets),
        ("cores", &mut node.cores),
        ("threads", &mut node.threads),
    ] {
        if let Some(v) = cpu_field(name)? {
            *field = v;
        }
    }
    node.cpus = node.nodes.wrapping_mul(node.sockets).wrapping_mul(node.cores).wrapping_mul(node.threads);
    if let Some(active) = cpu_field("active")? {
        // more CPUs online than there are is ignored
        if active <= node.cpus {
            node.cpus = active;
        }
    }
    if let Some(mhz) = cpu_field("mhz")? {
        node.mhz = mhz;
    }
    if let Some(model) = cpu.and_then(|c| first(c, "model")).map(string_value).filter(|m| !m.is_empty()) {
        if model.len() > MODEL_MAX {
            return Err(Error::internal(format!("Model {model} too big for destination")).from_domain(VIR_FROM_TEST));
        }
        node.model = model;
    }
    if let Some(mem) = number(Some(root), "memory", "memory")? {
        node.memory_kib = mem;
    }
    Ok(info)
}

/// Reads the objects of one node file.
struct Loader<'p, 'r> {
    path: &'p str,
    read: Reader<'r>,
}

impl Loader<'_, '_> {
    /// Where a `file="..."` reference points: relative to the node file's
    /// directory unless absolute.
    fn resolve(&self, href: &str) -> String {
        match self.path.rfind('/') {
            Some(i) if !href.starts_with('/') => format!("{}/{href}", &self.path[..i]),
            _ => href.to_string(),
        }
    }

    /// The text of the object element `n` as a document of its own: the
    /// referenced file (whose root must be `n`'s name), or the inline
    /// element with the namespaces it inherits from the node document.
    fn document(&mut self, n: Node) -> Result<String> {
        let name = n.tag_name().name();
        if let Some(href) = n.attribute("file") {
            let path = self.resolve(href);
            let doc = (self.read)(&path).ok_or_else(|| unreadable(&path))?;
            parse_file(&doc, &path, name)?;
            return Ok(doc);
        }
        Ok(inline_document(n, n.document().input_text()))
    }

    fn domain(&mut self, n: Node, domains: &mut DomainStore) -> Result<()> {
        let text = self.document(n)?;
        let def = super::domain::parse_def(&text)?;
        let extras = domain_ns::parse_text(&text)?;
        let (u, _) = domains.add(def, false, false)?;
        let id = (extras.runstate != VIR_DOMAIN_SHUTOFF).then(|| domains.take_id());
        domains.update(&u, |o| {
            o.persistent = !extras.transient;
            if let Some(id) = id {
                o.start(id, VIR_DOMAIN_RUNNING_BOOTED);
            }
            o.set_state(extras.runstate, 0);
            o.managed_save = extras.managed_save;
        });
        Ok(())
    }

    fn network(&mut self, n: Node, state: &mut NetworkState) -> Result<()> {
        let text = self.document(n)?;
        let def = NetworkDef::parse(&text)?;
        let obj = NetObj { def, new_def: None, active: true, persistent: true, autostart: false };
        match super::network::find_slot(&state.nets, &obj.def)? {
            Some(i) => state.nets[i] = obj,
            None => state.nets.push(obj),
        }
        Ok(())
    }

    fn interface(&mut self, n: Node, state: &mut InterfaceState) -> Result<()> {
        let text = self.document(n)?;
        let def = InterfaceDef::parse(&text)?;
        let obj = IfaceObj { def, active: true };
        match state.ifaces.iter().position(|o| o.def.name == obj.def.name) {
            Some(i) => state.ifaces[i] = obj,
            None => state.ifaces.push(obj),
        }
        Ok(())
    }

    fn pool(&mut self, n: Node, state: &mut StorageState) -> Result<()> {
        let text = self.document(n)?;
        let mut def = PoolDef::parse(&text)?;
        let slot = super::storage::place(&state.pools, &def, false)?;
        super::storage::set_defaults(&mut def);
        let mut pool = PoolObj { def, active: true, persistent: true, autostart: false, vols: Vec::new() };
        // only an inline pool brings volumes (libvirt looks for them in the
        // node document, not in a referenced pool file)
        if n.attribute("file").is_none() {
            for v in children(n, "volume") {
                self.volume(v, &mut pool)?;
            }
        }
        match slot {
            Some(i) => state.pools[i] = pool,
            None => state.pools.push(pool),
        }
        Ok(())
    }

    fn volume(&mut self, n: Node, pool: &mut PoolObj) -> Result<()> {
        let text = self.document(n)?;
        let mut def = VolDef::parse(&text, pool.def.kind)?;
        if pool.vols.iter().any(|v| v.name == def.name) {
            return Err(Error::unknown_cause());
        }
        // the path and key given are kept; the pool's make the defaults
        let doc = xml::parse(&text, "storage_volume_definition")?;
        let root = doc.root_element();
        let given = |n: Option<Node>| n.map(string_value).filter(|t| !t.is_empty());
        def.target.path = given(first(root, "target").and_then(|t| first(t, "path"))).unwrap_or_else(|| {
            let base = pool.def.target_path.as_deref().unwrap_or("(null)");
            format!("{base}/{}", def.name)
        });
        def.key = given(first(root, "key")).unwrap_or_else(|| def.target.path.clone());
        pool.account(def.allocation, true);
        pool.vols.push(def);
        Ok(())
    }

    fn device(&mut self, n: Node, state: &mut NodeDevState) -> Result<()> {
        let text = self.document(n)?;
        let doc = xml::parse(&text, "node_device_definition")?;
        let name = first(doc.root_element(), "name")
            .map(string_value)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::new(VIR_FROM_NODEDEV, VIR_ERR_NO_NAME, None))?;
        let mut def = NodeDeviceDef::parse_new(&text)?;
        def.name = name;
        let obj = DevObj { def, destroy_parent: None };
        match state.devs.iter().position(|o| o.def.name == obj.def.name) {
            Some(i) => state.devs[i] = obj,
            None => state.devs.push(obj),
        }
        Ok(())
    }
}

/// The source text of element `n`, declaring the namespace prefixes it
/// inherits from its ancestors so that it parses on its own.
fn inline_document(n: Node, text: &str) -> String {
    let src = &text[n.range()];
    let name_end = src
        .get(1..)
        .and_then(|t| t.find(|c: char| c.is_whitespace() || c == '/' || c == '>'))
        .map_or(src.len(), |i| i + 1);
    let start_tag_end = src.find('>').unwrap_or(src.len());
    let mut decls = String::new();
    for ns in n.namespaces() {
        let Some(prefix) = ns.name() else { continue };
        if prefix == "xml" || src[..start_tag_end].contains(&format!("xmlns:{prefix}=")) {
            continue;
        }
        decls.push_str(&format!(" xmlns:{prefix}='{}'", xml::escape(ns.uri())));
    }
    if decls.is_empty() || name_end > src.len() {
        return src.to_string();
    }
    format!("{}{decls}{}", &src[..name_end], &src[name_end..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load_files(files: &[(&str, &str)]) -> Result<TestState> {
        let map: HashMap<String, String> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        load(files[0].0, &mut |p: &str| map.get(p).cloned()).map(|(state, _users)| state)
    }

    #[test]
    fn loads_objects_inline_and_by_reference() {
        let node = "<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
          <domain file='d.xml'/>
          <domain type='test'><name>b</name><memory>1024</memory><os><type>hvm</type></os>
            <test:runstate>5</test:runstate><test:hasmanagedsave/></domain>
          <network><name>n</name><bridge name='br9'/></network>
          <pool type='dir'><name>p</name><target><path>/p</path></target>
            <volume><name>v</name><capacity>10</capacity></volume></pool>
          <cpu><nodes>1</nodes><active>3</active><model>m</model></cpu>
          <memory>2048</memory>
        </node>";
        let dom = "<domain type='test'><name>a</name><memory>1024</memory><os><type>hvm</type></os></domain>";
        let s = load_files(&[("/x/node.xml", node), ("/x/d.xml", dom)]).unwrap();
        let d = s.domains.lock();
        let a = d.by_name("a").unwrap();
        assert_eq!((a.id, a.state, a.persistent), (1, VIR_DOMAIN_RUNNING, true));
        let b = d.by_name("b").unwrap();
        assert_eq!((b.id, b.state, b.managed_save), (-1, VIR_DOMAIN_SHUTOFF, true));
        assert_eq!(s.networks.lock().nets.len(), 1);
        let st = s.storage.lock();
        assert_eq!(st.pools[0].vols[0].key, "/p/v");
        assert_eq!(st.pools[0].def.allocation, 10);
        assert_eq!((s.host.node.cpus, s.host.node.model.as_str(), s.host.node.memory_kib), (3, "m", 2048));
        assert!(!s.host.numa);
    }

    #[test]
    fn fails_as_libvirt_does() {
        let err = |files: &[(&str, &str)]| load_files(files).err().map(|e| (e.code, e.domain, e.message)).unwrap();
        assert_eq!(
            err(&[("/x/n.xml", "<node><domain file='gone.xml'/></node>")]),
            (VIR_ERR_XML_ERROR, VIR_FROM_TEST, "XML error: failed to parse xml document '/x/gone.xml'".into())
        );
        assert_eq!(
            err(&[("/x/n.xml", "<node><domain")]),
            (
                VIR_ERR_XML_DETAIL,
                VIR_FROM_TEST,
                "/x/n.xml:1: Couldn't find end of Start Tag domain line 1\n<node><domain\n-------------^".into()
            )
        );
        assert_eq!(
            err(&[("/x/n.xml", "<node><network file='n.xml'/></node>")]),
            (VIR_ERR_XML_ERROR, VIR_FROM_XML, "XML error: expecting root element of 'network', not 'node'".into())
        );
        assert_eq!(
            err(&[("/x/n.xml", "<node><cpu><mhz>1x</mhz></cpu></node>")]),
            (VIR_ERR_XML_ERROR, VIR_FROM_TEST, "XML error: invalid node cpu mhz value".into())
        );
    }

    #[test]
    fn inline_elements_keep_inherited_prefixes() {
        let text = "<node xmlns:t='urn:x'><a><t:b/></a></node>";
        let doc = roxmltree::Document::parse(text).unwrap();
        let a = doc.root_element().first_element_child().unwrap();
        assert_eq!(inline_document(a, text), "<a xmlns:t='urn:x'><t:b/></a>");
    }
}
