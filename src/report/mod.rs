//! Reporters: render what the readers and the rule engine produced. They decide nothing and
//! read no input files; everything they print is already in the model or the findings.

pub mod attest;
pub mod audit_json;
pub mod audit_table;
pub mod cyclonedx_out;
pub mod html;
pub mod inventory_json;
pub mod inventory_table;
pub mod markdown;
pub mod sarif;
mod sbom_common;
pub mod spdx_out;
pub mod summary;
pub mod table;
pub mod text;

pub use cyclonedx_out::{
    write_cyclonedx_audited, write_cyclonedx_json, write_cyclonedx_reconciled, write_cyclonedx_xml,
};
pub use spdx_out::write_spdx_json;

use serde::Serialize;

/// Which program wrote a report: the `tool` member of every JSON format.
#[derive(Serialize)]
pub struct ToolInfo {
    name: &'static str,
    version: &'static str,
}

impl ToolInfo {
    pub const THIS: ToolInfo = ToolInfo {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
    };
}
