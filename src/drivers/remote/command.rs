//! Transports through a program: `ext` runs the URI's `command`, `ssh`
//! runs ssh to the server with a remote shell command that bridges to the
//! daemon socket there (virt-ssh-helper, or netcat). The program's standard
//! input and output are one end of a socket pair; we keep the other.

use super::transport::{Proxy, Target};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};

/// Environment the ssh program keeps from ours (LC_ALL is set to C).
const SSH_ENV: &[&str] = &[
    "TERM",
    "LOGNAME",
    "USER",
    "PATH",
    "HOME",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "KRB5CCNAME",
    "SSH_AUTH_SOCK",
    "SSH_ASKPASS",
    "OPENSSL_CONF",
    "DISPLAY",
    "XAUTHORITY",
];

/// A started transport program: our end of the pair, the child, and its
/// error output (non-blocking).
pub struct Spawned {
    pub socket: UnixStream,
    pub child: Child,
    pub stderr: Option<File>,
}

/// Starts `cmd` wired to a new socket pair.
pub fn spawn(mut cmd: Command) -> Result<Spawned> {
    let fail = |what: &str, e: std::io::Error| Error::system(VIR_FROM_RPC, e.raw_os_error().unwrap_or(libc::EIO), what);
    let (ours, theirs) = UnixStream::pair().map_err(|e| fail("Failed to create socket pair", e))?;
    let out = theirs.try_clone().map_err(|e| fail("Failed to create socket pair", e))?;
    cmd.stdin(Stdio::from(OwnedFd::from(theirs))).stdout(Stdio::from(OwnedFd::from(out))).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        // libvirt's child reports the failed exec on its error output, which
        // the first read of the dead socket then carries
        let prog = cmd.get_program().to_string_lossy().into_owned();
        let why = crate::core::error::Error::system(0, e.raw_os_error().unwrap_or(libc::ENOENT), "").message;
        let why = why.trim_start_matches(": ").to_string();
        Error::system(
            VIR_FROM_RPC,
            libc::ECONNRESET,
            format!("Cannot recv data: libvirt:  error : cannot execute binary {prog}: {why}"),
        )
    })?;
    let stderr = child.stderr.take().map(|e| {
        let fd = OwnedFd::from(e);
        // SAFETY: fd is a valid open pipe descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        File::from(fd)
    });
    Ok(Spawned { socket: ours, child, stderr })
}

/// The `ext` transport: the command alone, no arguments.
pub fn ext(target: &Target) -> Command {
    Command::new(target.command.as_deref().unwrap_or_default())
}

/// A word for the shell: as is when plain, single-quoted otherwise.
fn escape_shell(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_+./:@%,=".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A word going through two shells (ssh's remote shell, then `sh -c`).
fn double_escape(s: &str) -> String {
    escape_shell(&escape_shell(s))
}

/// What the remote shell runs to reach the daemon: virt-ssh-helper,
/// netcat, or the first of them the server has (`netcat=` means netcat).
fn remote_command(target: &Target, readonly: bool) -> Result<String> {
    let nc = double_escape(target.netcat.as_deref().unwrap_or("nc"));
    let socket = target.socket.as_deref().unwrap_or("/var/run/libvirt/libvirt-sock");
    let netcat = format!(
        "if '{nc}' -q 2>&1 | grep \"requires an argument\" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'{nc}' $ARG -U {socket}"
    );
    let helper = format!("virt-ssh-helper{}'{}'", if readonly { " -r " } else { " " }, double_escape(&target.name));
    Ok(match target.proxy {
        Proxy::Auto if target.netcat.is_none() => format!(
            "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     {helper}; else    {netcat}; fi'"
        ),
        Proxy::Auto | Proxy::Netcat => format!("sh -c '{netcat}'"),
        Proxy::Native if target.netcat.is_some() => {
            return Err(Error::with_detail(
                VIR_FROM_RPC,
                VIR_ERR_INVALID_ARG,
                "netcat path not valid with native proxy mode",
            ))
        }
        Proxy::Native => format!("sh -c '{helper}'"),
    })
}

/// The `ssh` transport: the ssh program (`command=`, or ssh) with
/// libvirt's options.
pub fn ssh(target: &Target, readonly: bool) -> Result<Command> {
    let remote = remote_command(target, readonly)?;
    let mut cmd = Command::new(target.command.as_deref().unwrap_or("ssh"));
    cmd.env_clear();
    for k in SSH_ENV {
        if let Ok(v) = std::env::var(k) {
            cmd.env(k, v);
        }
    }
    cmd.env("LC_ALL", "C");
    if let Some(p) = target.port {
        cmd.args(["-p", &p.to_string()]);
    }
    if let Some(u) = &target.user {
        cmd.args(["-l", u]);
    }
    if let Some(k) = &target.keyfile {
        cmd.args(["-i", k]);
    }
    cmd.args(["-T", "-e", "none"]);
    if target.no_tty {
        cmd.args(["-o", "BatchMode=yes"]);
    }
    if target.no_verify {
        cmd.args(["-o", "StrictHostKeyChecking=no"]);
    }
    cmd.args(["--", &target.server, &remote]);
    Ok(cmd)
}
