//! The application's `virConnectAuth` as the core's `Authenticator`.

use super::generated::types::*;
use crate::core::auth::{Authenticator, Credential};
use std::ffi::CString;
use std::os::raw::{c_char, c_uint};

/// A borrowed `virConnectAuth`, valid for the duration of one open.
pub struct CallbackAuth(*const virConnectAuth);

impl CallbackAuth {
    /// # Safety
    /// `auth` is NULL or points to a `virConnectAuth` that outlives the value.
    pub unsafe fn new(auth: *const virConnectAuth) -> Option<CallbackAuth> {
        (!auth.is_null()).then_some(CallbackAuth(auth))
    }

    fn auth(&self) -> &virConnectAuth {
        // SAFETY: non-NULL and alive, as `new` requires.
        unsafe { &*self.0 }
    }
}

fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

impl Authenticator for CallbackAuth {
    fn supports(&self, kind: i32) -> bool {
        let a = self.auth();
        if a.credtype.is_null() {
            return false;
        }
        // SAFETY: the application passes `ncredtype` types at `credtype`.
        let types = unsafe { std::slice::from_raw_parts(a.credtype, a.ncredtype as usize) };
        types.contains(&kind)
    }

    fn ask(&self, creds: &mut [Credential]) -> bool {
        let Some(cb) = self.auth().cb else { return false };
        // the strings the C array points into live until the end of the call
        let texts: Vec<[Option<CString>; 3]> = creds
            .iter()
            .map(|c| {
                [Some(c_string(&c.prompt)), c.challenge.as_deref().map(c_string), c.defresult.as_deref().map(c_string)]
            })
            .collect();
        let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        let mut raw: Vec<virConnectCredential> = creds
            .iter()
            .zip(&texts)
            .map(|(c, t)| virConnectCredential {
                r#type: c.kind,
                prompt: ptr(&t[0]),
                challenge: ptr(&t[1]),
                defresult: ptr(&t[2]),
                result: std::ptr::null_mut::<c_char>(),
                resultlen: 0,
            })
            .collect();
        // SAFETY: the callback gets an array of `raw.len()` initialised credentials.
        let rc = unsafe { cb(raw.as_mut_ptr(), raw.len() as c_uint, self.auth().cbdata) };
        for (c, r) in creds.iter_mut().zip(&raw) {
            if !r.result.is_null() {
                // SAFETY: the callback stores a malloc'ed buffer of `resultlen` bytes.
                let bytes = unsafe { std::slice::from_raw_parts(r.result as *const u8, r.resultlen as usize) };
                c.result = Some(String::from_utf8_lossy(bytes).into_owned());
                // SAFETY: libvirt's contract: the result is malloc'ed and ours to free.
                unsafe { libc::free(r.result.cast()) };
            }
        }
        rc == 0
    }
}
