//! libvirt-domain.h: domain lookup, listing, definition and lifecycle.

use crate::capi::api::connect::conn;
use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::strings::{self, null_arg, req_str, to_c_checked};
use crate::core::driver::Destroy;
use crate::core::error::{Error, Result};
use crate::core::{uuid, Domain};
use crate::driver_entry;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_uchar, c_uint, c_ulong};

unsafe fn dom<'a>(p: virDomainPtr) -> Result<&'a DomainHandle> {
    // SAFETY: forwarded caller contract; check validates the class.
    unsafe { DomainHandle::check(p) }
}

fn wrap(d: Domain, c: *mut ConnectHandle) -> virDomainPtr {
    DomainHandle::new_raw(d, c)
}

pub(crate) unsafe fn virDomainLookupByID(c: virConnectPtr, id: c_int) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if id < 0 {
        return Err(Error::negative_arg("id", "virDomainLookupByID"));
    }
    Ok(wrap(driver_entry!(h.conn(), domain.domain_lookup_by_id)(h.conn(), id)?, c))
}

pub(crate) unsafe fn virDomainLookupByName(c: virConnectPtr, name: *const c_char) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: name is NULL or a C string.
    let name = unsafe { req_str(name, "name", "virDomainLookupByName") }?;
    Ok(wrap(driver_entry!(h.conn(), domain.domain_lookup_by_name)(h.conn(), &name)?, c))
}

pub(crate) unsafe fn virDomainLookupByUUID(c: virConnectPtr, u: *const c_uchar) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if u.is_null() {
        return Err(null_arg("uuid", "virDomainLookupByUUID"));
    }
    let mut raw = [0u8; 16];
    // SAFETY: the caller passes VIR_UUID_BUFLEN bytes.
    unsafe { std::ptr::copy_nonoverlapping(u, raw.as_mut_ptr(), 16) };
    Ok(wrap(driver_entry!(h.conn(), domain.domain_lookup_by_uuid)(h.conn(), &raw)?, c))
}

pub(crate) unsafe fn virDomainLookupByUUIDString(c: virConnectPtr, s: *const c_char) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: s is NULL or a C string.
    let text = unsafe { req_str(s, "uuidstr", "virDomainLookupByUUIDString") }?;
    let raw = uuid::parse(&text)
        .ok_or_else(|| Error::arg_error("uuidstr", "virDomainLookupByUUIDString", "Invalid UUID".into()))?;
    Ok(wrap(driver_entry!(h.conn(), domain.domain_lookup_by_uuid)(h.conn(), &raw)?, c))
}

pub(crate) unsafe fn virConnectNumOfDomains(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    driver_entry!(h.conn(), domain.connect_num_of_domains)(h.conn())
}

pub(crate) unsafe fn virConnectNumOfDefinedDomains(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    driver_entry!(h.conn(), domain.connect_num_of_defined_domains)(h.conn())
}

pub(crate) unsafe fn virConnectListDomains(c: virConnectPtr, ids: *mut c_int, maxids: c_int) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if ids.is_null() && maxids > 0 {
        return Err(null_arg("ids", "virConnectListDomains"));
    }
    if maxids < 0 {
        return Err(Error::negative_arg("maxids", "virConnectListDomains"));
    }
    let list = driver_entry!(h.conn(), domain.connect_list_domains)(h.conn(), maxids)?;
    let n = list.len().min(maxids as usize);
    for (i, id) in list.iter().take(n).enumerate() {
        // SAFETY: the caller's array holds maxids entries and i < maxids.
        unsafe { *ids.add(i) = *id };
    }
    Ok(n as c_int)
}

pub(crate) unsafe fn virConnectListDefinedDomains(
    c: virConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if names.is_null() && maxnames > 0 {
        return Err(null_arg("names", "virConnectListDefinedDomains"));
    }
    if maxnames < 0 {
        return Err(Error::negative_arg("maxnames", "virConnectListDefinedDomains"));
    }
    let list = driver_entry!(h.conn(), domain.connect_list_defined_domains)(h.conn(), maxnames)?;
    let n = list.len().min(maxnames as usize);
    for (i, name) in list.iter().take(n).enumerate() {
        // SAFETY: the caller's array holds maxnames entries and i < maxnames.
        unsafe { *names.add(i) = strings::to_c(name) };
    }
    Ok(n as c_int)
}

