//! The JSON shapes shared by the CLI (`--json`) and the JS API. One set of
//! structs, serialised by serde_json natively and serde-wasm-bindgen in wasm,
//! so both always agree.

use serde::Serialize;

/// `gopherlens info` / `session.info()`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Info {
    pub format: String,
    pub sample_types: Vec<SampleTypeInfo>,
    pub default_sample_type: String,
    pub period_type: Option<TypeUnit>,
    pub period: i64,
    pub time_ns: i64,
    pub duration_ns: i64,
    /// Samples in the file.
    pub samples: usize,
    /// Location records in the file.
    pub locations: usize,
    /// Function records in the file.
    pub functions: usize,
}

/// A sample type with its total (sum of |value| over samples, as pprof).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SampleTypeInfo {
    #[serde(rename = "type")]
    pub kind: String,
    pub unit: String,
    pub total: i64,
}

/// A measured quantity and its unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TypeUnit {
    #[serde(rename = "type")]
    pub kind: String,
    pub unit: String,
}

/// `gopherlens top` / `session.top()`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Top {
    pub sample_type: String,
    pub unit: String,
    pub total: i64,
    pub rows: Vec<TopRow>,
}

/// One function's flat and cum value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TopRow {
    pub name: String,
    pub flat: i64,
    pub cum: i64,
}
