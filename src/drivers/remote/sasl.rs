//! SASL authentication with the daemon (`REMOTE_AUTH_SASL`): the
//! mechanism list, the start and the steps, with our own client side of
//! SCRAM-SHA-256, SCRAM-SHA-1, DIGEST-MD5 (authentication only) and PLAIN.
//! Credentials come from the application's callback, asked as libvirt
//! asks them (authentication name, then password, in one call).
//!
//! None of these mechanisms gives a security layer of its own, so they
//! are used where the transport already protects the data (TLS, UNIX
//! sockets); over plain TCP the daemon requires an encrypting mechanism,
//! which is refused here as no mechanism being available.

use super::client::{Client, REMOTE};
use super::generated::proc;
use super::sasl_layer::{self, Direction, Switch};
use super::wire::decode_failed;
use crate::core::auth::{Authenticator, Credential};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use crate::util::xdr::{Decoder, Encoder, XdrResult};
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::sign::Signer;

fn auth_failed(domain: i32, detail: impl AsRef<str>) -> Error {
    Error::with_detail(domain, VIR_ERR_AUTH_FAILED, detail)
}

fn no_mechanism() -> Error {
    auth_failed(
        VIR_FROM_RPC,
        "Failed to start SASL negotiation: -4 (SASL(-4): no mechanism available: No worthy mechs found)",
    )
}

fn crypto_error(e: openssl::error::ErrorStack) -> Error {
    auth_failed(VIR_FROM_RPC, format!("Failed to start SASL negotiation: {e}"))
}

/// The mechanisms we speak, best first.
const PREFERENCE: &[&str] = &["SCRAM-SHA-256", "SCRAM-SHA-1", "DIGEST-MD5", "PLAIN"];

/// What one exchange with the daemon needs from the mechanism.
pub trait Mechanism {
    fn name(&self) -> &'static str;
    /// The initial response, if the mechanism sends one.
    fn start(&mut self) -> Result<Option<Vec<u8>>>;
    /// The answer to a server challenge.
    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>>;
    /// Whether the exchange is over once the server said it is, given its last data.
    fn finish(&mut self, data: &[u8]) -> Result<()>;
    /// The security layer negotiated, if any (both directions' keys).
    fn layer(&mut self) -> Option<(Direction, Direction)> {
        None
    }
}

/// The user name and password, from the application's callback.
struct Secret {
    user: String,
    password: String,
}

fn credential(kind: i32, prompt: &str, challenge: &str) -> Credential {
    Credential { kind, prompt: prompt.into(), challenge: Some(challenge.into()), ..Credential::default() }
}

fn ask_secret(auth: &dyn Authenticator) -> Result<Secret> {
    let mut creds = [
        credential(VIR_CRED_AUTHNAME, "Please enter your authentication name", "Authentication Name"),
        credential(VIR_CRED_PASSPHRASE, "Please enter your password", "Password"),
    ];
    if !auth.ask(&mut creds) {
        return Err(auth_failed(VIR_FROM_REMOTE, "Failed to collect auth credentials"));
    }
    let [user, password] = creds.map(|c| c.result.unwrap_or_default());
    Ok(Secret { user, password })
}

/// Picks the mechanism from the daemon's list and asks for the
/// credentials it needs. Without `encrypted` transport only a mechanism
/// with a confidentiality layer will do (DIGEST-MD5's).
pub fn choose(
    mechlist: &str,
    auth: Option<&dyn Authenticator>,
    encrypted: bool,
    host: &str,
) -> Result<Box<dyn Mechanism>> {
    let offered: Vec<String> = mechlist.split([',', ' ']).filter(|m| !m.is_empty()).map(str::to_uppercase).collect();
    let auth = auth.filter(|a| a.supports(VIR_CRED_AUTHNAME) && a.supports(VIR_CRED_PASSPHRASE));
    let Some(auth) = auth else { return Err(no_mechanism()) };
    let usable = |m: &&&str| encrypted || **m == "DIGEST-MD5";
    let name = PREFERENCE.iter().filter(usable).find(|p| offered.iter().any(|o| o == *p)).ok_or_else(no_mechanism)?;
    let secret = ask_secret(auth)?;
    Ok(match *name {
        "SCRAM-SHA-256" => Box::new(Scram::new("SCRAM-SHA-256", MessageDigest::sha256(), secret)?),
        "SCRAM-SHA-1" => Box::new(Scram::new("SCRAM-SHA-1", MessageDigest::sha1(), secret)?),
        "DIGEST-MD5" => Box::new(DigestMd5 {
            secret,
            host: host.to_string(),
            conf: !encrypted,
            done: false,
            ha1: Vec::new(),
            rspauth: String::new(),
        }),
        _ => Box::new(Plain { secret }),
    })
}