pub(crate) unsafe fn virConnectListAllDomains(
    c: virConnectPtr,
    domains: *mut *mut virDomainPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    let list = driver_entry!(h.conn(), domain.connect_list_all_domains)(h.conn(), flags)?;
    let n = list.len();
    if !domains.is_null() {
        let arr = strings::alloc_array::<virDomainPtr>(n + 1);
        for (i, d) in list.into_iter().enumerate() {
            // SAFETY: arr holds n + 1 slots.
            unsafe { *arr.add(i) = wrap(d, c) };
        }
        // SAFETY: domains is a non-NULL out pointer.
        unsafe { *domains = arr };
    }
    Ok(n as c_int)
}

unsafe fn define_like(
    c: virConnectPtr,
    xml: *const c_char,
    flags: c_uint,
    api: &str,
    create: bool,
) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: xml is NULL or a C string.
    let xml = unsafe { req_str(xml, "xmlDesc", api) }?;
    let d = if create {
        driver_entry!(h.conn(), domain.domain_create_xml)(h.conn(), &xml, flags)?
    } else {
        driver_entry!(h.conn(), domain.domain_define_xml)(h.conn(), &xml, flags)?
    };
    Ok(wrap(d, c))
}

pub(crate) unsafe fn virDomainCreateXML(c: virConnectPtr, xml: *const c_char, flags: c_uint) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    unsafe { define_like(c, xml, flags, "virDomainCreateXML", true) }
}

pub(crate) unsafe fn virDomainDefineXML(c: virConnectPtr, xml: *const c_char) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    unsafe { define_like(c, xml, 0, "virDomainDefineXML", false) }
}

pub(crate) unsafe fn virDomainDefineXMLFlags(
    c: virConnectPtr,
    xml: *const c_char,
    flags: c_uint,
) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    unsafe { define_like(c, xml, flags, "virDomainDefineXMLFlags", false) }
}

/// A domain operation: check the handle, then call the driver entry (the
/// generated prologue has already refused read-only connections).
macro_rules! domain_op {
    ($fn:ident ( $($arg:ident : $ty:ty),* ), |$h:ident| $body:expr) => {
        pub(crate) unsafe fn $fn(p: virDomainPtr $(, $arg: $ty)*) -> Result<c_int> {
            // SAFETY: forwarded caller contract.
            let $h = unsafe { dom(p) }?;
            $body?;
            Ok(0)
        }
    };
}

domain_op!(virDomainUndefine(), |h| driver_entry!(h.obj().conn, domain.domain_undefine)(h.obj(), 0));
domain_op!(virDomainUndefineFlags(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_undefine)(h.obj(), flags));
domain_op!(virDomainCreate(), |h| driver_entry!(h.obj().conn, domain.domain_create)(h.obj(), 0));
domain_op!(virDomainCreateWithFlags(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_create)(h.obj(), flags));
domain_op!(virDomainDestroy(), |h| driver_entry!(h.obj().conn, domain.domain_destroy)(h.obj(), Destroy::Plain));
domain_op!(virDomainDestroyFlags(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_destroy)(h.obj(), Destroy::Flags(flags)));
domain_op!(virDomainSuspend(), |h| driver_entry!(h.obj().conn, domain.domain_suspend)(h.obj()));
domain_op!(virDomainResume(), |h| driver_entry!(h.obj().conn, domain.domain_resume)(h.obj()));
domain_op!(virDomainShutdown(), |h| driver_entry!(h.obj().conn, domain.domain_shutdown)(h.obj(), 0));
domain_op!(virDomainShutdownFlags(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_shutdown)(h.obj(), flags));
domain_op!(virDomainReboot(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_reboot)(h.obj(), flags));
domain_op!(virDomainReset(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_reset)(h.obj(), flags));
domain_op!(virDomainSetMaxMemory(memory: c_ulong), |h| driver_entry!(h.obj().conn, domain.domain_set_max_memory)(h.obj(), memory as u64));
domain_op!(virDomainSetMemory(memory: c_ulong), |h| driver_entry!(h.obj().conn, domain.domain_set_memory)(h.obj(), memory as u64, VIR_DOMAIN_AFFECT_LIVE as c_uint));
domain_op!(virDomainSetMemoryFlags(memory: c_ulong, flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_set_memory)(h.obj(), memory as u64, flags));
domain_op!(virDomainSetAutostart(autostart: c_int), |h| driver_entry!(h.obj().conn, domain.domain_set_autostart)(h.obj(), autostart != 0));

