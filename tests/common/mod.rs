//! Helpers shared by the integration tests: build small profiles by hand.
#![allow(dead_code)]

pub mod maps_fixtures;

use gopherlens::formats::pprof::proto;
use prost::Message;

/// A builder for hand-made profiles: strings are interned automatically.
#[derive(Default)]
pub struct Builder {
    pub p: proto::Profile,
}

impl Builder {
    pub fn new(types: &[(&str, &str)]) -> Self {
        let mut b = Builder::default();
        b.p.string_table.push(String::new());
        for (t, u) in types {
            let vt = proto::ValueType { r#type: b.s(t), unit: b.s(u) };
            b.p.sample_type.push(vt);
        }
        b
    }
    pub fn s(&mut self, v: &str) -> i64 {
        if let Some(i) = self.p.string_table.iter().position(|x| x == v) {
            return i as i64;
        }
        self.p.string_table.push(v.to_string());
        (self.p.string_table.len() - 1) as i64
    }
    /// Adds a function and returns its id.
    pub fn func(&mut self, name: &str) -> u64 {
        let id = self.p.function.len() as u64 + 1;
        let f = proto::Function { id, name: self.s(name), system_name: 0, filename: self.s("main.go"), start_line: 1 };
        self.p.function.push(f);
        id
    }
    /// Adds a location with lines given innermost first: (function id, line).
    pub fn loc(&mut self, lines: &[(u64, i64)]) -> u64 {
        let id = self.p.location.len() as u64 + 1;
        self.p.location.push(proto::Location {
            id,
            mapping_id: 0,
            address: 0x1000 + id,
            line: lines.iter().map(|&(f, l)| proto::Line { function_id: f, line: l, column: 0 }).collect(),
            is_folded: false,
        });
        id
    }
    /// Adds a sample with leaf-first location ids.
    pub fn sample(&mut self, locs: &[u64], values: &[i64]) {
        self.p.sample.push(proto::Sample { location_id: locs.to_vec(), value: values.to_vec(), label: vec![] });
    }
    pub fn bytes(&self) -> Vec<u8> {
        self.p.encode_to_vec()
    }
}

/// gzip-wraps `data` (stored with miniz_oxide at level 6).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend(crc32fast::hash(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}
