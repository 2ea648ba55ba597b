//! gzip decompressed whole (`gunzip`, the CLI) and streamed in pieces
//! (`GunzipStream`, the page): never a panic, and always the same bytes or
//! the same error. The first byte picks the piece size.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gopherlens::formats::gzip::fuzz_one(data);
});
