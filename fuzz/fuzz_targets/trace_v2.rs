//! Any bytes as the body of a v2 execution trace (Go 1.22+): the first byte
//! picks the header version (1.22, 1.23, 1.25 or 1.26), the rest follows the
//! header. Decoding (whole and streamed by generation) must return Ok or
//! Err, never panic, hang or blow memory; what it returns must hold
//! together. Seeds: fuzz/trace_seeds.sh.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&v, body)) = data.split_first() else { return };
    let header: &[u8] = match v % 4 {
        0 => b"go 1.22 trace\0\0\0",
        1 => b"go 1.23 trace\0\0\0",
        2 => b"go 1.25 trace\0\0\0",
        _ => b"go 1.26 trace\0\0\0",
    };
    let input = [header, body].concat();
    gopherlens::formats::trace::fuzz_one(&input);
    // And as the page opens it: analysed while decoded, then every query.
    gopherlens::fuzz_one(&input);
});
