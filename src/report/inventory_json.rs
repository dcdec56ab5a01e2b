//! The inventory as JSON: a public interface, documented in docs/inventory-format.md.

use super::ToolInfo;
use crate::model::Inventory;
use serde::Serialize;
use std::io::Write;

/// Bumped on any change a consumer could notice; documented in docs/inventory-format.md.
pub const SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
struct Envelope<'a> {
    schema_version: &'static str,
    tool: ToolInfo,
    #[serde(flatten)]
    inventory: &'a Inventory,
}

/// Writes the inventory, pretty-printed, streaming (the output of a large SBOM is never held
/// in memory as one string).
pub fn write(inventory: &Inventory, out: &mut dyn Write) -> std::io::Result<()> {
    let envelope = Envelope {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::THIS,
        inventory,
    };
    serde_json::to_writer_pretty(&mut *out, &envelope)?;
    out.write_all(b"\n")
}
