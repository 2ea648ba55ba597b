//! gopherlens core: Go profile formats → one interned model → analyses →
//! layouts. Compiled natively (tests, CLI) and to wasm32 (the web page).

pub mod analysis;
pub mod error;
pub mod formats;
pub mod layout;
pub mod model;
pub mod report;
pub mod session;
pub mod units;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
pub use formats::open;
pub use model::Profile;
pub use session::Session;
