//! Storage entry points returning C structures (the others are generated
//! slots in [`super::ApiTable`]).

use crate::core::error::Result;
use crate::core::objects::{StoragePool, StorageVol};

/// `virStoragePoolInfo` as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoragePoolInfo {
    /// A `virStoragePoolState`.
    pub state: i32,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// `virStorageVolInfo` as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageVolInfo {
    /// A `virStorageVolType`.
    pub kind: i32,
    pub capacity: u64,
    pub allocation: u64,
}

driver_table! {
    /// Storage pool and volume queries with structured results.
    pub struct StorageTable {
        storage_pool_get_info ["virStoragePoolGetInfo"]: fn(&StoragePool) -> Result<StoragePoolInfo>;
        storage_vol_get_info ["virStorageVolGetInfo"]: fn(&StorageVol) -> Result<StorageVolInfo>;
        storage_vol_get_info_flags ["virStorageVolGetInfoFlags"]: fn(&StorageVol, u32) -> Result<StorageVolInfo>;
    }
}
