//! Domain jobs and the other queries that fill C structures or buffers:
//! job info and statistics, block job info, guest vCPUs, the security
//! label list and block peeking. The prologue checked the handle and the
//! required pointers.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::marshal;
use crate::capi::strings::{self, alloc_array, null_arg};
use crate::core::error::{Error, Result};
use crate::driver_entry;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_ulonglong, c_void};

unsafe fn dom<'a>(p: virDomainPtr) -> Result<&'a DomainHandle> {
    // SAFETY: forwarded caller contract; check validates the class.
    unsafe { DomainHandle::check(p) }
}

/// The disk argument (non-NULL, checked by the prologue).
unsafe fn disk_arg(disk: *const c_char) -> String {
    // SAFETY: forwarded caller contract.
    unsafe { marshal::text(disk) }.map(|s| s.into_owned()).unwrap_or_default()
}

pub(crate) unsafe fn virDomainGetJobInfo(p: virDomainPtr, info: virDomainJobInfoPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: info checked non-NULL by the prologue; all-zero is its empty value.
    unsafe { std::ptr::write_bytes(info, 0, 1) };
    let j = driver_entry!(h.obj().conn, domain.domain_get_job_info)(h.obj())?;
    let c = j.counters;
    // SAFETY: as above.
    unsafe {
        *info = virDomainJobInfo {
            r#type: j.kind,
            timeElapsed: c[0],
            timeRemaining: c[1],
            dataTotal: c[2],
            dataProcessed: c[3],
            dataRemaining: c[4],
            memTotal: c[5],
            memProcessed: c[6],
            memRemaining: c[7],
            fileTotal: c[8],
            fileProcessed: c[9],
            fileRemaining: c[10],
        }
    };
    Ok(0)
}

pub(crate) unsafe fn virDomainGetJobStats(
    p: virDomainPtr,
    type_: *mut c_int,
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let (kind, v) = driver_entry!(h.obj().conn, domain.domain_get_job_stats)(h.obj(), flags)?;
    // SAFETY: the out-pointers were checked non-NULL by the prologue.
    unsafe {
        *type_ = kind;
        marshal::params_alloc(v, params, nparams)
    }
}

pub(crate) unsafe fn virDomainGetBlockJobInfo(
    p: virDomainPtr,
    disk: *const c_char,
    info: virDomainBlockJobInfoPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: as above.
    let disk = unsafe { disk_arg(disk) };
    // SAFETY: info checked non-NULL by the prologue; all-zero is its empty value.
    unsafe { std::ptr::write_bytes(info, 0, 1) };
    let Some(j) = driver_entry!(h.obj().conn, domain.domain_get_block_job_info)(h.obj(), &disk, flags)? else {
        return Ok(0);
    };
    // SAFETY: as above.
    unsafe {
        *info = virDomainBlockJobInfo { r#type: j.kind, bandwidth: j.bandwidth as c_ulong, cur: j.cur, end: j.end }
    };
    Ok(1)
}

pub(crate) unsafe fn virDomainGetGuestVcpus(
    p: virDomainPtr,
    params: *mut virTypedParameterPtr,
    nparams: *mut c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let v = driver_entry!(h.obj().conn, domain.domain_get_guest_vcpus)(h.obj(), flags)?;
    let mut n: c_int = 0;
    // SAFETY: params checked non-NULL by the prologue; n is local.
    unsafe { marshal::params_alloc(v, params, &mut n) }?;
    // SAFETY: nparams checked non-NULL by the prologue.
    unsafe { *nparams = n as c_uint };
    Ok(0)
}

pub(crate) unsafe fn virDomainGetSecurityLabelList(
    p: virDomainPtr,
    seclabels: *mut virSecurityLabelPtr,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let v = driver_entry!(h.obj().conn, domain.domain_get_security_label_list)(h.obj())?;
    let arr = alloc_array::<virSecurityLabel>(v.len());
    if arr.is_null() {
        return Err(Error::new(VIR_FROM_NONE, VIR_ERR_NO_MEMORY, None));
    }
    for (i, (label, enforcing)) in v.iter().enumerate() {
        // SAFETY: arr holds v.len() zeroed labels.
        let l = unsafe { &mut *arr.add(i) };
        strings::copy_to_buf(label, &mut l.label);
        l.enforcing = *enforcing;
    }
    // SAFETY: seclabels checked non-NULL by the prologue.
    unsafe { *seclabels = arr };
    Ok(v.len() as c_int)
}

pub(crate) unsafe fn virDomainBlockPeek(
    p: virDomainPtr,
    disk: *const c_char,
    offset: c_ulonglong,
    size: usize,
    buffer: *mut c_void,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: as above.
    let disk = unsafe { disk_arg(disk) };
    if size > 0 && buffer.is_null() {
        return Err(null_arg("buffer", "virDomainBlockPeek"));
    }
    let bytes = driver_entry!(h.obj().conn, domain.domain_block_peek)(h.obj(), &disk, offset, size, flags)?;
    let n = bytes.len().min(size);
    // SAFETY: buffer holds size bytes and n <= size.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.cast::<u8>(), n) };
    Ok(0)
}
