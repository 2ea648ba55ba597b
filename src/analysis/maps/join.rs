//! Inputs joined to the heap profile: CPU profiles (or any profile whose
//! stacks keep the runtime frames, such as an execution trace once decoded
//! into the model), a base heap profile, and earlier heap snapshots.
//!
//! The join key is function + file + line. A CPU sample whose first user
//! frame is line L and which has runtime map code above it
//! (`runtime.mapassign_faststr` → `runtime.hashGrow`, or
//! `internal/runtime/maps.(*table).rehash`, ...) proves that L creates or
//! writes a map: heap sites at L get exact evidence.

use super::names;
use super::sites::{self, site_key, SiteTable};
use crate::formats::gobinary::GoBinary;
use crate::model::Profile;
use crate::Result;
use rustc_hash::FxHashMap;

/// What the joined stacks say about one source line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInfo {
    /// Union of the map flags ([`names`]) of the runtime and library frames
    /// above the line, over samples with map code.
    pub flags: u8,
    /// Samples whose first user frame is this line.
    pub samples: u64,
    /// Of those, samples with map code that allocates (create, write,
    /// grow, clone, sync.Map) above the line.
    pub map_samples: u64,
    /// The map functions seen above the line (distinct, at most 8).
    pub funcs: Vec<String>,
    /// Union of the layouts ([`names::LAYOUT_SWISS`],
    /// [`names::LAYOUT_CLASSIC`]) the runtime frames above the line prove.
    pub layout: u8,
    /// The runtime map functions a joined binary calls at this line
    /// (distinct, at most 8).
    pub calls: Vec<String>,
}

/// Everything joined to a heap profile by [`super::analyze`].
#[derive(Debug, Clone, Default)]
pub struct MapsInputs {
    pub(crate) lines: FxHashMap<String, LineInfo>,
    pub(crate) stack_profiles: usize,
    pub(crate) stack_samples: u64,
    /// Samples with a runtime frame that only Swiss tables have.
    pub(crate) swiss_samples: u64,
    /// Samples with a runtime frame that only classic maps have.
    pub(crate) classic_samples: u64,
    pub(crate) base: Option<SiteTable>,
    pub(crate) snapshots: Vec<SiteTable>,
    /// Joined binaries: (GNU build ID, Swiss tables?).
    pub(crate) binaries: Vec<(Option<String>, Option<bool>)>,
    pub(crate) binary_calls: usize,
    /// How each function of a joined binary makes maps: bit 1 without a
    /// size (`runtime.makemap_small`), bit 2 with one (`runtime.makemap`).
    pub(crate) makers: FxHashMap<String, u8>,
}

impl MapsInputs {
    /// No joined inputs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Joins the stacks of `p`: a CPU profile, or any profile whose stacks
    /// keep runtime frames. Profiles without map frames join nothing.
    pub fn add_cpu(&mut self, p: &Profile) {
        self.stack_profiles += 1;
        let mut seen: Vec<u32> = Vec::new();
        for i in 0..p.samples.len() {
            let frames = p.sample_frames(i);
            if frames.is_empty() {
                continue;
            }
            self.stack_samples += 1;
            let mut flags = 0u8;
            let mut layout = 0u8;
            seen.clear();
            let mut user = None;
            for &frame in frames.iter().rev() {
                let func = p.frames.func[frame.idx()];
                let name = p.strings.get(p.funcs.name[func.idx()]);
                let f = if names::is_runtime(name) { names::runtime_flags(name) } else { names::library_flags(name) };
                layout |= names::runtime_layout(name);
                if !names::is_runtime(name) && f == 0 {
                    user = Some(frame);
                    break;
                }
                if f & names::ALLOCATING != 0 && !seen.contains(&func.0) {
                    seen.push(func.0);
                }
                flags |= f;
            }
            if layout & names::LAYOUT_SWISS != 0 {
                self.swiss_samples += 1;
            }
            if layout & names::LAYOUT_CLASSIC != 0 {
                self.classic_samples += 1;
            }
            let Some(frame) = user else { continue };
            let func = p.frames.func[frame.idx()];
            let key = site_key(
                p.strings.get(p.funcs.name[func.idx()]),
                p.strings.get(p.funcs.file[func.idx()]),
                p.frames.line[frame.idx()],
            );
            let info = self.lines.entry(key).or_default();
            info.samples += 1;
            if flags & names::ALLOCATING != 0 {
                info.map_samples += 1;
                info.flags |= flags;
                info.layout |= layout;
                for &f in &seen {
                    let n = p.strings.get(p.funcs.name[f as usize]);
                    if info.funcs.len() < 8 && !info.funcs.iter().any(|x| x == n) {
                        info.funcs.push(n.to_string());
                    }
                }
            }
        }
    }

    /// Joins a Go binary: every line that calls a runtime map function that
    /// allocates gets exact evidence, whether or not a CPU sample caught it.
    pub fn add_binary(&mut self, b: &GoBinary) {
        self.binaries.push((b.gnu_build_id.clone(), b.swiss));
        self.binary_calls += b.calls.len();
        let layout = match b.swiss {
            Some(true) => names::LAYOUT_SWISS,
            Some(false) => names::LAYOUT_CLASSIC,
            None => 0,
        };
        for c in &b.calls {
            let info = self.lines.entry(site_key(&c.function, &c.file, c.line)).or_default();
            info.flags |= names::runtime_flags(&c.callee);
            info.layout |= layout;
            if info.calls.len() < 8 && !info.calls.contains(&c.callee) {
                info.calls.push(c.callee.clone());
            }
            let how = match c.callee.as_str() {
                "runtime.makemap_small" => 1,
                "runtime.makemap" | "runtime.makemap64" => 2,
                _ => 0,
            };
            if how != 0 {
                *self.makers.entry(c.function.clone()).or_default() |= how;
            }
        }
    }

    /// Whether a joined binary shows `func` making maps, and only with a
    /// size hint (so their buckets exist from the start).
    pub fn makes_maps_with_hint_only(&self, func: &str) -> bool {
        self.makers.get(func) == Some(&2)
    }

    /// Sets the base heap profile: sites report their change since it
    /// (`-diff_base` semantics: every value minus the base's).
    pub fn set_base(&mut self, p: &Profile) -> Result<()> {
        self.base = Some(sites::collect(p)?);
        Ok(())
    }

    /// Adds an earlier heap snapshot of the same program; call in time
    /// order. The analysed profile is the last point of each site's trend.
    pub fn add_snapshot(&mut self, p: &Profile) -> Result<()> {
        self.snapshots.push(sites::collect(p)?);
        Ok(())
    }

    /// What the joined stacks say about `func` at `file:line`.
    pub fn line(&self, func: &str, file: &str, line: i64) -> Option<&LineInfo> {
        self.lines.get(&site_key(func, file, line))
    }

    /// The map layout the runtime frames of the joined stacks prove:
    /// `Some(true)` Swiss tables, `Some(false)` classic maps, None when no
    /// frame names a layout or frames name both (stacks of different
    /// binaries). A joined binary names its layout too.
    pub fn layout(&self) -> Option<bool> {
        let swiss = self.swiss_samples > 0 || self.binaries.iter().any(|b| b.1 == Some(true));
        let classic = self.classic_samples > 0 || self.binaries.iter().any(|b| b.1 == Some(false));
        match (swiss, classic) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        }
    }

    /// Number of joined stack profiles.
    pub fn stack_profiles(&self) -> usize {
        self.stack_profiles
    }
}
