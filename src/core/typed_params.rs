//! Typed parameters (`virTypedParameter`) as safe Rust values.
//!
//! Drivers describe scheduler, memory and blkio tunables and statistics as
//! a list of [`TypedParam`]s; the C layer (`capi::api::typed_params`)
//! converts them to and from libvirt's C arrays. The parsing and
//! validation rules here are libvirt 9.0.0's (`src/util/virtypedparam.c`),
//! including its error codes and messages.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;

/// `VIR_TYPED_PARAM_FIELD_LENGTH`: the size of the field buffer, NUL included.
pub const FIELD_LENGTH: usize = 80;

/// The `virTypedParameterType` codes.
pub const TYPE_INT: i32 = 1;
pub const TYPE_UINT: i32 = 2;
pub const TYPE_LLONG: i32 = 3;
pub const TYPE_ULLONG: i32 = 4;
pub const TYPE_DOUBLE: i32 = 5;
pub const TYPE_BOOLEAN: i32 = 6;
pub const TYPE_STRING: i32 = 7;

/// One parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum TypedValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    String(String),
}

impl TypedValue {
    /// The `VIR_TYPED_PARAM_*` code of this value.
    pub fn type_code(&self) -> i32 {
        match self {
            TypedValue::Int(_) => TYPE_INT,
            TypedValue::UInt(_) => TYPE_UINT,
            TypedValue::LLong(_) => TYPE_LLONG,
            TypedValue::ULLong(_) => TYPE_ULLONG,
            TypedValue::Double(_) => TYPE_DOUBLE,
            TypedValue::Boolean(_) => TYPE_BOOLEAN,
            TypedValue::String(_) => TYPE_STRING,
        }
    }

    /// libvirt's name of this value's type ("int", "uint", ...).
    pub fn type_name(&self) -> &'static str {
        type_name(self.type_code()).unwrap_or("unknown")
    }
}

/// A named parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedParam {
    pub field: String,
    pub value: TypedValue,
}

impl TypedParam {
    /// A parameter, rejecting field names that do not fit the C buffer
    /// exactly as libvirt's `virTypedParameterAssign` does.
    pub fn new(field: impl Into<String>, value: TypedValue) -> Result<TypedParam> {
        let field = field.into();
        check_field(&field)?;
        Ok(TypedParam { field, value })
    }

    /// A parameter whose value is parsed from text with the rules of
    /// `virTypedParamsAddFromString`.
    pub fn from_string(field: &str, type_code: i32, text: &str) -> Result<TypedParam> {
        check_field(field)?;
        let value = parse_value(field, type_code, text)?;
        Ok(TypedParam { field: field.to_string(), value })
    }

    pub fn int(field: &str, v: i32) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::Int(v))
    }
    pub fn uint(field: &str, v: u32) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::UInt(v))
    }
    pub fn llong(field: &str, v: i64) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::LLong(v))
    }
    pub fn ullong(field: &str, v: u64) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::ULLong(v))
    }
    pub fn double(field: &str, v: f64) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::Double(v))
    }
    pub fn boolean(field: &str, v: bool) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::Boolean(v))
    }
    pub fn string(field: &str, v: impl Into<String>) -> Result<TypedParam> {
        TypedParam::new(field, TypedValue::String(v.into()))
    }
}

/// `virTypedParameterTypeToString`: 0 is "unknown", codes outside the
/// enum have no name (libvirt then prints "(null)").
pub fn type_name(code: i32) -> Option<&'static str> {
    const NAMES: [&str; 8] = ["unknown", "int", "uint", "llong", "ullong", "double", "boolean", "string"];
    usize::try_from(code).ok().and_then(|i| NAMES.get(i).copied())
}

/// `virTypedParameterTypeFromString`.
pub fn type_from_name(name: &str) -> Option<i32> {
    (1..=TYPE_STRING).find(|&c| type_name(c) == Some(name))
}

fn from_none(code: i32, detail: String) -> Error {
    Error::with_detail(VIR_FROM_NONE, code, detail)
}

/// Rejects a field name of `FIELD_LENGTH` bytes or more
/// (`VIR_ERR_INTERNAL_ERROR`, "Field name '...' too long").
pub fn check_field(name: &str) -> Result<()> {
    if name.len() >= FIELD_LENGTH {
        return Err(field_too_long(name));
    }
    Ok(())
}

/// libvirt's error for a field name that does not fit.
pub fn field_too_long(name: &str) -> Error {
    from_none(VIR_ERR_INTERNAL_ERROR, format!("Field name '{name}' too long"))
}

