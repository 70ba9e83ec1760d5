//! UUIDs in libvirt's raw (16 bytes) and string forms.

pub type Uuid = [u8; 16];

/// Formats as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn format(u: &Uuid) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parses libvirt's accepted spellings: 32 hex digits, optionally split by
/// dashes or spaces anywhere between byte pairs, with surrounding blanks.
pub fn parse(text: &str) -> Option<Uuid> {
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut chars = text.trim_start().chars().peekable();
    while n < 16 {
        match chars.peek() {
            Some('-') | Some(' ') if n > 0 => {
                chars.next();
                continue;
            }
            _ => {}
        }
        let hi = chars.next()?.to_digit(16)?;
        let lo = chars.next()?.to_digit(16)?;
        out[n] = (hi * 16 + lo) as u8;
        n += 1;
    }
    if chars.all(|c| c.is_whitespace()) {
        Some(out)
    } else {
        None
    }
}

/// A random (version 4) UUID.
pub fn generate() -> Uuid {
    let mut u = [0u8; 16];
    crate::util::random::fill(&mut u);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let s = "6695eb01-f6a4-8304-79aa-97f2502e193f";
        let u = super::parse(s).unwrap();
        assert_eq!(super::format(&u), s);
        assert!(super::parse("6695eb01f6a4830479aa97f2502e193f").is_some());
        assert!(super::parse("6695eb01-f6a4-8304-79aa-97f2502e193").is_none());
        assert!(super::parse("zz95eb01-f6a4-8304-79aa-97f2502e193f").is_none());
    }
}
