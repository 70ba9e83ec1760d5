//! Migration entry points. Only the feature query exists so far: the API
//! layer's checks (core/migration.rs) need it; the migration protocol steps
//! join it with the first driver that can migrate.

use crate::core::connect::Connect;
use crate::core::error::Result;
use crate::core::migration::Feature;

driver_table! {
    /// What a driver can do about migration.
    pub struct MigrationTable {
        connect_supports_feature ["virDomainMigrate", "virDomainMigrate2", "virDomainMigrate3",
            "virDomainMigrateToURI", "virDomainMigrateToURI2", "virDomainMigrateToURI3"]:
            fn(&Connect, Feature) -> Result<bool>;
    }
}
