//! The test driver's streams: a screenshot is the PNG libvirt installs
//! for its own test driver, read through a file stream. Consoles,
//! channels and volume transfers are not served (as in libvirt 9.0.0).

use super::*;
use crate::core::stream::{self, FileStream};

/// The image libvirt's test driver hands out as a screenshot.
const SCREENSHOT: &str = "/usr/share/libvirt/test-screenshot.png";

pub fn install(t: &mut DriverTable) {
    t.api.domain_screenshot = Some(|d, st, _screen, flags| {
        if flags != 0 {
            // libvirt's flag check reports the bare sentence
            let msg = format!("unsupported flags (0x{flags:x}) in function testDomainScreenshot");
            return Err(Error::arg_error("flags", "testDomainScreenshot", msg).from_domain(VIR_FROM_TEST));
        }
        domain::with_obj(d, |_| Ok(()))?;
        if let Some(st) = st {
            stream::attach(st, Box::new(FileStream::open(SCREENSHOT)?));
        }
        Ok("image/png".to_string())
    });
}
