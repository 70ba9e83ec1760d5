//! Constants generated from the API spec (`tools/gen_api.py`).
pub mod consts;
