//! The rest of the test driver's domain calls: save images and managed
//! save, core dumps, metadata, renaming, guest agent stand-ins (time,
//! filesystems, keys, signals, passwords) and I/O threads.

use super::domain::{check_active, one_def, one_def_mut, start, stop, store, with_obj, with_store};
use super::*;
use crate::conf::domain::rawxml::RawElem;
use crate::conf::domain::{DomainDef, FormatOpts};
use crate::conf::xml;
use crate::core::driver::DriverTable;
use crate::core::events::Event;
use crate::core::objects::Domain;
use std::io::{Read, Write};

const LIVE: u32 = VIR_DOMAIN_AFFECT_LIVE as u32;
const CONFIG: u32 = VIR_DOMAIN_AFFECT_CONFIG as u32;

fn test_err(code: i32, msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_TEST, code, msg)
}

fn os_errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

// ------------------------------------------------------------ save images

/// What a test save image starts with.
const SAVE_MAGIC: &[u8; 15] = b"TestGuestMagic\0";

fn write_image(path: &str, def: &DomainDef) -> Result<()> {
    let xml = def.format(FormatOpts { id: None, secure: true });
    let fail = |e: std::io::Error, what: &str| {
        Error::system(VIR_FROM_TEST, os_errno(&e), format!("saving domain '{}' to '{path}': {what}", def.name))
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode_user_rw()
        .open(path)
        .map_err(|e| fail(e, "open failed"))?;
    let mut data = Vec::with_capacity(xml.len() + 20);
    data.extend_from_slice(SAVE_MAGIC);
    data.extend_from_slice(&(xml.len() as i32).to_ne_bytes());
    data.extend_from_slice(xml.as_bytes());
    f.write_all(&data).map_err(|e| fail(e, "write failed"))
}

/// `OpenOptions` with 0600 permissions, as libvirt creates images.
trait UserRw {
    fn mode_user_rw(&mut self) -> &mut Self;
}

impl UserRw for std::fs::OpenOptions {
    fn mode_user_rw(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
}

fn read_image(path: &str) -> Result<DomainDef> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::system(VIR_FROM_TEST, os_errno(&e), format!("cannot read domain image '{path}'")))?;
    let mut data = Vec::new();
    let _ = f.read_to_end(&mut data);
    if data.len() < SAVE_MAGIC.len() {
        return Err(Error::system(VIR_FROM_TEST, 0, format!("incomplete save header in '{path}'")));
    }
    if &data[..SAVE_MAGIC.len()] != SAVE_MAGIC {
        return Err(test_err(VIR_ERR_INTERNAL_ERROR, "mismatched header magic"));
    }
    let rest = &data[SAVE_MAGIC.len()..];
    if rest.len() < 4 {
        return Err(Error::system(VIR_FROM_TEST, 0, format!("failed to read metadata length in '{path}'")));
    }
    let len = i32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]);
    if !(1..=8192).contains(&len) {
        return Err(test_err(VIR_ERR_INTERNAL_ERROR, "length of metadata out of range"));
    }
    let body = &rest[4..];
    if body.len() < len as usize {
        return Err(Error::system(VIR_FROM_TEST, 0, format!("incomplete metadata in '{path}'")));
    }
    let xml = String::from_utf8_lossy(&body[..len as usize]).into_owned();
    DomainDef::parse(&xml)
}

