//! The migration API's checks, made before any driver is involved: flag
//! combinations, and the features the source driver must offer for the
//! kind of migration asked for. Drivers announce those features through
//! [`crate::core::driver::MigrationTable`]; a driver that offers none makes
//! every call fail as libvirt's does for such drivers (the test driver).

use super::connect::Connect;
use super::error::{Error, Result};
use crate::generated::consts::*;

/// Migration capabilities a source driver may offer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Feature {
    /// Migrating an inactive domain (`VIR_MIGRATE_OFFLINE`).
    Offline,
    /// The source talks to the destination itself (`VIR_MIGRATE_PEER2PEER`).
    PeerToPeer,
    /// The hypervisor migrates directly to a URI.
    Direct,
    /// Extensible typed parameters (`virDomainMigrate3`).
    Params,
}

/// The entry points whose checks differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Api {
    Migrate,
    Migrate2,
    Migrate3,
    ToUri,
    ToUri2,
    ToUri3,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::Migrate => "virDomainMigrate",
            Api::Migrate2 => "virDomainMigrate2",
            Api::Migrate3 => "virDomainMigrate3",
            Api::ToUri => "virDomainMigrateToURI",
            Api::ToUri2 => "virDomainMigrateToURI2",
            Api::ToUri3 => "virDomainMigrateToURI3",
        }
    }

    fn to_uri(self) -> bool {
        matches!(self, Api::ToUri | Api::ToUri2 | Api::ToUri3)
    }
}

const DISK: u32 = VIR_MIGRATE_NON_SHARED_DISK as u32;
const INC: u32 = VIR_MIGRATE_NON_SHARED_INC as u32;
const SYNC_WRITES: u32 = VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES as u32;
const TUNNELLED: u32 = VIR_MIGRATE_TUNNELLED as u32;
const PARALLEL: u32 = VIR_MIGRATE_PARALLEL as u32;
const P2P: u32 = VIR_MIGRATE_PEER2PEER as u32;
const OFFLINE: u32 = VIR_MIGRATE_OFFLINE as u32;

/// Parameters every driver understands, even without extensible parameters.
const COMPAT_PARAMS: &[&str] =
    &[VIR_MIGRATE_PARAM_URI, VIR_MIGRATE_PARAM_DEST_NAME, VIR_MIGRATE_PARAM_DEST_XML, VIR_MIGRATE_PARAM_BANDWIDTH];

fn exclusive(flags: u32, a: (u32, &str), b: (u32, &str), api: &str) -> Result<()> {
    if flags & a.0 != 0 && flags & b.0 != 0 {
        return Err(Error::arg_error("ctl", api, format!("Flags '{}' and '{}' are mutually exclusive", a.1, b.1)));
    }
    Ok(())
}

fn unsupported(what: &str) -> Error {
    Error::with_detail(crate::core::error::DOMAIN_UNSET, VIR_ERR_ARGUMENT_UNSUPPORTED, what)
}

fn supports(conn: &Connect, feature: Feature) -> bool {
    conn.table().migration.connect_supports_feature.is_some_and(|f| f(conn, feature).unwrap_or(false))
}

fn tunnelled_without_p2p(api: Api) -> Error {
    let msg = "cannot perform tunnelled migration without using peer2peer flag";
    if api == Api::Migrate3 {
        Error::arg_error("flags", api.name(), msg.into())
    } else {
        Error::with_detail(crate::core::error::DOMAIN_UNSET, VIR_ERR_OPERATION_INVALID, msg)
    }
}

/// Runs libvirt's checks for a migration of a domain on `src`, in its
/// order; `params` names the typed parameters given (`Migrate3`).
/// An `Ok` return means the driver would be asked to migrate.
pub fn check(src: &Connect, api: Api, flags: u32, params: &[String]) -> Result<()> {
    let name = api.name();
    if api == Api::Migrate3 && flags & P2P != 0 {
        return Err(Error::arg_error("flags", name, "use virDomainMigrateToURI3 for peer-to-peer migration".into()));
    }
    if api == Api::Migrate3 && flags & TUNNELLED != 0 {
        return Err(tunnelled_without_p2p(api));
    }
    exclusive(flags, (TUNNELLED, "VIR_MIGRATE_TUNNELLED"), (PARALLEL, "VIR_MIGRATE_PARALLEL"), name)?;
    // the URI variants check the rest in a shared helper, which names itself
    let checker = if api.to_uri() { "virDomainMigrateUnmanagedCheckCompat" } else { name };
    exclusive(flags, (DISK, "VIR_MIGRATE_NON_SHARED_DISK"), (INC, "VIR_MIGRATE_NON_SHARED_INC"), checker)?;
    if flags & SYNC_WRITES != 0 && flags & (DISK | INC) == 0 {
        return Err(Error::arg_error(
            "ctl",
            checker,
            "Flag 'VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_NON_SHARED_INC' is required by flag \
             'VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES'"
                .into(),
        ));
    }
    if flags & OFFLINE != 0 && !supports(src, Feature::Offline) {
        return Err(unsupported("offline migration is not supported by the source host"));
    }
    if api.to_uri() {
        return if flags & P2P != 0 {
            if supports(src, Feature::PeerToPeer) {
                Ok(())
            } else {
                Err(unsupported("p2p migration is not supported by the source host"))
            }
        } else if supports(src, Feature::Direct) {
            Ok(())
        } else {
            Err(unsupported("direct migration is not supported by the source host"))
        };
    }
    if api != Api::Migrate3 && flags & TUNNELLED != 0 && flags & P2P == 0 {
        return Err(tunnelled_without_p2p(api));
    }
    if api == Api::Migrate3
        && !supports(src, Feature::Params)
        && params.iter().any(|p| !COMPAT_PARAMS.contains(&p.as_str()))
    {
        return Err(unsupported(
            "Migration APIs with extensible parameters are not supported but extended parameters were passed",
        ));
    }
    Ok(())
}
