//! The `<auth>` users of a custom node file: a connection to such a file
//! must name one of them, and give its password when it has one, through
//! the application's credential callback (`virConnectOpenAuth`).

use crate::core::auth::{Authenticator, Credential};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

/// One `<user password="...">name</user>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    name: String,
    password: Option<String>,
}

/// Every `/node/auth/user`, in document order.
pub fn parse(root: Node) -> Result<Vec<User>> {
    let users = root
        .children()
        .filter(|n| n.has_tag_name("auth"))
        .flat_map(|auth| auth.children().filter(|n| n.has_tag_name("user")));
    users
        .map(|u| {
            let name: String = u.descendants().filter(|t| t.is_text()).filter_map(|t| t.text()).collect();
            if name.is_empty() {
                return Err(Error::with_detail(
                    VIR_FROM_TEST,
                    VIR_ERR_XML_ERROR,
                    "missing username in /node/auth/user field",
                ));
            }
            Ok(User { name, password: u.attribute("password").map(str::to_string) })
        })
        .collect()
}

fn auth_error(detail: &str) -> Error {
    Error::with_detail(VIR_FROM_AUTH, VIR_ERR_AUTH_FAILED, detail)
}

/// Asks one credential of the first supported `kinds`; the callback's
/// failure is reported as `what` request failed, an unanswered request
/// with no cause.
fn ask(auth: &dyn Authenticator, kinds: &[i32], prompt: String, what: &str) -> Result<String> {
    let kind = kinds.iter().copied().find(|k| auth.supports(*k)).ok_or_else(|| {
        let names = kinds.iter().map(|k| cred_name(*k)).collect::<Vec<_>>().join(" or ");
        auth_error(&format!("Missing {names} credential type"))
    })?;
    let mut cred = [Credential { kind, prompt, challenge: Some("localhost".into()), ..Credential::default() }];
    if !auth.ask(&mut cred) {
        return Err(auth_error(&format!("{what} request failed")));
    }
    let [cred] = cred;
    cred.result.ok_or_else(Error::unknown_cause)
}

fn cred_name(kind: i32) -> &'static str {
    match kind {
        VIR_CRED_AUTHNAME => "VIR_CRED_AUTHNAME",
        VIR_CRED_PASSPHRASE => "VIR_CRED_PASSPHRASE",
        _ => "VIR_CRED_NOECHOPROMPT",
    }
}

/// Checks the connection's credentials against `users` (nothing to check
/// when the file lists none).
pub fn authenticate(users: &[User], auth: Option<&dyn Authenticator>) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let Some(auth) = auth else {
        return Err(Error::with_detail(VIR_FROM_AUTH, VIR_ERR_INVALID_ARG, "Missing authentication credentials"));
    };
    let name = ask(auth, &[VIR_CRED_AUTHNAME], "Enter username for localhost".into(), "Username")?;
    let user = users.iter().find(|u| u.name == name);
    if let Some(User { password: None, .. }) = user {
        return Ok(());
    }
    let prompt = format!("Enter {name}'s password for localhost");
    let password = ask(auth, &[VIR_CRED_PASSPHRASE, VIR_CRED_NOECHOPROMPT], prompt, "Password")?;
    match user {
        Some(u) if u.password.as_deref() == Some(password.as_str()) => Ok(()),
        _ => Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_AUTH_FAILED,
            "authentication failed, see test XML for the correct username/password",
        )),
    }
}
