//! RFC 3986 syntax check of connection URIs, as strict as libxml2's
//! `xmlParseURI` (which libvirt uses): a URI is accepted when it is an
//! absolute URI (`scheme:hier-part[?query][#fragment]`) or a relative
//! reference; anything else (spaces, control or non-ASCII characters,
//! brackets outside an IP literal, a bad `%` escape, an empty or too big
//! port...) is refused before any driver sees it.

/// Whether `text` is a URI libxml2 parses.
pub fn is_valid(text: &str) -> bool {
    let b = text.as_bytes();
    absolute(b) || relative(b)
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~".contains(&c)
}

fn is_sub_delim(c: u8) -> bool {
    b"!$&'()*+,;=".contains(&c)
}

/// Length of a `%XX` escape at the start of `b`, if one is there.
fn pct_encoded(b: &[u8]) -> Option<usize> {
    (b.len() >= 3 && b[0] == b'%' && b[1].is_ascii_hexdigit() && b[2].is_ascii_hexdigit()).then_some(3)
}

/// Skips characters that `ok` accepts (and `%XX` escapes); the count of
/// bytes skipped, or `None` at a malformed escape.
fn run(b: &[u8], ok: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            i += pct_encoded(&b[i..])?;
        } else if ok(b[i]) {
            i += 1;
        } else {
            break;
        }
    }
    Some(i)
}

fn is_pchar(c: u8) -> bool {
    is_unreserved(c) || is_sub_delim(c) || c == b':' || c == b'@'
}

/// `*( "/" segment )` and, with `rootless`, a first segment without the
/// slash. `first_colon` tells whether that first segment may hold ':'.
fn path(b: &[u8], first_colon: bool) -> Option<usize> {
    let first = run(b, |c| is_pchar(c) && (first_colon || c != b':'))?;
    let mut i = first;
    while i < b.len() && b[i] == b'/' {
        i += 1;
        i += run(&b[i..], is_pchar)?;
    }
    Some(i)
}

/// `[ "?" query ] [ "#" fragment ]` up to the end of the text.
fn query_fragment(b: &[u8]) -> bool {
    let tail = |c: u8| is_pchar(c) || c == b'/' || c == b'?';
    let mut i = 0;
    if b.first() == Some(&b'?') {
        match run(&b[1..], tail) {
            Some(n) => i = 1 + n,
            None => return false,
        }
    }
    if b.get(i) == Some(&b'#') {
        match run(&b[i + 1..], tail) {
            Some(n) => i += 1 + n,
            None => return false,
        }
    }
    i == b.len()
}

/// `authority`: `[userinfo "@"] host [":" port]`.
fn authority(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    let user = run(b, |c| is_unreserved(c) || is_sub_delim(c) || c == b':')?;
    if b.get(user) == Some(&b'@') {
        i = user + 1;
    }
    if b.get(i) == Some(&b'[') {
        let close = b[i..].iter().position(|&c| c == b']')?;
        i += close + 1;
    } else {
        i += run(&b[i..], |c| is_unreserved(c) || is_sub_delim(c))?;
    }
    if b.get(i) == Some(&b':') {
        i += 1;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let port = std::str::from_utf8(&b[i..i + digits]).ok()?.parse::<u64>().unwrap_or(u64::MAX);
        if port > i32::MAX as u64 {
            return None;
        }
        i += digits;
    }
    Some(i)
}

/// `"//" authority path-abempty`, or a path (absolute, rootless when
/// `rootless_colon` says whether its first segment may contain ':').
fn hier_part(b: &[u8], rootless_colon: bool) -> Option<usize> {
    if let Some(rest) = b.strip_prefix(b"//") {
        let a = authority(rest)?;
        let p = if rest.get(a) == Some(&b'/') { path(&rest[a..], true)? } else { 0 };
        return Some(2 + a + p);
    }
    if b.first() == Some(&b'/') {
        return Some(1 + path(&b[1..], true)?);
    }
    path(b, rootless_colon)
}

fn absolute(b: &[u8]) -> bool {
    let Some(colon) = b.iter().position(|&c| c == b':') else { return false };
    let scheme = &b[..colon];
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme.iter().all(|&c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
    let rest = &b[colon + 1..];
    scheme_ok && hier_part(rest, true).is_some_and(|n| query_fragment(&rest[n..]))
}

fn relative(b: &[u8]) -> bool {
    hier_part(b, false).is_some_and(|n| query_fragment(&b[n..]))
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    /// What libvirt 9.0.0 (libxml2) accepted and refused.
    #[test]
    fn accepts_and_refuses_like_libxml2() {
        let good = [
            "test:///default",
            "test:///def%41ult",
            "test:///default?x#y",
            "test:///default~!$&'()*+,;=:@",
            "test:///default?~!$&'()*+,;=:@/?",
            "test:",
            "test://",
            "test:/default",
            "test:a:b",
            "test://h:0/default",
            "test://[::1]:16509/default",
            "//host/default",
            "vrsbogus",
            "/tmp/x",
            "?x",
            "#f",
            "qemu+ssh://root@host.example:2222/system?keyfile=/k&no_tty=1",
        ];
        let bad = [
            "test:///default\x01:[",
            "test:///def ault",
            "test:///def[ault",
            "test:///def%ault",
            "test:///default?a b",
            "test:///default#a#b",
            "test://ho st/default",
            "test://[::1/default",
            "test://h:abc/default",
            "test://h:/default",
            "test://h:2147483648/default",
            "test://u@h@x/default",
            "te_st:///default",
            "1test:///default",
            ":///default",
            "test:///d\u{e9}fault",
            "test:%zz",
            "test:///default?%",
            "test://[::1]x/default",
            "a b",
        ];
        for u in good {
            assert!(is_valid(u), "{u:?} should parse");
        }
        for u in bad {
            assert!(!is_valid(u), "{u:?} should be refused");
        }
    }
}
