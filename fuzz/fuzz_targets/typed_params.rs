//! Typed parameters built from strings (`virTypedParamsAddFromString`):
//! the first byte picks the type, the rest splits into field and value.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (field, value) = text.split_once('\0').unwrap_or((text, ""));
    let _ = virt::core::typed_params::TypedParam::from_string(field, i32::from(kind % 9), value);
});
