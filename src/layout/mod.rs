//! Layouts: pure steps from analyses to flat arrays for the renderer.

pub mod flame;
pub mod inverted;
pub mod sandwich;
pub mod stacks;
pub mod views;
