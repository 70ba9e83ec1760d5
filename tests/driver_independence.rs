//! libvirt's layering rule, made mechanical: a driver may use the core,
//! `conf` and `util`, never another driver; the core, `conf` and `util`
//! never use a driver (the crate root wires drivers in at initialisation).

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn drivers_do_not_use_each_other() {
    let drivers = src().join("drivers");
    let names: Vec<String> = fs::read_dir(&drivers)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut bad = Vec::new();
    for d in &names {
        for f in rust_files(&drivers.join(d)) {
            let text = fs::read_to_string(&f).unwrap();
            for other in names.iter().filter(|o| *o != d) {
                for pat in [format!("drivers::{other}"), format!("super::{other}::")] {
                    if text.contains(&pat) {
                        bad.push(format!("{} uses {pat}", f.display()));
                    }
                }
            }
            if text.contains("crate::capi") {
                bad.push(format!("{} reaches into the C layer", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "cross-driver imports:\n{}", bad.join("\n"));
}

#[test]
fn lower_layers_know_no_driver() {
    let mut bad = Vec::new();
    for layer in ["core", "conf", "util"] {
        for f in rust_files(&src().join(layer)) {
            let text = fs::read_to_string(&f).unwrap();
            if text.contains("crate::drivers") || text.contains("crate::capi") {
                bad.push(f.display().to_string());
            }
        }
    }
    assert!(bad.is_empty(), "layering violations: {bad:?}");
}
