//! The test driver starts domains "with files" by ignoring the files, as
//! libvirt's does: the calls run its ordinary create entry points.

use crate::core::driver::DriverTable;
use crate::core::error::Error;

pub fn install(t: &mut DriverTable) {
    t.descriptors.domain_create_with_files = Some(|d, _files, flags| {
        let create = d.conn.table().domain.domain_create.ok_or_else(Error::no_support)?;
        create(d, flags)
    });
    t.descriptors.domain_create_xml_with_files = Some(|c, xml, _files, flags| {
        let create = c.table().domain.domain_create_xml.ok_or_else(Error::no_support)?;
        create(c, xml, flags)
    });
}
