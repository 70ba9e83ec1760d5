//! Calls that pass file descriptors (libvirt-domain.h), the private
//! interfaces of libvirt-qemu and libvirt-lxc, and `virSecretGetValue`.

use crate::capi::api::connect::conn;
use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::marshal;
use crate::capi::strings::{alloc_array, to_c_checked};
use crate::core::error::{Error, Result, DOMAIN_UNSET};
use crate::driver_entry;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_uchar, c_uint};

unsafe fn dom<'a>(p: virDomainPtr) -> Result<&'a DomainHandle> {
    // SAFETY: forwarded caller contract; the class check validates it.
    unsafe { DomainHandle::check(p) }
}

/// A caller's descriptor array (`n` entries, NULL only when `n` is 0).
unsafe fn fds<'a>(p: *const c_int, n: c_uint) -> &'a [i32] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        // SAFETY: the caller passes `n` descriptors.
        unsafe { std::slice::from_raw_parts(p, n as usize) }
    }
}

/// A `malloc`ed copy of `v` for the caller to free.
fn c_fd_array(v: &[i32]) -> Result<*mut c_int> {
    let arr = alloc_array::<c_int>(v.len());
    if arr.is_null() {
        return Err(Error::new(0, VIR_ERR_NO_MEMORY, None));
    }
    // SAFETY: `arr` holds at least v.len() ints.
    unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), arr, v.len()) };
    Ok(arr)
}

pub(crate) unsafe fn virDomainCreateWithFiles(
    domain: virDomainPtr,
    nfiles: c_uint,
    files: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let (h, files) = unsafe { (dom(domain)?, fds(files, nfiles)) };
    driver_entry!(h.driver_conn()?, descriptors.domain_create_with_files)(h.obj(), files, flags)?;
    Ok(0)
}

pub(crate) unsafe fn virDomainCreateXMLWithFiles(
    c: virConnectPtr,
    xml: *const c_char,
    nfiles: c_uint,
    files: *mut c_int,
    flags: c_uint,
) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let (h, files, xml) = unsafe { (conn(c)?, fds(files, nfiles), marshal::text(xml)) };
    let d = driver_entry!(h.conn(), descriptors.domain_create_xml_with_files)(
        h.conn(),
        xml.as_deref().unwrap_or_default(),
        files,
        flags,
    )?;
    Ok(DomainHandle::new_raw(d, c))
}

pub(crate) unsafe fn virDomainFDAssociate(
    domain: virDomainPtr,
    name: *const c_char,
    nfds: c_uint,
    fds_p: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(domain) }?;
    if nfds == 0 {
        return Err(Error::arg_error(
            "nfds",
            "virDomainFDAssociate",
            "nfds in virDomainFDAssociate must not be zero".into(),
        ));
    }
    h.deny_readonly()?;
    // SAFETY: as above.
    let (name, list) = unsafe { (marshal::text(name), fds(fds_p, nfds)) };
    driver_entry!(h.driver_conn()?, descriptors.domain_fd_associate)(
        h.obj(),
        name.as_deref().unwrap_or_default(),
        list,
        flags,
    )?;
    Ok(0)
}

pub(crate) unsafe fn virDomainOpenGraphics(
    dom_p: virDomainPtr,
    idx: c_uint,
    fd: c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(dom_p) }?;
    // SAFETY: fstat only writes the stat buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `fd` is the caller's descriptor (any value is safe to ask about).
    let is_socket = unsafe { libc::fstat(fd, &mut st) } == 0 && st.st_mode & libc::S_IFMT == libc::S_IFSOCK;
    if !is_socket {
        return Err(Error::arg_error("fd", "virDomainOpenGraphics", format!("fd {fd} must be a socket")));
    }
    h.deny_readonly()?;
    driver_entry!(h.driver_conn()?, descriptors.domain_open_graphics)(h.obj(), idx, fd, flags)?;
    Ok(0)
}

pub(crate) unsafe fn virDomainOpenGraphicsFD(dom_p: virDomainPtr, idx: c_uint, flags: c_uint) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(dom_p) }?;
    driver_entry!(h.driver_conn()?, descriptors.domain_open_graphics_fd)(h.obj(), idx, flags)
}

pub(crate) unsafe fn virDomainQemuMonitorCommand(
    domain: virDomainPtr,
    cmd: *const c_char,
    result: *mut *mut c_char,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract (result checked non-NULL by the prologue).
    let (h, cmd) = unsafe { (dom(domain)?, marshal::text(cmd)) };
    let reply = driver_entry!(h.driver_conn()?, descriptors.domain_qemu_monitor_command)(
        h.obj(),
        cmd.as_deref().unwrap_or_default(),
        flags,
    )?;
    let out = to_c_checked(&reply)?;
    // SAFETY: as above.
    unsafe { *result = out };
    Ok(0)
}

