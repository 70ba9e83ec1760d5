//! Node device calls whose answer the handle keeps.

use super::client::REMOTE;
use super::generated::proc;
use super::wire::Enc;
use super::{call, reply};
use crate::core::driver::DriverTable;
use crate::core::error::Error;
use crate::generated::consts::*;

pub fn install(t: &mut DriverTable) {
    // the daemon's answer; none when its driver knows no parent
    t.host.node_device_get_parent = Some(|dev| {
        let r = call(&dev.conn, REMOTE, proc::NODE_DEVICE_GET_PARENT, |e| dev.name.enc(e))?;
        let parent: Option<String> = reply(&dev.conn, &r)?;
        parent.ok_or_else(|| Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_INTERNAL_ERROR, "no parent for this device"))
    });
}
