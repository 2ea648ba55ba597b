//! The sandwich of one function: its callers above (each stack through it
//! read from the function towards the root) and its callees below (read
//! from the function towards the leaf), every occurrence of the function
//! merged. A stack is split at the function's outermost frame, so a
//! recursive stack counts once, as pprof counts cum: both halves' roots are
//! the function's cum, and callers + function + callees put each stack
//! back together.

use super::stacks::{Step, Walks};
use crate::model::Profile;

/// The function's values as pprof's `-top` gives them, from the lists'
/// values: flat, the lists whose leaf it is; cum, the lists through it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    pub flat: i64,
    pub cum: i64,
}

/// The walks of the callers (`step` towards the root) or the callees of the
/// function named `name` (a string id), and its values; `None` when no
/// stack passes through it.
pub fn walks(p: &Profile, name: u32, step: Step, value: &[i64]) -> (Walks, Focus) {
    let mut w = Walks { step: Some(step), ..Walks::default() };
    let mut focus = Focus::default();
    let name_of = |f: crate::model::FrameId| p.funcs.name[p.frames.func[f.idx()].idx()].0;
    for l in 0..p.lists.len() as u32 {
        let frames = p.lists.get(l);
        let Some(at) = frames.iter().position(|&f| name_of(f) == name) else { continue };
        let v = value[l as usize];
        focus.cum = focus.cum.wrapping_add(v);
        if frames.last().is_some_and(|&f| name_of(f) == name) {
            focus.flat = focus.flat.wrapping_add(v);
        }
        let at = at as u32;
        w.list.push(l);
        w.from.push(at);
        w.len.push(match step {
            Step::TowardsRoot => at + 1,
            Step::TowardsLeaf => frames.len() as u32 - at,
        });
    }
    (w, focus)
}