/// Longest SASL data the protocol carries.
const DATA_MAX: u32 = 65536;

/// SASL data travels as an XDR array of `char`, four bytes each.
fn put_data(e: &mut Encoder, data: Option<&[u8]>) {
    e.i32(i32::from(data.is_none()));
    let data = data.unwrap_or_default();
    e.u32(data.len() as u32);
    for b in data {
        e.i32(i32::from(*b as i8));
    }
}

/// A start or step reply: whether the server is done, and its data.
fn get_reply(payload: &[u8]) -> Result<(bool, Vec<u8>)> {
    let parse = || -> XdrResult<(bool, Vec<u8>)> {
        let mut d = Decoder::new(payload);
        let complete = d.i32()? != 0;
        let _nil = d.i32()?;
        let n = d.count(DATA_MAX, 4)?;
        let data = (0..n).map(|_| d.i32().map(|c| c as u8)).collect::<XdrResult<Vec<u8>>>()?;
        Ok((complete, data))
    };
    parse().map_err(decode_failed)
}

/// The whole negotiation on a connected client. `layer` is the switch of
/// the relay of a transport that does not protect the data (TCP): a
/// confidentiality layer is then required and switched on at the end.
pub fn authenticate(
    client: &Client,
    auth: Option<&dyn Authenticator>,
    host: &str,
    layer: Option<&Switch>,
) -> Result<bool> {
    let reply = client.call(REMOTE, proc::AUTH_SASL_INIT, |_| {})?;
    let mechlist = Decoder::new(&reply).string(DATA_MAX).map_err(decode_failed)?;
    let mut mech = choose(&mechlist, auth, layer.is_none(), host)?;
    let initial = mech.start()?;
    let reply = client.call(REMOTE, proc::AUTH_SASL_START, |e| {
        e.string(mech.name());
        put_data(e, initial.as_deref());
    })?;
    let (mut complete, mut data) = get_reply(&reply)?;
    while !complete {
        let answer = mech.step(&data)?;
        let reply = client.call(REMOTE, proc::AUTH_SASL_STEP, |e| put_data(e, Some(&answer)))?;
        (complete, data) = get_reply(&reply)?;
    }
    mech.finish(&data)?;
    if let Some(switch) = layer {
        let keys = mech.layer().ok_or_else(|| auth_failed(VIR_FROM_RPC, "negotiation SSF 0 was not strong enough"))?;
        switch.engage(keys);
    }
    Ok(layer.is_some())
}

fn nonce() -> Result<String> {
    let mut raw = [0u8; 24];
    openssl::rand::rand_bytes(&mut raw).map_err(crypto_error)?;
    Ok(openssl::base64::encode_block(&raw))
}

fn hmac(md: MessageDigest, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let key = PKey::hmac(key).map_err(crypto_error)?;
    let mut s = Signer::new(md, &key).map_err(crypto_error)?;
    s.update(data).map_err(crypto_error)?;
    s.sign_to_vec().map_err(crypto_error)
}

fn digest(md: MessageDigest, data: &[u8]) -> Result<Vec<u8>> {
    Ok(hash(md, data).map_err(crypto_error)?.to_vec())
}

fn bad_server_data(what: &str) -> Error {
    auth_failed(VIR_FROM_RPC, format!("Failed to step SASL negotiation: -1 (SASL(-1): generic failure: {what})"))
}

