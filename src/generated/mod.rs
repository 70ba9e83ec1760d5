//! Generated from the API spec by tools/gen_api.py: do not edit.
pub mod api_list;
pub mod consts;