/// The error of the `virTypedParamsGet*` accessors when the stored type is
/// not the requested one. `actual` is the raw stored type code.
pub fn type_mismatch(name: &str, requested: i32, actual: i32) -> Error {
    from_none(
        VIR_ERR_INVALID_ARG,
        format!(
            "Invalid type '{}' requested for parameter '{}', actual type is '{}'",
            type_name(requested).unwrap_or("(null)"),
            name,
            type_name(actual).unwrap_or("(null)")
        ),
    )
}

/// `virTypedParamsAddFromString`'s error for a NULL value.
pub fn null_value(name: &str) -> Error {
    from_none(VIR_ERR_INVALID_ARG, format!("NULL value for field '{name}'"))
}

/// Parses `text` as a value of type `type_code` like libvirt's
/// `virTypedParameterAssignFromStr` (base-10 integers with C `strto*`
/// rules, `strtod` doubles, "true"/"false"/"1"/"0" booleans). `name` only
/// appears in error messages.
pub fn parse_value(name: &str, type_code: i32, text: &str) -> Result<TypedValue> {
    let bad = |what: &str| from_none(VIR_ERR_INVALID_ARG, format!("Invalid value for field '{name}': expected {what}"));
    Ok(match type_code {
        TYPE_INT => TypedValue::Int(parse_i32(text).ok_or_else(|| bad("int"))?),
        TYPE_UINT => TypedValue::UInt(parse_u32(text).ok_or_else(|| bad("unsigned int"))?),
        TYPE_LLONG => TypedValue::LLong(parse_i64(text).ok_or_else(|| bad("long long"))?),
        TYPE_ULLONG => TypedValue::ULLong(parse_u64(text).ok_or_else(|| bad("unsigned long long"))?),
        TYPE_DOUBLE => TypedValue::Double(parse_f64(text).ok_or_else(|| bad("double"))?),
        TYPE_BOOLEAN => {
            if text.eq_ignore_ascii_case("true") || text == "1" {
                TypedValue::Boolean(true)
            } else if text.eq_ignore_ascii_case("false") || text == "0" {
                TypedValue::Boolean(false)
            } else {
                return Err(from_none(VIR_ERR_INVALID_ARG, format!("Invalid boolean value for field '{name}'")));
            }
        }
        TYPE_STRING => TypedValue::String(text.to_string()),
        t => return Err(from_none(VIR_ERR_INTERNAL_ERROR, format!("unexpected type {t} for field {name}"))),
    })
}

/// C `isspace` in the C locale.
fn c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What `strtoull(s, &end, 10)` sees when the whole string must be
/// consumed: `(negative, magnitude)`, magnitude `None` on overflow; `None`
/// overall when the text is not entirely one number.
fn c_integer(text: &str) -> Option<(bool, Option<u64>)> {
    let t = text.trim_start_matches(|c: char| c.is_ascii() && c_space(c as u8));
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut mag: Option<u64> = Some(0);
    for b in digits.bytes() {
        mag = mag.and_then(|m| m.checked_mul(10)).and_then(|m| m.checked_add(u64::from(b - b'0')));
    }
    Some((neg, mag))
}

/// `virStrToLong_ll(s, NULL, 10, &v)`.
pub fn parse_i64(text: &str) -> Option<i64> {
    let (neg, mag) = c_integer(text)?;
    let mag = mag?;
    if neg {
        if mag > i64::MAX as u64 + 1 {
            None
        } else {
            Some((mag as i64).wrapping_neg())
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// `virStrToLong_i(s, NULL, 10, &v)`.
pub fn parse_i32(text: &str) -> Option<i32> {
    parse_i64(text).and_then(|v| i32::try_from(v).ok())
}

/// `virStrToLong_ull(s, NULL, 10, &v)`: like `strtoull`, "-N" wraps.
pub fn parse_u64(text: &str) -> Option<u64> {
    let (neg, mag) = c_integer(text)?;
    let mag = mag?;
    Some(if neg { mag.wrapping_neg() } else { mag })
}

/// `virStrToLong_ui(s, NULL, 10, &v)`: "-N" is accepted for N up to
/// `UINT_MAX` and wraps modulo 2^32.
pub fn parse_u32(text: &str) -> Option<u32> {
    let (neg, mag) = c_integer(text)?;
    let mag = mag?;
    if neg {
        if mag > u64::from(u32::MAX) {
            None
        } else {
            Some((mag as u32).wrapping_neg())
        }
    } else {
        u32::try_from(mag).ok()
    }
}

/// `virStrToDouble(s, NULL, &v)`: C `strtod` (C locale), the whole string
/// consumed, and no range error (overflow or inexact underflow).
pub fn parse_f64(text: &str) -> Option<f64> {
    let c = std::ffi::CString::new(text).ok()?;
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call,
    // `end` is a valid out-pointer, and errno is this thread's.
    let (val, err, consumed) = unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtod(c.as_ptr(), &mut end);
        let err = *libc::__errno_location();
        (v, err, end.offset_from(c.as_ptr()) as usize)
    };
    if err != 0 || consumed == 0 || consumed != text.len() {
        return None;
    }
    Some(val)
}

/// `virTypedParamsGet`: the first parameter named `name`.
pub fn get<'a>(params: &'a [TypedParam], name: &str) -> Option<&'a TypedParam> {
    params.iter().find(|p| p.field == name)
}