/// RFC 5802's SCRAM, without channel binding.
struct Scram {
    name: &'static str,
    md: MessageDigest,
    secret: Secret,
    nonce: String,
    client_first_bare: String,
    server_signature: Vec<u8>,
}

impl Scram {
    fn new(name: &'static str, md: MessageDigest, secret: Secret) -> Result<Scram> {
        Ok(Scram { name, md, secret, nonce: nonce()?, client_first_bare: String::new(), server_signature: Vec::new() })
    }
}

fn scram_name(s: &str) -> String {
    s.replace('=', "=3D").replace(',', "=2C")
}

fn attributes(msg: &str) -> impl Iterator<Item = (&str, &str)> {
    msg.split(',').filter_map(|a| a.split_once('='))
}

impl Mechanism for Scram {
    fn name(&self) -> &'static str {
        self.name
    }

    fn start(&mut self) -> Result<Option<Vec<u8>>> {
        self.client_first_bare = format!("n={},r={}", scram_name(&self.secret.user), self.nonce);
        Ok(Some(format!("n,,{}", self.client_first_bare).into_bytes()))
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>> {
        let server_first = String::from_utf8_lossy(challenge).into_owned();
        let (mut r, mut s, mut i) = (None, None, None);
        for (k, v) in attributes(&server_first) {
            match k {
                "r" => r = Some(v),
                "s" => s = Some(v),
                "i" => i = v.parse::<usize>().ok(),
                _ => {}
            }
        }
        let (Some(r), Some(s), Some(i)) = (r, s, i) else {
            return Err(bad_server_data("invalid server-first-message"));
        };
        if !r.starts_with(&self.nonce) {
            return Err(bad_server_data("nonce mismatch"));
        }
        let salt = openssl::base64::decode_block(s).map_err(|_| bad_server_data("invalid salt"))?;
        let mut salted = vec![0u8; self.md.size()];
        openssl::pkcs5::pbkdf2_hmac(self.secret.password.as_bytes(), &salt, i, self.md, &mut salted)
            .map_err(crypto_error)?;
        let client_key = hmac(self.md, &salted, b"Client Key")?;
        let stored_key = digest(self.md, &client_key)?;
        let without_proof = format!("c=biws,r={r}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac(self.md, &stored_key, auth_message.as_bytes())?;
        let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        let server_key = hmac(self.md, &salted, b"Server Key")?;
        self.server_signature = hmac(self.md, &server_key, auth_message.as_bytes())?;
        Ok(format!("{without_proof},p={}", openssl::base64::encode_block(&proof)).into_bytes())
    }

    fn finish(&mut self, data: &[u8]) -> Result<()> {
        let text = String::from_utf8_lossy(data);
        let verifier = attributes(&text).find(|(k, _)| *k == "v").map(|(_, v)| v.to_string());
        match verifier.and_then(|v| openssl::base64::decode_block(&v).ok()) {
            Some(v) if v == self.server_signature => Ok(()),
            _ => Err(bad_server_data("server signature mismatch")),
        }
    }
}

/// RFC 2831's DIGEST-MD5: `qop=auth`, or `auth-conf` with the rc4 cipher
/// when the transport needs the confidentiality layer.
struct DigestMd5 {
    secret: Secret,
    host: String,
    conf: bool,
    done: bool,
    /// H(A1), the layer's key material.
    ha1: Vec<u8>,
    /// The `rspauth` proving the server knows the password too.
    rspauth: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `key=value` and `key="value"` pairs of a challenge.
fn digest_fields(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.push((key, value));
        rest = tail.trim_start_matches([',', ' ']);
    }
    out
}

impl Mechanism for DigestMd5 {
    fn name(&self) -> &'static str {
        "DIGEST-MD5"
    }

    fn start(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>> {
        if self.done {
            self.check_rspauth(challenge)?;
            return Ok(Vec::new());
        }
        let fields = digest_fields(&String::from_utf8_lossy(challenge));
        let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let nonce = field("nonce").ok_or_else(|| bad_server_data("no nonce in the challenge"))?;
        let realm = field("realm").unwrap_or_default();
        let cnonce = nonce_hex()?;
        let uri = format!("libvirt/{}", self.host);
        let (qop, a2_tail, cipher) = if self.conf {
            let offers = field("cipher").unwrap_or_default();
            if !field("qop").unwrap_or_default().split(',').any(|q| q.trim() == "auth-conf")
                || !offers.split(',').any(|c| c.trim() == "rc4")
            {
                return Err(bad_server_data("no usable security layer offered"));
            }
            ("auth-conf", ":00000000000000000000000000000000", ",cipher=rc4,maxbuf=65536")
        } else {
            ("auth", "", "")
        };
        let md5 = MessageDigest::md5();
        let inner = digest(md5, format!("{}:{realm}:{}", self.secret.user, self.secret.password).as_bytes())?;
        let mut a1 = inner;
        a1.extend_from_slice(format!(":{nonce}:{cnonce}").as_bytes());
        self.ha1 = digest(md5, &a1)?;
        let ha1 = hex(&self.ha1);
        let ha2 = hex(&digest(md5, format!("AUTHENTICATE:{uri}{a2_tail}").as_bytes())?);
        let response = hex(&digest(md5, format!("{ha1}:{nonce}:00000001:{cnonce}:{qop}:{ha2}").as_bytes())?);
        let ha2_server = hex(&digest(md5, format!(":{uri}{a2_tail}").as_bytes())?);
        self.rspauth = hex(&digest(md5, format!("{ha1}:{nonce}:00000001:{cnonce}:{qop}:{ha2_server}").as_bytes())?);
        self.done = true;
        Ok(format!(
            "username=\"{}\",realm=\"{realm}\",nonce=\"{nonce}\",cnonce=\"{cnonce}\",nc=00000001,qop={qop},\
             digest-uri=\"{uri}\",response={response},charset=utf-8{cipher}",
            self.secret.user
        )
        .into_bytes())
    }

    fn layer(&mut self) -> Option<(Direction, Direction)> {
        self.conf.then(|| sasl_layer::keys(&self.ha1))
    }

    fn finish(&mut self, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.check_rspauth(data)
    }
}

impl DigestMd5 {
    fn check_rspauth(&self, data: &[u8]) -> Result<()> {
        let fields = digest_fields(&String::from_utf8_lossy(data));
        match fields.iter().find(|(k, _)| k == "rspauth") {
            Some((_, v)) if *v == self.rspauth => Ok(()),
            _ => Err(bad_server_data("server authentication failed")),
        }
    }
}

fn nonce_hex() -> Result<String> {
    let mut raw = [0u8; 16];
    openssl::rand::rand_bytes(&mut raw).map_err(crypto_error)?;
    Ok(hex(&raw))
}

/// RFC 4616's PLAIN.
struct Plain {
    secret: Secret,
}

impl Mechanism for Plain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }

    fn start(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(Some(format!("\0{}\0{}", self.secret.user, self.secret.password).into_bytes()))
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }

    fn finish(&mut self, _data: &[u8]) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_sha1_matches_rfc5802() {
        let secret = Secret { user: "user".into(), password: "pencil".into() };
        let mut m = Scram::new("SCRAM-SHA-1", MessageDigest::sha1(), secret).unwrap();
        m.nonce = "fyko+d2lbbFgONRv9qkxdawL".into();
        assert_eq!(m.start().unwrap().unwrap(), b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        let out = m.step(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        assert!(m.finish(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").is_ok());
        assert!(m.finish(b"v=AAAA").is_err());
    }

    #[test]
    fn digest_challenge_fields() {
        let f = digest_fields("realm=\"vm\",nonce=\"a\\\"b\",qop=\"auth,auth-int\",charset=utf-8,algorithm=md5-sess");
        assert_eq!(f[0], ("realm".into(), "vm".into()));
        assert_eq!(f[1], ("nonce".into(), "a\"b".into()));
        assert_eq!(f[2], ("qop".into(), "auth,auth-int".into()));
        assert_eq!(f[4], ("algorithm".into(), "md5-sess".into()));
    }
}