fn no_dxml(dxml: Option<&str>) -> Result<()> {
    match dxml {
        Some(_) => Err(test_err(VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported")),
        None => Ok(()),
    }
}

fn save(d: &Domain, path: &str, dxml: Option<&str>, flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainSaveFlags")?;
    no_dxml(dxml)?;
    with_store(d, |s, u| {
        let o = s.get(&u).expect("checked");
        check_active(o)?;
        write_image(path, &o.def)?;
        stop(s, d, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
        Ok(0)
    })
}

fn restore(c: &Connect, path: &str, dxml: Option<&str>, flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainRestoreFlags")?;
    no_dxml(dxml)?;
    let mut def = read_image(path)?;
    super::domain::generate_ifnames(&mut def);
    let mut s = store(c);
    let (u, _) = s.add(def, true, true)?;
    start(&mut s, &u, VIR_DOMAIN_RUNNING_RESTORED, VIR_DOMAIN_EVENT_STARTED_RESTORED);
    Ok(0)
}

fn managed_save(d: &Domain, flags: u32) -> Result<i32> {
    let allowed = VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED;
    unsupported_flags(flags, allowed as u32, "testDomainManagedSave")?;
    with_store(d, |s, u| {
        let o = s.get(&u).expect("checked");
        check_active(o)?;
        if !o.persistent {
            return Err(test_err(VIR_ERR_OPERATION_INVALID, "cannot do managed save for transient domain"));
        }
        stop(s, d, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
        s.update(&u, |o| o.managed_save = true);
        Ok(0)
    })
}

fn core_dump(d: &Domain, to: &str, format: u32, flags: u32) -> Result<i32> {
    unsupported_flags(flags, VIR_DUMP_CRASH as u32, "testDomainCoreDumpWithFormat")?;
    with_store(d, |s, u| {
        check_active(s.get(&u).expect("checked"))?;
        let fail = |e: std::io::Error, what: String| Error::system(VIR_FROM_TEST, os_errno(&e), what);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode_user_rw()
            .open(to)
            .map_err(|e| fail(e, format!("domain '{}' coredump: failed to open {to}", d.name)))?;
        f.write_all(SAVE_MAGIC)
            .map_err(|e| fail(e, format!("domain '{}' coredump: failed to write header to {to}", d.name)))?;
        if format != VIR_DOMAIN_CORE_DUMP_FORMAT_RAW as u32 {
            return Err(test_err(VIR_ERR_OPERATION_UNSUPPORTED, "kdump-compressed format is not supported here"));
        }
        if flags & VIR_DUMP_CRASH as u32 != 0 {
            stop(s, d, VIR_DOMAIN_SHUTOFF_CRASHED, VIR_DOMAIN_EVENT_STOPPED_CRASHED);
        }
        Ok(0)
    })
}

// --------------------------------------------------------------- metadata

fn no_metadata() -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_NO_DOMAIN_METADATA, "Requested metadata element is not present")
}

fn arg(arg: &str, api: &str, msg: String) -> Error {
    Error::arg_error(arg, api, msg)
}

fn get_metadata(d: &Domain, kind: i32, uri: Option<&str>, flags: u32) -> Result<String> {
    let api = "virDomainGetMetadata";
    match kind {
        VIR_DOMAIN_METADATA_TITLE | VIR_DOMAIN_METADATA_DESCRIPTION if uri.is_some() => {
            return Err(arg("uri", api, format!("uri in {api} must be NULL")))
        }
        VIR_DOMAIN_METADATA_ELEMENT if uri.is_none() => {
            return Err(arg("uri", api, format!("uri in {api} must not be NULL")))
        }
        _ => {}
    }
    unsupported_flags(flags, LIVE | CONFIG, "testDomainGetMetadata")?;
    with_obj(d, |o| {
        let def = one_def(o, flags)?;
        match kind {
            VIR_DOMAIN_METADATA_DESCRIPTION => def.description.clone().ok_or_else(no_metadata),
            VIR_DOMAIN_METADATA_TITLE => def.title.clone().ok_or_else(no_metadata),
            VIR_DOMAIN_METADATA_ELEMENT => {
                let e = def.metadata.iter().find(|e| e.ns.as_deref() == uri).ok_or_else(no_metadata)?;
                let mut bare = e.clone();
                bare.name = bare.name.split_once(':').map(|(_, l)| l.to_string()).unwrap_or(bare.name);
                bare.ns_decls.retain(|(_, u)| Some(u.as_str()) != uri);
                let mut out = String::new();
                bare.dump(0, &mut out);
                Ok(out)
            }
            _ => Err(Error::invalid_arg(format!("unknown metadata type '{kind}'")).from_domain(VIR_FROM_DOMAIN)),
        }
    })
}

/// The element `virDomainSetMetadata` stores: the document's root put in
/// namespace `uri` under prefix `key`.
fn metadata_elem(text: &str, key: &str, uri: &str) -> Result<RawElem> {
    let doc = xml::parse(text, "metadata_xml")?;
    let mut e = RawElem::copy(doc.root_element(), true);
    let local = e.name.split_once(':').map(|(_, l)| l.to_string()).unwrap_or(e.name.clone());
    e.name = format!("{key}:{local}");
    e.ns = Some(uri.to_string());
    e.ns_decls.push((Some(key.to_string()), uri.to_string()));
    Ok(e)
}

fn set_metadata(
    d: &Domain,
    kind: i32,
    metadata: Option<&str>,
    key: Option<&str>,
    uri: Option<&str>,
    flags: u32,
) -> Result<i32> {
    let api = "virDomainSetMetadata";
    match kind {
        VIR_DOMAIN_METADATA_TITLE | VIR_DOMAIN_METADATA_DESCRIPTION => {
            if uri.is_some() {
                return Err(arg("uri", api, format!("uri in {api} must be NULL")));
            }
            if key.is_some() {
                return Err(arg("key", api, format!("key in {api} must be NULL")));
            }
            if kind == VIR_DOMAIN_METADATA_TITLE && metadata.map(|m| m.contains('\n')).unwrap_or(false) {
                return Err(arg("metadata", api, "metadata title can't contain newlines".into()));
            }
        }
        VIR_DOMAIN_METADATA_ELEMENT => {
            if uri.is_none() {
                return Err(arg("uri", api, format!("uri in {api} must not be NULL")));
            }
            if metadata.is_some() && key.is_none() {
                return Err(arg("key", api, format!("key in {api} must not be NULL")));
            }
        }
        _ => {}
    }
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetMetadata")?;
    let elem = match (kind, metadata) {
        (VIR_DOMAIN_METADATA_ELEMENT, Some(m)) => Some(metadata_elem(m, key.unwrap_or(""), uri.unwrap_or(""))?),
        _ => None,
    };
    with_store(d, |s, u| {
        let o = s.get_mut(&u).expect("checked");
        super::domain::for_defs(o, flags, |def| {
            let text = metadata.filter(|m| !m.is_empty()).map(str::to_string);
            match kind {
                VIR_DOMAIN_METADATA_DESCRIPTION => def.description = text,
                VIR_DOMAIN_METADATA_TITLE => def.title = text,
                VIR_DOMAIN_METADATA_ELEMENT => {
                    def.metadata.retain(|e| e.ns.as_deref() != uri);
                    if let Some(e) = &elem {
                        def.metadata.push(e.clone());
                    }
                }
                _ => {
                    return Err(
                        Error::invalid_arg(format!("unknown metadata type '{kind}'")).from_domain(VIR_FROM_DOMAIN)
                    )
                }
            }
            Ok(())
        })?;
        let domain = o.subject();
        s.events.queue(Event::DomainMetadataChange { domain, kind, nsuri: uri.map(str::to_string) });
        Ok(0)
    })
}

// ----------------------------------------------------------------- rename

fn rename(d: &Domain, new_name: &str, flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainRename")?;
    with_store(d, |s, u| {
        let o = s.get(&u).expect("checked");
        let invalid = |m: &str| test_err(VIR_ERR_OPERATION_INVALID, m);
        if o.active() {
            return Err(invalid("cannot rename active domain"));
        }
        if !o.persistent {
            return Err(invalid("cannot rename a transient domain"));
        }
        if o.state != VIR_DOMAIN_SHUTOFF {
            return Err(invalid("domain has to be shutoff before renaming"));
        }
        let conf_invalid = |m: String| Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_OPERATION_INVALID, m);
        if o.def.name == new_name {
            return Err(conf_invalid("Can't rename domain to itself".into()));
        }
        if s.by_name(new_name).is_some() {
            return Err(conf_invalid(format!("domain with name '{new_name}' already exists")));
        }
        if new_name.contains('/') {
            return Err(test_err(VIR_ERR_XML_ERROR, format!("name {new_name} cannot contain '/'")));
        }
        let old = o.clone();
        s.emit(&old, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_RENAMED);
        s.rename(&u, new_name);
        let o = s.get(&u).expect("renamed").clone();
        s.emit(&o, VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_RENAMED);
        Ok(0)
    })
}

// ------------------------------------------------------ guest stand-ins

/// The guest's mount points the test driver pretends to have.
const MOUNTS: [&str; 2] = ["/", "/boot"];

fn mount_index(m: &str) -> Result<usize> {
    MOUNTS
        .iter()
        .position(|x| *x == m)
        .ok_or_else(|| test_err(VIR_ERR_OPERATION_INVALID, format!("mount point not found: {m}")))
}

fn fs_freeze_thaw(d: &Domain, mounts: &[String], flags: u32, freeze: bool) -> Result<i32> {
    let api = if freeze { "testDomainFSFreeze" } else { "testDomainFSThaw" };
    unsupported_flags(flags, 0, api)?;
    with_obj(d, |o| {
        check_active(o)?;
        let mut state = o.frozen;
        let mut changed = 0;
        let all: Vec<String>;
        let targets = if mounts.is_empty() {
            all = MOUNTS.iter().map(|m| m.to_string()).collect();
            &all
        } else {
            mounts
        };
        for m in targets {
            let i = mount_index(m)?;
            if state[i] != freeze {
                state[i] = freeze;
                changed += 1;
            }
        }
        o.frozen = state;
        Ok(changed)
    })
}

fn fs_trim(d: &Domain, mount: Option<&str>, _minimum: u64, flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainFSTrim")?;
    with_obj(d, |o| {
        check_active(o)?;
        if let Some(m) = mount {
            mount_index(m)?;
        }
        Ok(0)
    })
}

/// The highest keycode each codeset knows (linux, xt, atset1, atset2,
/// atset3, osx, xt_kbd, usb, win32, qnum, rfb).
const KEYCODE_MAX: [u32; 11] = [0x2ff, 0x7f, 0xe07f, 0xe17f, 0xff, 0x7f, 0x17f, 0xe7, 0xfe, 0x17f, 0xff];
const CODESETS: [&str; 11] =
    ["linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum", "rfb"];

fn send_key(d: &Domain, codeset: u32, _hold: u32, keys: &[u32], flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainSendKey")?;
    with_obj(d, |o| {
        check_active(o)?;
        let max = KEYCODE_MAX.get(codeset as usize).copied().unwrap_or(0);
        for k in keys {
            if *k > max || *k == 0 && codeset != 0 {
                let set = CODESETS.get(codeset as usize).copied().unwrap_or("(null)");
                return Err(test_err(VIR_ERR_INTERNAL_ERROR, format!("invalid keycode {k} of {set} codeset")));
            }
        }
        Ok(0)
    })
}

fn send_process_signal(d: &Domain, pid: i64, signum: u32, flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainSendProcessSignal")?;
    if pid != 1 {
        return Err(test_err(VIR_ERR_INVALID_ARG, "only sending a signal to pid 1 is supported"));
    }
    if signum >= VIR_DOMAIN_PROCESS_SIGNAL_LAST as u32 {
        return Err(test_err(VIR_ERR_INVALID_ARG, format!("signum value {signum} is out of range")));
    }
    with_obj(d, |_| Ok(0))
}

fn active_noop(d: &Domain, flags: u32, allowed: u32, api: &str) -> Result<i32> {
    unsupported_flags(flags, allowed, api)?;
    with_obj(d, |o| check_active(o).map(|_| 0))
}

// -------------------------------------------------------------- iothreads

fn iothread_missing(id: u32) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_INVALID_ARG, format!("cannot find IOThread '{id}' in iothreadids list"))
}

