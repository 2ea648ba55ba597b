//! Any bytes as a Go executable: the ELF and pclntab readers return Ok or
//! Err, never panic, never run away (every offset and loop is bounded);
//! a binary that opens answers every query the page makes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = gopherlens::formats::gobinary::parse(data);
    gopherlens::fuzz_one(data);
});
