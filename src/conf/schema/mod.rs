//! Validation of documents against libvirt's RelaxNG schemas, for the
//! `*_VALIDATE` flags, failing with the lines libxml2's validator prints.
//!
//! The grammars are generated at development time by tools/gen_schemas.py
//! into `generated.rs` and each is only decoded the first time a document of
//! its kind is validated.

mod datatypes;
mod doc;
#[rustfmt::skip]
mod generated;
mod grammar;
mod regex;
mod validator;

use crate::core::error::{Error, Result};
use crate::generated::consts::{VIR_ERR_XML_INVALID_SCHEMA, VIR_FROM_XML};
use grammar::Grammar;
use std::sync::OnceLock;

/// The documents that can be validated, named after their schema file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Schema {
    NodeDev,
    StoragePool,
    StorageVol,
    Network,
    Domain,
    Interface,
    DomainSnapshot,
    DomainCheckpoint,
}

impl Schema {
    fn file(self) -> &'static str {
        match self {
            Schema::NodeDev => "nodedev",
            Schema::StoragePool => "storagepool",
            Schema::StorageVol => "storagevol",
            Schema::Network => "network",
            Schema::Domain => "domain",
            Schema::Interface => "interface",
            Schema::DomainSnapshot => "domainsnapshot",
            Schema::DomainCheckpoint => "domaincheckpoint",
        }
    }

    fn table(self) -> (usize, &'static str) {
        match self {
            Schema::NodeDev => generated::NODEDEV,
            Schema::StoragePool => generated::STORAGEPOOL,
            Schema::StorageVol => generated::STORAGEVOL,
            Schema::Network => generated::NETWORK,
            Schema::Domain => generated::DOMAIN,
            Schema::Interface => generated::INTERFACE,
            Schema::DomainSnapshot => generated::DOMAINSNAPSHOT,
            Schema::DomainCheckpoint => generated::DOMAINCHECKPOINT,
        }
    }

    fn grammar(self) -> &'static Grammar {
        static CACHE: [OnceLock<Grammar>; 8] = [const { OnceLock::new() }; 8];
        CACHE[self as usize].get_or_init(|| {
            let (start, text) = self.table();
            Grammar::parse(start, text)
        })
    }
}

/// The error lines libxml2 reports for `xml` against `schema`, None when
/// the document is valid (or not well-formed: the caller's parser reports that).
pub fn errors(schema: Schema, xml: &str) -> Option<String> {
    let tree = roxmltree::Document::parse(xml).ok()?;
    let g = schema.grammar();
    std::panic::catch_unwind(|| validator::validate(g, &tree)).ok().flatten()
}

fn schema_error(schema: &str, lines: String) -> Error {
    Error::with_detail(
        VIR_FROM_XML,
        VIR_ERR_XML_INVALID_SCHEMA,
        format!("Unable to validate doc against /usr/share/libvirt/schemas/{schema}.rng\n{lines}"),
    )
}

/// Fails with VIR_ERR_XML_INVALID_SCHEMA when `xml` does not validate.
pub fn validate(schema: Schema, xml: &str) -> Result<()> {
    match errors(schema, xml) {
        Some(lines) => Err(schema_error(schema.file(), lines)),
        None => Ok(()),
    }
}

/// Validates `xml` against `schema` when `flags` holds `flag`.
pub fn validate_if(flags: u32, flag: u32, schema: Schema, xml: &str) -> Result<()> {
    if flags & flag != 0 {
        validate(schema, xml)?;
    }
    Ok(())
}

/// Whether `xml` parses at all (schema checks only apply to documents that do).
pub fn well_formed(xml: &str) -> bool {
    roxmltree::Document::parse(xml).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{errors, Schema};

    #[test]
    fn compiled_content_reports_the_unexpected_element() {
        let xml = "<device><parent>scsi_host1</parent><capability type='scsi_host'/></device>";
        assert_eq!(errors(Schema::NodeDev, xml).as_deref(), Some("Did not expect element parent there\n"));
    }

    #[test]
    fn interleave_failures_stack_their_causes() {
        let xml = "<pool type='dir'><name>p</name><foo/><target><path>/p</path></target></pool>";
        assert_eq!(
            errors(Schema::StoragePool, xml).as_deref(),
            Some(
                "Expecting an element target, got nothing\nInvalid sequence in interleave\n\
                 Element pool failed to validate content\n"
            )
        );
    }

    #[test]
    fn valid_documents_pass() {
        let pool = "<pool type='dir'><name>p</name><target><path>/p</path></target></pool>";
        assert_eq!(errors(Schema::StoragePool, pool), None);
        let dom = "<domain type='test'><name>d</name><memory>1024</memory><os><type>hvm</type></os></domain>";
        assert_eq!(errors(Schema::Domain, dom), None);
        let net = "<network><name>n</name><ip address='10.0.0.1' prefix='24'/></network>";
        assert_eq!(errors(Schema::Network, net), None);
    }

    #[test]
    fn datatype_and_attribute_errors() {
        let dom = "<domain type='test'><name>d</name><memory>lots</memory><os><type>hvm</type></os></domain>";
        assert!(errors(Schema::Domain, dom).is_some());
        let pool = "<pool type='dir' x='1'><name>p</name><target><path>/p</path></target></pool>";
        assert_eq!(errors(Schema::StoragePool, pool).as_deref(), Some("Invalid attribute x for element pool\n"));
    }
}
