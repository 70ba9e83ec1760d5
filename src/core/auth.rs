//! Credentials a driver asks the application for while opening a
//! connection (`virConnectOpenAuth`'s callback), in a safe form.

/// One credential request and, once answered, its result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    /// A `VIR_CRED_*` type.
    pub kind: i32,
    pub prompt: String,
    pub challenge: Option<String>,
    pub defresult: Option<String>,
    pub result: Option<String>,
}

/// The application's side: which credential types it can answer, and
/// the callback answering a batch of requests.
pub trait Authenticator {
    fn supports(&self, kind: i32) -> bool;
    /// Fills in `result` of each credential; false when the callback failed.
    fn ask(&self, creds: &mut [Credential]) -> bool;
}
