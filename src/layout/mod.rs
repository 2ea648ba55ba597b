//! Layouts: pure steps from analyses to flat arrays for the renderer.

pub mod flame;