fn add_iothread(d: &Domain, id: u32, flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainAddIOThread")?;
    if id == 0 {
        return Err(Error::invalid_arg("invalid value of 0 for iothread_id").from_domain(VIR_FROM_DOMAIN));
    }
    with_obj(d, |o| {
        super::domain::for_defs(o, flags, |def| {
            if def.iothreads.ids.contains(&id) {
                return Err(Error::invalid_arg(format!("an IOThread is already using iothread_id '{id}'"))
                    .from_domain(VIR_FROM_DOMAIN));
            }
            def.iothreads.ids.push(id);
            def.iothreads.explicit = true;
            Ok(())
        })?;
        Ok(0)
    })
}

fn del_iothread(d: &Domain, id: u32, flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainDelIOThread")?;
    with_obj(d, |o| {
        super::domain::for_defs(o, flags, |def| {
            let pos = def.iothreads.ids.iter().position(|x| *x == id).ok_or_else(|| iothread_missing(id))?;
            def.iothreads.ids.remove(pos);
            def.iothreads.pools.retain(|(i, _)| *i != id);
            if let Some(t) = def.cputune.as_mut() {
                t.kids.retain(|k| !(k.name == "iothreadpin" && k.attr("iothread") == Some(&id.to_string())));
            }
            Ok(())
        })?;
        Ok(0)
    })
}

