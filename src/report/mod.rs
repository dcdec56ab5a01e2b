//! Reporters: render what the readers (and later the rule engine) produced. They decide
//! nothing and read no input files; everything they print is already in the model.

pub mod inventory_json;
pub mod inventory_table;
pub mod table;
pub mod text;
