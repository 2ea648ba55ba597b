//! The inverted (bottom-up) tree: each sample's stack read from its leaf,
//! so the roots are the functions where samples end, each as wide as its
//! flat value (pprof's `-top` flat), and a node's children are its callers.

use super::stacks::{Step, Walks};
use crate::model::Profile;

/// One walk per list: every frame, leaf first.
pub fn walks(p: &Profile) -> Walks {
    let n = p.lists.len();
    let mut w = Walks { step: Some(Step::TowardsRoot), ..Walks::default() };
    w.list.reserve(n);
    for l in 0..n as u32 {
        let len = p.lists.get(l).len() as u32;
        w.list.push(l);
        w.from.push(len.saturating_sub(1));
        w.len.push(len);
    }
    w
}