fn pin_iothread(d: &Domain, id: u32, map: &[u8], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainPinIOThread")?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        if !def.iothreads.ids.contains(&id) {
            return Err(iothread_missing(id));
        }
        let cpus: Vec<u32> =
            (0..map.len() * 8).filter(|i| map[i / 8] & (1 << (i % 8)) != 0).map(|i| i as u32).collect();
        if cpus.is_empty() {
            return Err(Error::invalid_arg("Empty iothread cpumap list for pinning").from_domain(VIR_FROM_TEST));
        }
        super::domain_tune::set_pin(def, "iothreadpin", Some(("iothread", id)), &cpus);
        Ok(0)
    })
}

/// libvirt 9.0.0's test driver fails every I/O thread parameter change
/// without saying why; the library then reports its generic error.
fn set_iothread_params(
    d: &Domain,
    id: u32,
    _params: &[crate::core::typed_params::TypedParam],
    flags: u32,
) -> Result<i32> {
    unsupported_flags(flags, LIVE, "testDomainSetIOThreadParams")?;
    with_obj(d, |o| {
        if !o.def.iothreads.ids.contains(&id) {
            return Err(test_err(VIR_ERR_INVALID_ARG, format!("cannot find IOThread '{id}' in iothreadids")));
        }
        let mut e = Error::new(VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR, None);
        e.message = "An error occurred, but the cause is unknown".into();
        Err(e)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.domain_save = Some(|d, to| save(d, to, None, 0));
    a.domain_save_flags = Some(save);
    a.domain_restore = Some(|c, from| restore(c, from, None, 0));
    a.domain_restore_flags = Some(restore);
    a.domain_save_image_get_xml_desc = Some(|_, path, flags| {
        unsupported_flags(flags, VIR_DOMAIN_SAVE_IMAGE_XML_SECURE as u32, "testDomainSaveImageGetXMLDesc")?;
        let def = read_image(path)?;
        Ok(def.format(FormatOpts { id: None, secure: true }))
    });
    a.domain_save_image_define_xml = Some(|_, path, dxml, flags| {
        let allowed = VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED;
        unsupported_flags(flags, allowed as u32, "testDomainSaveImageDefineXML")?;
        read_image(path)?;
        let def = DomainDef::parse(dxml)?;
        write_image(path, &def)?;
        Ok(0)
    });
    a.domain_managed_save = Some(managed_save);
    a.domain_has_managed_save_image = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainHasManagedSaveImage")?;
        with_obj(d, |o| Ok(o.managed_save as i32))
    });
    a.domain_managed_save_remove = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainManagedSaveRemove")?;
        with_obj(d, |o| {
            o.managed_save = false;
            Ok(0)
        })
    });
    a.domain_core_dump = Some(|d, to, flags| core_dump(d, to, VIR_DOMAIN_CORE_DUMP_FORMAT_RAW as u32, flags));
    a.domain_core_dump_with_format = Some(core_dump);
    a.domain_get_metadata = Some(get_metadata);
    a.domain_set_metadata = Some(set_metadata);
    a.domain_rename = Some(rename);
    a.domain_fs_freeze = Some(|d, m, f| fs_freeze_thaw(d, m, f, true));
    a.domain_fs_thaw = Some(|d, m, f| fs_freeze_thaw(d, m, f, false));
    a.domain_fs_trim = Some(fs_trim);
    a.domain_send_key = Some(send_key);
    a.domain_send_process_signal = Some(send_process_signal);
    a.domain_inject_nmi = Some(|d, f| active_noop(d, f, 0, "testDomainInjectNMI"));
    a.domain_set_user_password =
        Some(|d, _, _, f| active_noop(d, f, VIR_DOMAIN_PASSWORD_ENCRYPTED as u32, "testDomainSetUserPassword"));
    a.domain_set_time = Some(|d, secs, nsecs, flags| {
        unsupported_flags(flags, VIR_DOMAIN_TIME_SYNC as u32, "testDomainSetTime")?;
        with_obj(d, |o| {
            check_active(o)?;
            o.time = (secs, nsecs);
            Ok(0)
        })
    });
    a.domain_get_messages = Some(|d, flags| {
        let allowed = VIR_DOMAIN_MESSAGE_DEPRECATION | VIR_DOMAIN_MESSAGE_TAINTING;
        unsupported_flags(flags, allowed as u32, "testDomainGetMessages")?;
        with_obj(d, |_| Ok(Vec::new()))
    });
    a.domain_add_io_thread = Some(add_iothread);
    a.domain_del_io_thread = Some(del_iothread);
    a.domain_pin_io_thread = Some(pin_iothread);
    a.domain_set_io_thread_params = Some(set_iothread_params);
}
