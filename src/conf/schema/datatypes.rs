//! The datatypes the schemas use: RelaxNG's own `string` and `token`, and
//! the XML Schema types with the facets libvirt's schemas put on them.

use super::regex::Regex;

/// Collapses runs of blanks to one space and trims the ends.
pub fn normalize(s: &str) -> String {
    s.split([' ', '\t', '\n', '\r']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

fn integer(s: &str) -> Option<i128> {
    let t = trim(s);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i128 = digits
        .trim_start_matches('0')
        .parse()
        .or_else(|_| if digits.bytes().all(|b| b == b'0') { Ok(0) } else { Err(()) })
        .ok()?;
    Some(if t.starts_with('-') { -v } else { v })
}

fn range(t: &str) -> Option<(i128, i128)> {
    Some(match t {
        "integer" => (i128::MIN, i128::MAX),
        "long" => (i64::MIN as i128, i64::MAX as i128),
        "int" => (i32::MIN as i128, i32::MAX as i128),
        "short" => (i16::MIN as i128, i16::MAX as i128),
        "byte" => (i8::MIN as i128, i8::MAX as i128),
        "unsignedLong" => (0, u64::MAX as i128),
        "unsignedInt" => (0, u32::MAX as i128),
        "unsignedShort" => (0, u16::MAX as i128),
        "unsignedByte" => (0, u8::MAX as i128),
        "nonNegativeInteger" => (0, i128::MAX),
        "positiveInteger" => (1, i128::MAX),
        "nonPositiveInteger" => (i128::MIN, 0),
        "negativeInteger" => (i128::MIN, -1),
        _ => return None,
    })
}

fn double(s: &str) -> bool {
    let t = trim(s);
    if matches!(t, "INF" | "-INF" | "NaN" | "+INF") {
        return true;
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (a, b) = mant.split_once('.').unwrap_or((mant, ""));
    let digits_ok = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    if (a.is_empty() && b.is_empty()) || !digits_ok(a) || !digits_ok(b) {
        return false;
    }
    match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits_ok(e)
        }
    }
}

fn ncname(s: &str) -> bool {
    let mut it = s.chars();
    match it.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    it.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn date_time(s: &str) -> bool {
    let re =
        Regex::new("-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+\\-][0-9]{2}:[0-9]{2})?");
    re.is_some_and(|r| r.is_match(trim(s)))
}

/// Whether `value` is in the lexical space of type `name`: None for a type
/// the library does not know.
pub fn check(xsd: bool, name: &str, value: &str) -> Option<bool> {
    if !xsd {
        return matches!(name, "string" | "token").then_some(true);
    }
    if let Some((lo, hi)) = range(name) {
        return Some(integer(value).is_some_and(|v| lo <= v && v <= hi));
    }
    Some(match name {
        "string" | "normalizedString" | "token" | "anyURI" => true,
        "double" | "float" | "decimal" => double(value),
        "boolean" => matches!(trim(value), "true" | "false" | "1" | "0"),
        "NCName" | "ID" | "IDREF" => ncname(trim(value)),
        "Name" | "NMTOKEN" => !trim(value).is_empty() && !trim(value).contains(' '),
        "dateTime" => date_time(value),
        _ => return None,
    })
}

/// Whether `value` satisfies the facet `facet` = `limit` of type `name`.
pub fn facet(name: &str, facet: &str, limit: &str, value: &str) -> bool {
    match facet {
        "pattern" => Regex::new(limit).is_none_or(|r| r.is_match(value)),
        "minInclusive" | "maxInclusive" | "minExclusive" | "maxExclusive" => {
            let (Some(v), Some(l)) = (integer(value), integer(limit)) else {
                let (v, l) = (trim(value).parse::<f64>(), trim(limit).parse::<f64>());
                return match (v, l) {
                    (Ok(v), Ok(l)) => compare(facet, v.partial_cmp(&l)),
                    _ => false,
                };
            };
            compare(facet, Some(v.cmp(&l)))
        }
        "length" | "minLength" | "maxLength" => {
            let n = value.chars().count();
            let l: usize = limit.trim().parse().unwrap_or(0);
            let _ = name;
            match facet {
                "length" => n == l,
                "minLength" => n >= l,
                _ => n <= l,
            }
        }
        _ => true,
    }
}

fn compare(facet: &str, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (facet, ord) {
        (_, None) => false,
        ("minInclusive", Some(o)) => o != Less,
        ("maxInclusive", Some(o)) => o != Greater,
        ("minExclusive", Some(o)) => o == Greater,
        (_, Some(o)) => o == Less,
    }
}

/// Equality of two values of type `name`, for typed `value` patterns.
pub fn equal(xsd: bool, name: &str, a: &str, b: &str) -> bool {
    if xsd && range(name).is_some() {
        return integer(a).is_some() && integer(a) == integer(b);
    }
    match name {
        "string" => a == b,
        _ => normalize(a) == normalize(b),
    }
}
