//! gzip decompressed whole (`gunzip`, the CLI) and streamed in pieces
//! (`GunzipStream`, the page): never a panic, and always the same bytes or
//! the same error, within the memory bound. The first byte picks the piece
//! size. Body: `gopherlens::fuzz::gzip`.
#![no_main]
use libfuzzer_sys::fuzz_target;

// Counted, so that going past the input's memory bound is a crash.
#[global_allocator]
static A: gopherlens::memcount::Counting = gopherlens::memcount::Counting;

fuzz_target!(|data: &[u8]| gopherlens::fuzz::gzip(data));
