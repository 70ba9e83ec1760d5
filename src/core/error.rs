//! The error model: libvirt's `virError` as a Rust value.
//!
//! Every failure carries libvirt's error number and domain plus the
//! message, formatted from the per-code templates exactly as libvirt does,
//! so that callers comparing messages or codes see no difference.

use crate::generated::consts::*;
use std::fmt;

pub type Result<T> = std::result::Result<T, Error>;

/// An error domain still to be filled with the calling function's own.
pub const DOMAIN_UNSET: i32 = -1;

/// Error levels (`virErrorLevel`).
pub const LEVEL_ERROR: i32 = VIR_ERR_ERROR;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: i32,
    pub domain: i32,
    pub message: String,
    pub level: i32,
    pub str1: Option<String>,
    pub str2: Option<String>,
    pub str3: Option<String>,
    pub int1: i32,
    pub int2: i32,
    /// Set on errors whose message needs the name of the public API that
    /// raised them; the C layer fills it in (see [`Error::in_api`]).
    pub needs_api_name: bool,
}

impl Error {
    /// An error raised with libvirt's "template + detail" convention: the
    /// message is the code's template with the detail substituted, `str1` is
    /// the template and `str2` the detail.
    pub fn new(domain: i32, code: i32, detail: Option<&str>) -> Error {
        let template = message_template(code, detail.is_some());
        let message = match detail {
            Some(d) => template.replacen("%s", d, 1),
            None => template.to_string(),
        };
        Error {
            code,
            domain,
            message,
            level: LEVEL_ERROR,
            str1: Some(template.to_string()),
            str2: detail.map(str::to_string),
            str3: None,
            int1: -1,
            int2: -1,
            needs_api_name: false,
        }
    }

    pub fn with_detail(domain: i32, code: i32, detail: impl AsRef<str>) -> Error {
        Error::new(domain, code, Some(detail.as_ref()))
    }

    /// `VIR_ERR_NO_SUPPORT`, naming the public function once it is known.
    pub fn no_support() -> Error {
        let mut e = Error::new(DOMAIN_UNSET, VIR_ERR_NO_SUPPORT, None);
        e.needs_api_name = true;
        e
    }

    /// An invalid-handle error (`VIR_ERR_INVALID_CONN`, ...); the message
    /// names the public function.
    pub fn invalid_handle(domain: i32, code: i32) -> Error {
        let mut e = Error::new(domain, code, None);
        e.needs_api_name = true;
        e
    }

    /// Read-only connection refusing a write operation.
    pub fn read_only() -> Error {
        let mut e = Error::new(DOMAIN_UNSET, VIR_ERR_OPERATION_DENIED, None);
        e.needs_api_name = true;
        e
    }

    /// A required pointer argument was NULL: libvirt reports the bare
    /// sentence, with the function and argument names in `str1`/`str2`.
    pub fn null_arg(arg: &str, api: &str) -> Error {
        Error::arg_error(arg, api, format!("{arg} in {api} must not be NULL"))
    }

    /// A negative count or id, reported like [`Error::null_arg`].
    pub fn negative_arg(arg: &str, api: &str) -> Error {
        Error::arg_error(arg, api, format!("{arg} in {api} must be zero or greater"))
    }

    /// An argument error in libvirt's shape: the message as given, the
    /// function and argument names in `str1`/`str2`.
    pub fn arg_error(arg: &str, api: &str, message: String) -> Error {
        Error {
            code: VIR_ERR_INVALID_ARG,
            domain: DOMAIN_UNSET,
            message,
            level: LEVEL_ERROR,
            str1: Some(api.to_string()),
            str2: Some(arg.to_string()),
            str3: None,
            int1: -1,
            int2: -1,
            needs_api_name: false,
        }
    }

    pub fn invalid_arg(detail: impl AsRef<str>) -> Error {
        Error::with_detail(VIR_FROM_NONE, VIR_ERR_INVALID_ARG, detail)
    }

    pub fn internal(detail: impl AsRef<str>) -> Error {
        Error::with_detail(VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR, detail)
    }

