//! The test driver's domain checkpoints: creation (new or redefined) on
//! running domains without snapshots, listing, lookups, XML and deletion.
//! They live with their domain (`DomObj::moments`).

use super::domain::with_obj;
use super::domain_state::DomObj;
use super::moments::{copy_def, exclusive_flags, flag, has, require_flag, MomentTree, Walk};
use super::*;
use crate::conf::checkpoint::CheckpointDef;
use crate::core::driver::DriverTable;
use crate::core::objects::{Domain, DomainCheckpoint};
use crate::core::uuid;

fn no_checkpoint(name: &str) -> Error {
    Error::with_detail(
        VIR_FROM_TEST,
        VIR_ERR_NO_DOMAIN_CHECKPOINT,
        format!("no domain checkpoint with matching name '{name}'"),
    )
}

fn handle(d: &Domain, name: &str) -> DomainCheckpoint {
    DomainCheckpoint { domain: d.clone(), name: name.to_string() }
}

fn tree(o: &DomObj) -> &MomentTree<CheckpointDef> {
    &o.moments().checkpoints
}

fn tree_mut(o: &mut DomObj) -> &mut MomentTree<CheckpointDef> {
    &mut o.moments_mut().checkpoints
}

/// Runs `f` on the checkpoint's domain once the checkpoint is known.
fn with_chk<T>(c: &DomainCheckpoint, f: impl FnOnce(&mut DomObj) -> Result<T>) -> Result<T> {
    with_obj(&c.domain, |o| {
        if !tree(o).contains(&c.name) {
            return Err(no_checkpoint(&c.name));
        }
        f(o)
    })
}

const LIST_FLAGS: u32 = 0xf;

fn walk(flags: u32) -> Walk {
    Walk {
        roots_or_descendants: has(flags, VIR_DOMAIN_CHECKPOINT_LIST_ROOTS),
        leaves: has(flags, VIR_DOMAIN_CHECKPOINT_LIST_LEAVES),
        no_leaves: has(flags, VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES),
        none: false,
    }
}

/// Checks a redefinition against the domain; tells whether the new one
/// becomes current.
fn prepare_redefine(o: &DomObj, def: &mut CheckpointDef) -> Result<bool> {
    let t = tree(o);
    t.check_cycles(&def.moment.name, def.moment.parent.as_deref())?;
    if let Some(dom) = &def.moment.dom {
        if dom.uuid != o.def.uuid {
            return Err(Error::with_detail(
                VIR_FROM_DOMAIN_CHECKPOINT,
                VIR_ERR_INVALID_ARG,
                format!("definition for checkpoint {} must use uuid {}", def.moment.name, uuid::format(&o.def.uuid)),
            ));
        }
        def.align_disks()?;
    } else {
        def.assign_bitmap_names();
    }
    let parent_is_current = def.moment.parent.is_some() && def.moment.parent.as_deref() == t.current();
    Ok(parent_is_current || t.current().is_none())
}

fn create_xml(d: &Domain, xml: &str, flags: u32) -> Result<DomainCheckpoint> {
    let dc = ("virDomainCheckpointCreateXML", VIR_FROM_DOMAIN_CHECKPOINT);
    exclusive_flags(
        flags,
        flag!(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE),
        flag!(VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE),
        dc,
    )?;
    require_flag(
        flags,
        flag!(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE),
        flag!(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE),
        dc,
    )?;
    let allowed = VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE | VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE;
    unsupported_flags(flags, allowed as u32, "testDomainCheckpointCreateXML")?;
    let redefine = has(flags, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE);
    with_obj(d, |o| {
        if o.moments().snapshots.len() > 0 {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_UNSUPPORTED,
                "cannot create checkpoint while snapshot exists",
            ));
        }
        if !o.active() {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_UNSUPPORTED,
                "cannot create checkpoint for inactive domain",
            ));
        }
        let mut def = CheckpointDef::parse(xml, redefine)?;
        let update_current = if redefine {
            prepare_redefine(o, &mut def)?
        } else {
            def.moment.dom = Some(Box::new(copy_def(&o.def)));
            def.align_disks()?;
            true
        };
        let name = def.moment.name.clone();
        let t = tree_mut(o);
        if !redefine {
            def.moment.parent = t.current().map(str::to_string);
        }
        if redefine && t.contains(&name) {
            t.replace(def);
        } else {
            t.insert(def)?;
        }
        if update_current {
            t.set_current(Some(&name));
        }
        t.link_parent(&name);
        Ok(handle(d, &name))
    })
}

fn get_xml_desc(c: &DomainCheckpoint, flags: u32) -> Result<String> {
    let allowed =
        VIR_DOMAIN_CHECKPOINT_XML_SECURE | VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN | VIR_DOMAIN_CHECKPOINT_XML_SIZE;
    unsupported_flags(flags, allowed as u32, "testDomainCheckpointGetXMLDesc")?;
    with_chk(c, |o| {
        if has(flags, VIR_DOMAIN_CHECKPOINT_XML_SIZE) {
            super::domain::check_active(o)?;
        }
        let def = tree(o).get(&c.name).expect("checked");
        Ok(def.format(has(flags, VIR_DOMAIN_CHECKPOINT_XML_SECURE), has(flags, VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)))
    })
}

fn delete(c: &DomainCheckpoint, flags: u32) -> Result<i32> {
    exclusive_flags(
        flags,
        flag!(VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN),
        flag!(VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY),
        ("virDomainCheckpointDelete", VIR_FROM_DOMAIN_CHECKPOINT),
    )?;
    let allowed = VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN
        | VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY
        | VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY;
    unsupported_flags(flags, allowed as u32, "testDomainCheckpointDelete")?;
    with_chk(c, |o| {
        tree_mut(o).delete(
            &c.name,
            has(flags, VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN),
            has(flags, VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY),
        );
        Ok(0)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.domain_checkpoint_create_xml = Some(create_xml);
    a.domain_list_all_checkpoints = Some(|d, flags| {
        unsupported_flags(flags, LIST_FLAGS, "testDomainListAllCheckpoints")?;
        with_obj(d, |o| Ok(tree(o).list(None, walk(flags), |_| true).iter().map(|n| handle(d, n)).collect()))
    });
    a.domain_checkpoint_list_all_children = Some(|c, flags| {
        unsupported_flags(flags, LIST_FLAGS, "testDomainCheckpointListAllChildren")?;
        with_chk(c, |o| {
            Ok(tree(o).list(Some(&c.name), walk(flags), |_| true).iter().map(|n| handle(&c.domain, n)).collect())
        })
    });
    a.domain_checkpoint_lookup_by_name = Some(|d, name, flags| {
        unsupported_flags(flags, 0, "testDomainCheckpointLookupByName")?;
        with_obj(d, |o| if tree(o).contains(name) { Ok(handle(d, name)) } else { Err(no_checkpoint(name)) })
    });
    a.domain_checkpoint_get_parent = Some(|c, flags| {
        unsupported_flags(flags, 0, "testDomainCheckpointGetParent")?;
        with_chk(c, |o| match tree(o).get(&c.name).and_then(|d| d.moment.parent.clone()) {
            Some(p) => Ok(handle(&c.domain, &p)),
            None => Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_NO_DOMAIN_CHECKPOINT,
                format!("checkpoint '{}' does not have a parent", c.name),
            )),
        })
    });
    a.domain_checkpoint_get_xml_desc = Some(get_xml_desc);
    a.domain_checkpoint_delete = Some(delete);
}