pub(crate) unsafe fn virDomainGetInfo(p: virDomainPtr, info: virDomainInfoPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    if info.is_null() {
        return Err(null_arg("info", "virDomainGetInfo"));
    }
    let i = driver_entry!(h.obj().conn, domain.domain_get_info)(h.obj())?;
    // SAFETY: info is a non-NULL out pointer to a virDomainInfo.
    unsafe {
        *info = virDomainInfo {
            state: i.state as c_uchar,
            maxMem: i.max_mem_kib as c_ulong,
            memory: i.memory_kib as c_ulong,
            nrVirtCpu: i.nr_virt_cpu,
            cpuTime: i.cpu_time_ns,
        }
    };
    Ok(0)
}

pub(crate) unsafe fn virDomainGetState(
    p: virDomainPtr,
    state: *mut c_int,
    reason: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    if state.is_null() {
        return Err(null_arg("state", "virDomainGetState"));
    }
    let (s, r) = driver_entry!(h.obj().conn, domain.domain_get_state)(h.obj(), flags)?;
    // SAFETY: state is non-NULL; reason is optional.
    unsafe {
        *state = s;
        if !reason.is_null() {
            *reason = r;
        }
    }
    Ok(0)
}

/// A domain query returning a string the caller frees.
macro_rules! domain_string {
    ($fn:ident ( $($arg:ident : $ty:ty),* ), |$h:ident| $body:expr) => {
        pub(crate) unsafe fn $fn(p: virDomainPtr $(, $arg: $ty)*) -> Result<*mut c_char> {
            // SAFETY: forwarded caller contract.
            let $h = unsafe { dom(p) }?;
            to_c_checked(&$body?)
        }
    };
}

domain_string!(virDomainGetXMLDesc(flags: c_uint), |h| {
    if flags & VIR_DOMAIN_XML_SECURE as c_uint != 0 && h.obj().conn.is_readonly() {
        Err(Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_OPERATION_DENIED, "virDomainGetXMLDesc with secure flag"))
    } else {
        driver_entry!(h.obj().conn, domain.domain_get_xml_desc)(h.obj(), flags)
    }
});
domain_string!(virDomainGetOSType(), |h| driver_entry!(h.obj().conn, domain.domain_get_os_type)(h.obj()));
domain_string!(virDomainGetHostname(flags: c_uint), |h| driver_entry!(h.obj().conn, domain.domain_get_hostname)(h.obj(), flags));

pub(crate) unsafe fn virDomainGetMaxMemory(p: virDomainPtr) -> Result<c_ulong> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    Ok(driver_entry!(h.obj().conn, domain.domain_get_max_memory)(h.obj())? as c_ulong)
}

pub(crate) unsafe fn virDomainGetAutostart(p: virDomainPtr, autostart: *mut c_int) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    if autostart.is_null() {
        return Err(null_arg("autostart", "virDomainGetAutostart"));
    }
    let v = driver_entry!(h.obj().conn, domain.domain_get_autostart)(h.obj())?;
    // SAFETY: non-NULL out pointer.
    unsafe { *autostart = v as c_int };
    Ok(0)
}

/// A yes/no domain query.
macro_rules! domain_bool {
    ($fn:ident, $slot:ident) => {
        pub(crate) unsafe fn $fn(p: virDomainPtr) -> Result<c_int> {
            // SAFETY: forwarded caller contract.
            let h = unsafe { dom(p) }?;
            Ok(driver_entry!(h.obj().conn, domain.$slot)(h.obj())? as c_int)
        }
    };
}

domain_bool!(virDomainIsActive, domain_is_active);
domain_bool!(virDomainIsPersistent, domain_is_persistent);
domain_bool!(virDomainIsUpdated, domain_is_updated);

pub(crate) unsafe fn virDomainGetVcpusFlags(p: virDomainPtr, flags: c_uint) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    driver_entry!(h.obj().conn, domain.domain_get_vcpus_flags)(h.obj(), flags)
}

pub(crate) unsafe fn virDomainGetMaxVcpus(p: virDomainPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let flags = (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM) as c_uint;
    driver_entry!(h.obj().conn, domain.domain_get_vcpus_flags)(h.obj(), flags)
}