    /// What libvirt reports when a call failed without saying why.
    pub fn unknown_cause() -> Error {
        let mut e = Error::new(VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR, None);
        e.message = "An error occurred, but the cause is unknown".to_string();
        e
    }

    /// The same error, raised from another error domain.
    pub fn from_domain(mut self, domain: i32) -> Error {
        self.domain = domain;
        self
    }

    pub fn system(domain: i32, errno: i32, detail: impl AsRef<str>) -> Error {
        let os = std::io::Error::from_raw_os_error(errno);
        let text = os.to_string();
        let text = text.split(" (os error").next().unwrap_or("").to_string();
        let full = format!("{}: {}", detail.as_ref(), text);
        let mut e = Error::with_detail(domain, VIR_ERR_SYSTEM_ERROR, full);
        e.int1 = errno;
        e
    }

    /// Completes a pending error with the public function's name and the
    /// error domain of the module that function belongs to.
    pub fn in_api(mut self, api: &str, from: i32) -> Error {
        if self.domain == DOMAIN_UNSET {
            self.domain = from;
        }
        if !self.needs_api_name {
            return self;
        }
        self.needs_api_name = false;
        let (domain, code) = (self.domain, self.code);
        if code == VIR_ERR_OPERATION_DENIED {
            self = Error::with_detail(domain, code, format!("read only access prevents {api}"));
        } else {
            self = Error::with_detail(domain, code, api);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The message template of an error code: without detail, or with one
/// `%s` for the detail.
pub fn message_template(code: i32, with_detail: bool) -> &'static str {
    let (plain, detailed) = templates(code);
    if with_detail {
        detailed
    } else {
        plain
    }
}

fn templates(code: i32) -> (&'static str, &'static str) {
    match code {
        1 => ("internal error", "internal error: %s"),
        2 => ("out of memory", "out of memory: %s"),
        3 => (
            "this function is not supported by the connection driver",
            "this function is not supported by the connection driver: %s",
        ),
        4 => ("unknown host", "unknown host %s"),
        5 => ("no connection driver available", "no connection driver available for %s"),
        6 => ("invalid connection pointer in", "invalid connection pointer in %s"),
        7 => ("invalid domain pointer in", "invalid domain pointer in %s"),
        8 => ("invalid argument", "invalid argument: %s"),
        9 => ("operation failed", "operation failed: %s"),
        10 => ("GET operation failed", "GET operation failed: %s"),
        11 => ("POST operation failed", "POST operation failed: %s"),
        12 => ("got unknown HTTP error code", "got unknown HTTP error code %s"),
        13 => ("failed to serialize S-Expr", "failed to serialize S-Expr: %s"),
        14 => ("could not use Xen hypervisor entry", "could not use Xen hypervisor entry %s"),
        15 => ("failed Xen syscall", "failed Xen syscall %s"),
        16 => ("unknown OS type", "unknown OS type %s"),
        17 => ("missing kernel information", "missing kernel information: %s"),
        18 => ("missing root device information", "missing root device information in %s"),
        19 => ("missing source information for device", "missing source information for device %s"),
        20 => ("missing target information for device", "missing target information for device %s"),
        21 => ("missing name information", "missing name information in %s"),
        22 => ("missing operating system information", "missing operating system information for %s"),
        23 => ("missing devices information", "missing devices information for %s"),
        24 => ("could not connect to Xen Store", "could not connect to Xen Store %s"),
        25 => ("too many drivers registered", "too many drivers registered in %s"),
        26 => ("library call failed", "library call failed: %s"),
        27 => ("XML description is invalid or not well formed", "XML error: %s"),
        28 => ("this domain exists already", "domain %s exists already"),
        29 => ("operation forbidden for read only access", "operation forbidden: %s"),
        30 => ("failed to open configuration file", "failed to open configuration file %s"),
        31 => ("failed to read configuration file", "failed to read configuration file %s"),
        32 => ("failed to parse configuration file", "failed to parse configuration file %s"),
        33 => ("configuration file syntax error", "configuration file syntax error: %s"),
        34 => ("failed to write configuration file", "failed to write configuration file: %s"),
        35 => ("parser error", "%s"),
        36 => ("invalid network pointer in", "invalid network pointer in %s"),
        37 => ("this network exists already", "network %s exists already"),
        38 => ("system call error", "%s"),
        39 => ("RPC error", "%s"),
        40 => ("GNUTLS call error", "%s"),
        41 => ("Failed to find the network", "Failed to find the network: %s"),
        42 => ("Domain not found", "Domain not found: %s"),
        43 => ("Network not found", "Network not found: %s"),
        44 => ("invalid MAC address", "invalid MAC address: %s"),
        45 => ("authentication failed", "authentication failed: %s"),
        46 => ("invalid storage pool pointer in", "invalid storage pool pointer in %s"),
        47 => ("invalid storage volume pointer in", "invalid storage volume pointer in %s"),
        48 => ("Failed to find a storage driver", "Failed to find a storage driver: %s"),
        49 => ("Storage pool not found", "Storage pool not found: %s"),
        50 => ("Storage volume not found", "Storage volume not found: %s"),
        51 => ("Failed to find a node driver", "Failed to find a node driver: %s"),
        52 => ("invalid node device pointer", "invalid node device pointer in %s"),
        53 => ("Node device not found", "Node device not found: %s"),
        54 => ("Security model not found", "Security model not found: %s"),
        55 => ("Requested operation is not valid", "Requested operation is not valid: %s"),
        56 => ("Failed to find the interface", "Failed to find the interface: %s"),
        57 => ("Interface not found", "Interface not found: %s"),
        58 => ("invalid interface pointer in", "invalid interface pointer in %s"),
        59 => ("multiple matching interfaces found", "multiple matching interfaces found: %s"),
        60 => ("Failed to start the nwfilter driver", "Failed to start the nwfilter driver: %s"),
        61 => ("Invalid network filter", "Invalid network filter: %s"),
        62 => ("Network filter not found", "Network filter not found: %s"),
        63 => ("Error while building firewall", "Error while building firewall: %s"),
        64 => ("Failed to find a secret storage driver", "Failed to find a secret storage driver: %s"),
        65 => ("Invalid secret", "Invalid secret: %s"),
        66 => ("Secret not found", "Secret not found: %s"),
        67 => ("unsupported configuration", "unsupported configuration: %s"),
        68 => ("Timed out during operation", "Timed out during operation: %s"),
        69 => {
            ("Failed to make domain persistent after migration", "Failed to make domain persistent after migration: %s")
        }
        70 => ("Hook script execution failed", "Hook script execution failed: %s"),
        71 => ("Invalid domain snapshot", "Invalid domain snapshot: %s"),
        72 => ("Domain snapshot not found", "Domain snapshot not found: %s"),
        73 => ("invalid stream pointer", "invalid stream pointer in %s"),
        74 => ("argument unsupported", "argument unsupported: %s"),
        75 => ("Storage pool probe failed", "Storage pool probe failed: %s"),
        76 => ("Storage pool already built", "Storage pool already built: %s"),
        77 => ("revert requires force", "revert requires force: %s"),
        78 => ("operation aborted", "operation aborted: %s"),
        79 => ("authentication cancelled", "authentication cancelled: %s"),
        80 => ("metadata not found", "metadata not found: %s"),
        81 => ("Unsafe migration", "Unsafe migration: %s"),
        82 => ("numerical overflow", "numerical overflow: %s"),
        83 => ("block copy still active", "block copy still active: %s"),
        84 => ("Operation not supported", "Operation not supported: %s"),
        85 => ("SSH transport error", "SSH transport error: %s"),
        86 => ("Guest agent is not responding", "Guest agent is not responding: %s"),
        87 => ("resource busy", "resource busy: %s"),
        88 => ("access denied", "access denied: %s"),
        89 => ("error from service", "error from service: %s"),
        90 => ("this storage volume exists already", "storage volume %s exists already"),
        91 => ("the CPU is incompatible with host CPU", "the CPU is incompatible with host CPU: %s"),
        92 => ("XML document failed to validate against schema", "XML document failed to validate against schema: %s"),
        93 => ("migration successfully aborted", "migration successfully aborted: %s"),
        94 => ("authentication unavailable", "authentication unavailable: %s"),
        95 => ("Server not found", "Server not found: %s"),
        96 => ("Client not found", "Client not found: %s"),
        97 => (
            "guest agent replied with wrong id to guest-sync command",
            "guest agent replied with wrong id to guest-sync command: %s",
        ),
        98 => ("libssh transport error", "libssh transport error: %s"),
        99 => ("device not found", "device not found: %s"),
        100 => ("Invalid network filter binding", "Invalid network filter binding: %s"),
        101 => ("Network filter binding not found", "Network filter binding not found: %s"),
        102 => ("Invalid domain checkpoint", "Invalid domain checkpoint: %s"),
        103 => ("Domain checkpoint not found", "Domain checkpoint not found: %s"),
        104 => ("Domain backup job id not found", "Domain backup job id not found: %s"),
        105 => ("Invalid network port pointer", "Invalid network port pointer: %s"),
        106 => ("this network port exists already", "network port %s exists already"),
        107 => ("network port not found", "network port not found: %s"),
        108 => ("no hostname found", "no hostname found: %s"),
        109 => ("checkpoint inconsistent", "checkpoint inconsistent: %s"),
        110 => ("multiple matching domains found", "multiple matching domains found: %s"),
        _ => ("unknown error", "%s"),
    }
}

/// The name libvirt's default error report prints for an error domain.
pub fn domain_name(domain: i32) -> &'static str {
    const NAMES: [&str; 72] = [
        "",
        "Xen Driver",
        "Xen Daemon",
        "Xen Store",
        "S-Expression",
        "XML Util",
        "Domain",
        "XML-RPC",
        "Proxy Daemon",
        "Config File",
        "QEMU Driver",
        "Network",
        "Test Driver",
        "Remote Driver",
        "OpenVZ Driver",
        "Xen XM Driver",
        "Linux Statistics",
        "LXC Driver",
        "Storage Driver",
        "Network Driver",
        "Domain Config",
        "User Mode Linux Driver",
        "Node Device Driver",
        "Xen Inotify Driver",
        "Security Driver",
        "VirtualBox Driver",
        "Network Interface Driver",
        "Open Nebula Driver",
        "ESX Driver",
        "Power Hypervisor Driver",
        "Secrets Driver",
        "CPU Driver",
        "XenAPI Driver",
        "Network Filter Driver",
        "Lifecycle Hook",
        "Domain Snapshot",
        "Audit Utils",
        "Sysinfo Utils",
        "I/O Stream Utils",
        "VMware Driver",
        "Event Loop",
        "Xen Light Driver",
        "Lock Driver",
        "Hyper-V Driver",
        "Capabilities Utils",
        "URI Utils",
        "Authentication Utils",
        "DBus Utils",
        "Parallels Cloud Server",
        "Device Config",
        "SSH transport layer",
        "Lock Space",
        "Init control",
        "Identity",
        "Cgroup",
        "Access Manager",
        "Systemd",
        "Bhyve",
        "Crypto",
        "Firewall",
        "Polkit",
        "Thread jobs",
        "Admin Interface",
        "Log Manager",
        "Xen XL Config",
        "Perf",
        "Libssh transport layer",
        "Resource control",
        "FirewallD",
        "Domain Checkpoint",
        "TPM",
        "BPF",
    ];
    usize::try_from(domain).ok().and_then(|i| NAMES.get(i).copied()).unwrap_or("Unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_message_matches_libvirt() {
        let e = Error::read_only().in_api("virDomainSuspend", 20);
        assert_eq!(e.message, "operation forbidden: read only access prevents virDomainSuspend");
        assert_eq!(e.str1.as_deref(), Some("operation forbidden: %s"));
        assert_eq!(e.code, 29);
    }

    #[test]
    fn no_support_names_the_function() {
        let e = Error::no_support().in_api("virDomainFoo", 20);
        assert_eq!(e.message, "this function is not supported by the connection driver: virDomainFoo");
    }

    #[test]
    fn plain_template_without_detail() {
        let e = Error::new(12, 42, None);
        assert_eq!(e.message, "Domain not found");
        assert_eq!(e.str2, None);
    }
}
