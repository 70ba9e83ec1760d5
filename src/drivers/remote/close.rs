//! The application's close callback: one per connection, told once why
//! the connection to the daemon went away (end of file, keepalive timeout,
//! error); then its data is released but it stays registered until the
//! application removes it, as with libvirt's client.

use super::client::{Client, REMOTE};
use super::generated::proc;
use super::remote;
use crate::core::driver::{CloseCallback, DriverTable};
use crate::core::error::Error;
use crate::generated::consts::*;
use parking_lot::Mutex;
use std::sync::Arc;

pub type Slot = Arc<Mutex<Option<CloseCallback>>>;

/// The connection's empty slot, called when the client sees it close.
pub fn start(client: &Client) -> Slot {
    let slot: Slot = Arc::default();
    let s = Arc::downgrade(&slot);
    client.set_close_handler(Some(Box::new(move |reason| {
        let Some(slot) = s.upgrade() else { return };
        let cb = slot.lock().take();
        if let Some(cb) = cb {
            // called once; then its data and its hold on the connection go,
            // but it still counts as registered
            let key = cb.key;
            (cb.call)(reason);
            if let Some(free) = cb.free {
                free();
            }
            slot.lock().get_or_insert(CloseCallback { key, call: Box::new(|_| {}), free: None });
        }
    })));
    slot
}

pub fn install(t: &mut DriverTable) {
    t.events.connect_register_close_callback = Some(|c, cb| {
        let r = remote(c)?;
        let mut slot = r.close.lock();
        if slot.is_some() {
            return Err(Error::with_detail(
                VIR_FROM_REMOTE,
                VIR_ERR_OPERATION_INVALID,
                "A close callback is already registered",
            ));
        }
        // the end of the connection must be seen between calls too
        r.client.listen(true);
        if let Err(e) = r.client.call(REMOTE, proc::CONNECT_REGISTER_CLOSE_CALLBACK, |_| {}) {
            r.client.listen(false);
            return Err(e);
        }
        *slot = Some(cb);
        Ok(())
    });
    t.events.connect_unregister_close_callback = Some(|c, key| {
        let r = remote(c)?;
        let gone = {
            let mut slot = r.close.lock();
            if slot.as_ref().map(|cb| cb.key) != Some(key) {
                return Err(Error::with_detail(
                    VIR_FROM_REMOTE,
                    VIR_ERR_OPERATION_INVALID,
                    "A different callback was requested",
                ));
            }
            r.client.call(REMOTE, proc::CONNECT_UNREGISTER_CLOSE_CALLBACK, |_| {})?;
            r.client.listen(false);
            slot.take()
        };
        if let Some(free) = gone.and_then(|cb| cb.free) {
            free();
        }
        Ok(())
    });
}
