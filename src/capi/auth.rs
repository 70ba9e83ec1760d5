//! `virConnectAuthPtrDefault`: the exported default authentication set,
//! which prompts on the terminal.

use super::generated::types::*;
use super::strings;
use std::io::{BufRead, Write};
use std::os::raw::{c_int, c_uint, c_void};

/// The exported pointer; a transparent wrapper so it can be a `static`.
#[repr(transparent)]
pub struct DefaultAuthPtr(pub *const virConnectAuth);
// SAFETY: the pointee is an immutable static.
unsafe impl Sync for DefaultAuthPtr {}

#[repr(transparent)]
pub struct AuthCell(virConnectAuth);
// SAFETY: the structure is never written after initialisation.
unsafe impl Sync for AuthCell {}

static CRED_TYPES: [c_int; 7] = [
    crate::generated::consts::VIR_CRED_AUTHNAME,
    crate::generated::consts::VIR_CRED_ECHOPROMPT,
    crate::generated::consts::VIR_CRED_REALM,
    crate::generated::consts::VIR_CRED_PASSPHRASE,
    crate::generated::consts::VIR_CRED_NOECHOPROMPT,
    crate::generated::consts::VIR_CRED_EXTERNAL,
    crate::generated::consts::VIR_CRED_USERNAME,
];

static DEFAULT_AUTH: AuthCell = AuthCell(virConnectAuth {
    credtype: CRED_TYPES.as_ptr() as *mut c_int,
    ncredtype: CRED_TYPES.len() as c_uint,
    cb: Some(default_auth_cb),
    cbdata: std::ptr::null_mut(),
});

pub const DEFAULT_AUTH_PTR: DefaultAuthPtr = DefaultAuthPtr(&DEFAULT_AUTH.0);

/// Prompts for each credential on the terminal.
unsafe extern "C" fn default_auth_cb(cred: virConnectCredentialPtr, ncred: c_uint, _cbdata: *mut c_void) -> c_int {
    let r = std::panic::catch_unwind(|| {
        for i in 0..ncred as usize {
            // SAFETY: the caller passes an array of `ncred` credentials.
            let c = unsafe { &mut *cred.add(i) };
            // SAFETY: prompt is a C string or NULL, as the struct documents.
            let prompt = unsafe { strings::opt_str(c.prompt) }.map(|p| p.into_owned()).unwrap_or_default();
            eprint!("{prompt}: ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line).is_err() {
                return -1;
            }
            let line = line.trim_end_matches(['\n', '\r']);
            c.result = strings::to_c(line);
            c.resultlen = line.len() as c_uint;
        }
        0
    });
    r.unwrap_or(-1)
}
