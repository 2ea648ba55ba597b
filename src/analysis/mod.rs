//! Analyses over the model. Each is a pure function of the model.

pub mod calltree;
pub mod filter;
pub mod tags;
pub mod gc;
pub mod labels;
pub mod maps;
pub mod merge;
pub mod peek;
pub mod timeline;
pub mod top;
pub mod trace_profiles;
pub mod trace_stream;
pub mod transform;
