//! Analyses over the model. Each is a pure function of the model.

pub mod calltree;
pub mod top;
pub mod gc;
pub mod timeline;
pub mod trace_profiles;
pub mod trace_stream;
pub mod maps;