#[allow(clippy::too_many_arguments)] // the C signature
pub(crate) unsafe fn virDomainQemuMonitorCommandWithFiles(
    domain: virDomainPtr,
    cmd: *const c_char,
    ninfiles: c_uint,
    infiles: *mut c_int,
    noutfiles: *mut c_uint,
    outfiles: *mut *mut c_int,
    result: *mut *mut c_char,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract (cmd and result checked non-NULL by the prologue).
    let (h, cmd, files) = unsafe { (dom(domain)?, marshal::text(cmd), fds(infiles, ninfiles)) };
    let (reply, out_fds) = driver_entry!(h.driver_conn()?, descriptors.domain_qemu_monitor_command_with_files)(
        h.obj(),
        cmd.as_deref().unwrap_or_default(),
        files,
        flags,
    )?;
    let text = to_c_checked(&reply)?;
    // SAFETY: valid out-pointers per the C contract; the optional ones are checked.
    unsafe {
        if !outfiles.is_null() && !noutfiles.is_null() {
            *outfiles = c_fd_array(&out_fds)?;
            *noutfiles = out_fds.len() as c_uint;
        } else {
            out_fds.iter().for_each(|fd| {
                libc::close(*fd);
            });
        }
        *result = text;
    }
    Ok(0)
}

pub(crate) unsafe fn virDomainQemuAttach(c: virConnectPtr, pid_value: c_uint, flags: c_uint) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if pid_value == 0 {
        return Err(Error::arg_error(
            "pid_value",
            "virDomainQemuAttach",
            "pid_value in virDomainQemuAttach must not be zero".into(),
        ));
    }
    h.deny_readonly()?;
    let d = driver_entry!(h.conn(), descriptors.domain_qemu_attach)(h.conn(), pid_value, flags)?;
    Ok(DomainHandle::new_raw(d, c))
}

pub(crate) unsafe fn virDomainLxcOpenNamespace(
    domain: virDomainPtr,
    fdlist: *mut *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract (fdlist checked non-NULL by the prologue).
    let h = unsafe { dom(domain) }?;
    let v = driver_entry!(h.driver_conn()?, descriptors.domain_lxc_open_namespace)(h.obj(), flags)?;
    let arr = c_fd_array(&v)?;
    // SAFETY: as above.
    unsafe { *fdlist = arr };
    Ok(v.len() as c_int)
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The namespaces a process can enter, in the order libvirt saves them.
const NAMESPACES: &[&str] = &["ipc", "mnt", "net", "pid", "uts"];

/// Enters the namespaces of the calling process given by `fdlist` (from
/// `virDomainLxcOpenNamespace`), optionally saving the current ones first.
pub(crate) unsafe fn virDomainLxcEnterNamespace(
    _domain: virDomainPtr,
    nfdlist: c_uint,
    fdlist: *mut c_int,
    noldfdlist: *mut c_uint,
    oldfdlist: *mut *mut c_int,
    _flags: c_uint,
) -> Result<c_int> {
    if !noldfdlist.is_null() && !oldfdlist.is_null() {
        let mut saved = Vec::new();
        for ns in NAMESPACES {
            let path = std::ffi::CString::new(format!("/proc/self/ns/{ns}")).unwrap_or_default();
            // SAFETY: opening a path read-only; a failure is reported below.
            let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
            if fd < 0 {
                saved.iter().for_each(|fd| {
                    // SAFETY: closing descriptors we opened.
                    unsafe { libc::close(*fd) };
                });
                return Err(Error::system(DOMAIN_UNSET, errno(), format!("Kernel does not provide {ns} namespace")));
            }
            saved.push(fd);
        }
        // SAFETY: valid out-pointers per the check above.
        unsafe {
            *oldfdlist = c_fd_array(&saved)?;
            *noldfdlist = saved.len() as c_uint;
        }
    }
    // SAFETY: the caller passes `nfdlist` descriptors.
    for &fd in unsafe { fds(fdlist, nfdlist) } {
        // SAFETY: setns only reads the descriptor.
        if unsafe { libc::setns(fd, 0) } < 0 {
            return Err(Error::system(DOMAIN_UNSET, errno(), "Unable to join namespace"));
        }
    }
    Ok(0)
}

/// libvirt can enter SELinux and AppArmor labels; this build links
/// neither, so every model is refused the way libvirt refuses an unknown one.
pub(crate) unsafe fn virDomainLxcEnterSecurityLabel(
    model: virSecurityModelPtr,
    _label: virSecurityLabelPtr,
    _oldlabel: virSecurityLabelPtr,
    _flags: c_uint,
) -> Result<c_int> {
    // SAFETY: the prologue checked `model` non-NULL; the field is a fixed buffer.
    let name = unsafe { std::ffi::CStr::from_ptr((*model).model.as_ptr()) }.to_string_lossy().into_owned();
    Err(Error::with_detail(
        DOMAIN_UNSET,
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        format!("Security model {name} cannot be entered"),
    ))
}

pub(crate) unsafe fn virSecretGetValue(
    secret: virSecretPtr,
    value_size: *mut usize,
    flags: c_uint,
) -> Result<*mut c_uchar> {
    // SAFETY: forwarded caller contract (value_size checked non-NULL by the prologue).
    let h = unsafe { SecretHandle::check(secret) }?;
    let v = driver_entry!(h.driver_conn()?, descriptors.secret_get_value)(h.obj(), flags)?;
    let buf = alloc_array::<c_uchar>(v.len());
    if buf.is_null() {
        return Err(Error::new(0, VIR_ERR_NO_MEMORY, None));
    }
    // SAFETY: `buf` holds at least v.len() bytes; value_size is valid.
    unsafe {
        std::ptr::copy_nonoverlapping(v.as_ptr(), buf, v.len());
        *value_size = v.len();
    }
    Ok(buf)
}
