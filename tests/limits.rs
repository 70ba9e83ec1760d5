//! Extreme inputs: huge and deeply nested documents, entity tricks, very
//! long names, very large typed-parameter lists. Each must end in a clear
//! result or error without exhausting the stack; the time guards only catch
//! hangs (speed is measured by the benchmarks, not here).

use std::time::{Duration, Instant};
use virt::conf::domain::{DomainDef, FormatOpts};
use virt::conf::xml;

fn quick<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let v = f();
    assert!(start.elapsed() < limit, "{what} took {:?}", start.elapsed());
    v
}

fn domain_with(devices: &str, name: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><memory>65536</memory><vcpu>1</vcpu>\
         <os><type>hvm</type></os><devices>{devices}</devices></domain>"
    )
}

#[test]
fn a_domain_with_five_thousand_disks_parses_and_formats() {
    let disks: String = (0..5_000)
        .map(|i| {
            format!(
                "<disk type='file' device='disk'><source file='/d/{i}.img'/><target dev='vd{i}' bus='virtio'/></disk>"
            )
        })
        .collect();
    let xml = domain_with(&disks, "big");
    assert!(xml.len() > 400_000);
    let out = quick("5k-disk domain", Duration::from_secs(120), || {
        DomainDef::parse(&xml).map(|d| d.format(FormatOpts::default()))
    });
    // libvirt refuses some of these target names; either way it is an answer
    if let Ok(text) = out {
        assert!(text.contains("/d/4999.img"));
    }
}

#[test]
fn deep_nesting_is_refused_or_parsed_without_overflowing_the_stack() {
    let depth = 200_000;
    let doc = format!(
        "<domain type='test'><name>deep</name><metadata>{}{}</metadata></domain>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let r = quick("deep nesting", Duration::from_secs(120), || DomainDef::parse(&doc).map(|_| ()));
    assert!(r.is_err() || r.is_ok());
}

#[test]
fn entity_expansion_tricks_are_refused() {
    let laughs = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>\
                  <!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\
                  <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>\
                  <domain type='test'><name>&lol3;</name></domain>";
    let e = quick("billion laughs", Duration::from_secs(60), || xml::parse(laughs, "domain_definition")).unwrap_err();
    assert_eq!(e.code, virt::generated::consts::VIR_ERR_XML_DETAIL);
    let external = "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>";
    assert!(xml::parse(external, "domain_definition").is_err());
}

#[test]
fn a_name_of_a_megabyte_gets_an_answer() {
    let name = "n".repeat(1 << 20);
    let xml = domain_with("", &name);
    let r = quick("1 MiB name", Duration::from_secs(60), || DomainDef::parse(&xml).map(|d| d.name.len()));
    if let Ok(n) = r {
        assert_eq!(n, 1 << 20);
    }
}

#[test]
fn a_million_typed_parameters_are_handled() {
    use virt::core::typed_params::{get, TypedParam};
    let params: Vec<TypedParam> = quick("1M params", Duration::from_secs(120), || {
        (0..1_000_000).map(|i| TypedParam::uint(&format!("f{i}"), i).expect("valid field")).collect()
    });
    assert!(get(&params, "f999999").is_some());
    assert!(TypedParam::uint(&"x".repeat(100), 1).is_err(), "over-long field names are refused");
}
