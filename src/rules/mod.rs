//! Rule packs and the rule engine. Packs are data (top-level `rules/`, compiled in; users add
//! folders); the engine turns an inventory into graded findings and never reads an input file.

pub mod check;
pub mod date;
pub mod engine;
pub mod index;
pub mod load;
pub mod normalise;
pub mod schema;
pub mod waiver;

pub use date::Date;
pub use engine::{audit, Audit, AuditOptions};
pub use index::Index;
pub use load::{load, load_unchecked, RuleError, RuleErrors, RuleSet};
