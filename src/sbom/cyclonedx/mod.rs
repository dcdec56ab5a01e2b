//! SCAFFOLD (replaced by the CycloneDX reader).
use super::SbomError;
use crate::model::InventoryPart;
pub fn read_json(file: &str, _bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    Err(SbomError::UnknownFormat {
        file: file.into(),
        reason: "scaffold".into(),
    })
}
pub fn read_xml(file: &str, _bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    Err(SbomError::UnknownFormat {
        file: file.into(),
        reason: "scaffold".into(),
    })
}
