//! Any bytes as the body of a v1 execution trace (Go 1.11–1.21): the first
//! byte picks the header version (1.11, 1.19 or 1.21), the rest follows the
//! header. Decoding must return Ok or Err, never panic, hang or blow memory;
//! what it returns must hold together. Seeds: fuzz/trace_seeds.sh.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&v, body)) = data.split_first() else { return };
    let header: &[u8] = match v % 3 {
        0 => b"go 1.11 trace\0\0\0",
        1 => b"go 1.19 trace\0\0\0",
        _ => b"go 1.21 trace\0\0\0",
    };
    let input = [header, body].concat();
    gopherlens::formats::trace::fuzz_one(&input);
    // And as the page opens it: analysed while decoded, then every query.
    gopherlens::fuzz_one(&input);
});