fn get_typed<'a, T>(
    params: &'a [TypedParam],
    name: &str,
    want: i32,
    pick: impl FnOnce(&'a TypedValue) -> Option<T>,
) -> Result<Option<T>> {
    match get(params, name) {
        None => Ok(None),
        Some(p) => pick(&p.value).map(Some).ok_or_else(|| type_mismatch(name, want, p.value.type_code())),
    }
}

/// `virTypedParamsGetInt`: `Ok(None)` when absent, an error when the type differs.
pub fn get_int(params: &[TypedParam], name: &str) -> Result<Option<i32>> {
    get_typed(params, name, TYPE_INT, |v| if let TypedValue::Int(x) = v { Some(*x) } else { None })
}
pub fn get_uint(params: &[TypedParam], name: &str) -> Result<Option<u32>> {
    get_typed(params, name, TYPE_UINT, |v| if let TypedValue::UInt(x) = v { Some(*x) } else { None })
}
pub fn get_llong(params: &[TypedParam], name: &str) -> Result<Option<i64>> {
    get_typed(params, name, TYPE_LLONG, |v| if let TypedValue::LLong(x) = v { Some(*x) } else { None })
}
pub fn get_ullong(params: &[TypedParam], name: &str) -> Result<Option<u64>> {
    get_typed(params, name, TYPE_ULLONG, |v| if let TypedValue::ULLong(x) = v { Some(*x) } else { None })
}
pub fn get_double(params: &[TypedParam], name: &str) -> Result<Option<f64>> {
    get_typed(params, name, TYPE_DOUBLE, |v| if let TypedValue::Double(x) = v { Some(*x) } else { None })
}
pub fn get_boolean(params: &[TypedParam], name: &str) -> Result<Option<bool>> {
    get_typed(params, name, TYPE_BOOLEAN, |v| if let TypedValue::Boolean(x) = v { Some(*x) } else { None })
}
pub fn get_string<'a>(params: &'a [TypedParam], name: &str) -> Result<Option<&'a str>> {
    get_typed(params, name, TYPE_STRING, |v| if let TypedValue::String(x) = v { Some(x.as_str()) } else { None })
}

