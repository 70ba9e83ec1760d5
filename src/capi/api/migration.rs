//! libvirt-domain.h: the migration entry points. The API-layer checks live
//! in core/migration.rs; no driver performs the migration protocol yet, so
//! a call that passes them fails as unsupported by the driver.

use crate::capi::api::connect::conn;
use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::marshal;
use crate::core::error::{Error, Result};
use crate::core::migration::{check, Api};
use std::os::raw::{c_char, c_int, c_uint, c_ulong};

/// The destination connection of a managed migration: a valid, writable one.
unsafe fn destination<'a>(dconn: virConnectPtr) -> Result<&'a ConnectHandle> {
    // SAFETY: forwarded caller contract; the class check validates it.
    let d = unsafe { conn(dconn) }?;
    d.deny_readonly()?;
    Ok(d)
}

unsafe fn source<'a>(domain: virDomainPtr) -> Result<&'a DomainHandle> {
    // SAFETY: forwarded caller contract (the prologue already checked it).
    unsafe { DomainHandle::check(domain) }
}

/// The checks, then the driver's protocol, which no driver offers yet.
fn migrate(h: &DomainHandle, api: Api, flags: c_ulong, params: &[String]) -> Result<()> {
    check(h.driver_conn()?, api, flags as u32, params)?;
    Err(Error::no_support())
}

pub(crate) unsafe fn virDomainMigrate(
    domain: virDomainPtr,
    dconn: virConnectPtr,
    flags: c_ulong,
    _dname: *const c_char,
    _uri: *const c_char,
    _bandwidth: c_ulong,
) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let (h, _) = unsafe { (source(domain)?, destination(dconn)?) };
    migrate(h, Api::Migrate, flags, &[]).map(|_| std::ptr::null_mut())
}

pub(crate) unsafe fn virDomainMigrate2(
    domain: virDomainPtr,
    dconn: virConnectPtr,
    _dxml: *const c_char,
    flags: c_ulong,
    _dname: *const c_char,
    _uri: *const c_char,
    _bandwidth: c_ulong,
) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let (h, _) = unsafe { (source(domain)?, destination(dconn)?) };
    migrate(h, Api::Migrate2, flags, &[]).map(|_| std::ptr::null_mut())
}

unsafe fn param_names(params: virTypedParameterPtr, nparams: c_uint) -> Result<Vec<String>> {
    let n = c_int::try_from(nparams).map_err(|_| Error::invalid_arg("nparams is too large"))?;
    // SAFETY: the caller passes `nparams` parameters.
    Ok(unsafe { marshal::params_in(params, n) }?.into_iter().map(|p| p.field).collect())
}

pub(crate) unsafe fn virDomainMigrate3(
    domain: virDomainPtr,
    dconn: virConnectPtr,
    params: virTypedParameterPtr,
    nparams: c_uint,
    flags: c_uint,
) -> Result<virDomainPtr> {
    // SAFETY: forwarded caller contract.
    let (h, _) = unsafe { (source(domain)?, destination(dconn)?) };
    // SAFETY: as above.
    let names = unsafe { param_names(params, nparams) }?;
    migrate(h, Api::Migrate3, c_ulong::from(flags), &names).map(|_| std::ptr::null_mut())
}

pub(crate) unsafe fn virDomainMigrateToURI(
    domain: virDomainPtr,
    _duri: *const c_char,
    flags: c_ulong,
    _dname: *const c_char,
    _bandwidth: c_ulong,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { source(domain) }?;
    migrate(h, Api::ToUri, flags, &[]).map(|_| 0)
}

pub(crate) unsafe fn virDomainMigrateToURI2(
    domain: virDomainPtr,
    _dconnuri: *const c_char,
    _miguri: *const c_char,
    _dxml: *const c_char,
    flags: c_ulong,
    _dname: *const c_char,
    _bandwidth: c_ulong,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { source(domain) }?;
    migrate(h, Api::ToUri2, flags, &[]).map(|_| 0)
}

pub(crate) unsafe fn virDomainMigrateToURI3(
    domain: virDomainPtr,
    _dconnuri: *const c_char,
    params: virTypedParameterPtr,
    nparams: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { source(domain) }?;
    // SAFETY: as above.
    let names = unsafe { param_names(params, nparams) }?;
    migrate(h, Api::ToUri3, c_ulong::from(flags), &names).map(|_| 0)
}
