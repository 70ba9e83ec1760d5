//! `<launchSecurity>`: memory encryption of the guest (AMD SEV, s390
//! protected virtualization).

use super::props::*;
use super::tree::{ESpec, Elem, Text};
use crate::core::error::Result;
use roxmltree::Node;

const TEXT: Text = Text::Str { trim: false };

const LAUNCH_SECURITY: ESpec = ESpec::new(
    "launchSecurity",
    &[("type", Kind::Enum(&["sev", "s390-pv"])), ("kernelHashes", Kind::Enum(YES_NO))],
    &[
        &ESpec::text("cbitpos", &[], TEXT),
        &ESpec::text("reducedPhysBits", &[], TEXT),
        &ESpec::text("policy", &[], TEXT),
        &ESpec::text("dhCert", &[], TEXT),
        &ESpec::text("session", &[], TEXT),
    ],
)
.fix(fix_launch_security);

pub fn parse(root: Node) -> Result<Option<Box<Elem>>> {
    Ok(Elem::parse_opt(root, &LAUNCH_SECURITY)?.map(Box::new))
}

fn fix_launch_security(e: &mut Elem, n: Node) -> Result<()> {
    let Some(kind) = attr(n, "type") else {
        return Err(missing_attr(n, "type"));
    };
    if kind != "sev" {
        e.kids.clear();
        e.attrs.remove("kernelHashes");
        return Ok(());
    }
    for (name, what) in [("cbitpos", "cbitpos"), ("reducedPhysBits", "reduced-phys-bits")] {
        if let Some(k) = e.kid_mut(name) {
            let v = k.text.as_deref().unwrap_or("").trim().parse::<u32>();
            let v = v.map_err(|_| dom_err(format!("Invalid format for launch security {what}")))?;
            k.text = Some(v.to_string());
        }
    }
    let policy = e.kid("policy").and_then(|p| p.text.as_deref()).and_then(|t| parse_uint_any(t.trim()));
    let policy = policy.filter(|p| *p <= u64::from(u32::MAX));
    let Some(policy) = policy else {
        return Err(dom_err("failed to get launch security policy"));
    };
    e.kid_mut("policy").expect("read above").text = Some(format!("0x{policy:04x}"));
    Ok(())
}
