//! vendorscan: audit SBOMs and firmware for parts traceable to excluded vendors.
//!
//! The flow runs one way (see ARCHITECTURE.md): [`sbom`] readers turn inputs into the
//! [`model`] inventory; [`report`] renders it. Readers know nothing of rules or output.

pub mod analyse;
pub mod cache;
pub mod copyright;
pub mod extract;
pub mod fdt;
pub mod firmware;
pub mod image;
pub mod model;
pub mod pipeline;
pub mod reconcile;
pub mod report;
pub mod rules;
pub mod sbom;
pub mod source;