/// All string values of parameters named `name`, in order (libvirt's
/// `virTypedParamsGetStringList`).
pub fn get_string_list<'a>(params: &'a [TypedParam], name: &str) -> Result<Vec<&'a str>> {
    let mut out = Vec::new();
    for p in params.iter().filter(|p| p.field == name) {
        match &p.value {
            TypedValue::String(s) => out.push(s.as_str()),
            v => return Err(type_mismatch(name, TYPE_STRING, v.type_code())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_length_limit() {
        assert!(TypedParam::int(&"a".repeat(79), 1).is_ok());
        let e = TypedParam::int(&"b".repeat(80), 1).unwrap_err();
        assert_eq!(e.code, VIR_ERR_INTERNAL_ERROR);
        assert_eq!(e.domain, VIR_FROM_NONE);
        assert_eq!(e.message, format!("internal error: Field name '{}' too long", "b".repeat(80)));
    }

    #[test]
    fn integers_follow_strtol_rules() {
        assert_eq!(parse_i32("123"), Some(123));
        assert_eq!(parse_i32(" 12"), Some(12));
        assert_eq!(parse_i32("+5"), Some(5));
        assert_eq!(parse_i32("010"), Some(10));
        assert_eq!(parse_i32("12 "), None);
        assert_eq!(parse_i32(""), None);
        assert_eq!(parse_i32("-"), None);
        assert_eq!(parse_i32("0x10"), None);
        assert_eq!(parse_i32("2147483648"), None);
        assert_eq!(parse_i32("-2147483648"), Some(i32::MIN));
        assert_eq!(parse_i64("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64("9223372036854775808"), None);
        assert_eq!(parse_i64("\t-77"), Some(-77));
    }

    #[test]
    fn unsigned_negative_wraps_like_libvirt() {
        assert_eq!(parse_u32("-1"), Some(u32::MAX));
        assert_eq!(parse_u32(" -2"), Some(u32::MAX - 1));
        assert_eq!(parse_u32("-4294967295"), Some(1));
        assert_eq!(parse_u32("-4294967296"), None);
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u64("-1"), Some(u64::MAX));
        assert_eq!(parse_u64("-18446744073709551615"), Some(1));
        assert_eq!(parse_u64("-18446744073709551616"), None);
        assert_eq!(parse_u64("18446744073709551616"), None);
    }

    #[test]
    fn doubles_follow_strtod() {
        assert_eq!(parse_f64("1.5"), Some(1.5));
        assert_eq!(parse_f64("0x1p4"), Some(16.0));
        assert_eq!(parse_f64(" 3"), Some(3.0));
        assert_eq!(parse_f64(".5"), Some(0.5));
        assert_eq!(parse_f64("3 "), None);
        assert_eq!(parse_f64("1,5"), None);
        assert_eq!(parse_f64(""), None);
        assert_eq!(parse_f64("1e400"), None);
        assert_eq!(parse_f64("1e-400"), None);
        assert_eq!(parse_f64("-inf"), Some(f64::NEG_INFINITY));
        assert!(parse_f64("nan").unwrap().is_nan());
    }

    #[test]
    fn booleans_and_errors() {
        assert_eq!(parse_value("b", TYPE_BOOLEAN, "TrUe").unwrap(), TypedValue::Boolean(true));
        assert_eq!(parse_value("b", TYPE_BOOLEAN, "0").unwrap(), TypedValue::Boolean(false));
        let e = parse_value("b", TYPE_BOOLEAN, "yes").unwrap_err();
        assert_eq!(e.message, "invalid argument: Invalid boolean value for field 'b'");
        let e = parse_value("f", TYPE_UINT, "x").unwrap_err();
        assert_eq!(e.message, "invalid argument: Invalid value for field 'f': expected unsigned int");
        assert_eq!(e.str2.as_deref(), Some("Invalid value for field 'f': expected unsigned int"));
        let e = parse_value("f", 99, "1").unwrap_err();
        assert_eq!(e.code, VIR_ERR_INTERNAL_ERROR);
        assert_eq!(e.message, "internal error: unexpected type 99 for field f");
        assert_eq!(parse_value("s", TYPE_STRING, "").unwrap(), TypedValue::String(String::new()));
    }

    #[test]
    fn getters() {
        let ps = vec![
            TypedParam::int("a", -1).unwrap(),
            TypedParam::string("s", "x").unwrap(),
            TypedParam::int("a", 2).unwrap(),
            TypedParam::string("s", "y").unwrap(),
        ];
        assert_eq!(get_int(&ps, "a").unwrap(), Some(-1));
        assert_eq!(get_int(&ps, "zz").unwrap(), None);
        assert_eq!(get_string(&ps, "s").unwrap(), Some("x"));
        assert_eq!(get_string_list(&ps, "s").unwrap(), vec!["x", "y"]);
        let e = get_uint(&ps, "a").unwrap_err();
        assert_eq!(e.code, VIR_ERR_INVALID_ARG);
        assert_eq!(
            e.message,
            "invalid argument: Invalid type 'uint' requested for parameter 'a', actual type is 'int'"
        );
        assert_eq!(
            type_mismatch("t", 1, 42).message,
            "invalid argument: Invalid type 'int' requested for parameter 't', actual type is '(null)'"
        );
        assert_eq!(
            type_mismatch("t", 1, 0).message,
            "invalid argument: Invalid type 'int' requested for parameter 't', actual type is 'unknown'"
        );
    }

    #[test]
    fn type_names_round_trip() {
        for c in 1..=7 {
            assert_eq!(type_from_name(type_name(c).unwrap()), Some(c));
        }
        assert_eq!(type_name(8), None);
        assert_eq!(type_name(-1), None);
        assert_eq!(TypedValue::Boolean(true).type_name(), "boolean");
    }
}
