//! Generated from the API spec by tools/gen_api.py: do not edit.
#[rustfmt::skip]
pub mod api_list;
#[rustfmt::skip]
pub mod consts;
