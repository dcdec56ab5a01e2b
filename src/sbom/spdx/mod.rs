//! SCAFFOLD (replaced by the SPDX reader).
use super::SbomError;
use crate::model::InventoryPart;
pub fn read_json(file: &str, _bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    Err(SbomError::UnknownFormat {
        file: file.into(),
        reason: "scaffold".into(),
    })
}
pub fn read_yaml(file: &str, _bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    Err(SbomError::UnknownFormat {
        file: file.into(),
        reason: "scaffold".into(),
    })
}
pub fn read_tag_value(file: &str, _bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    Err(SbomError::UnknownFormat {
        file: file.into(),
        reason: "scaffold".into(),
    })
}
pub fn read_v3(file: &str, _bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    Err(SbomError::UnknownFormat {
        file: file.into(),
        reason: "scaffold".into(),
    })
}
