//! Event types of the trace format and what each carries.
//!
//! Each type lists its `args`: the wire arguments after the time delta, in
//! wire order, plus the few the reader fills in. Strings are
//! [`crate::model::StrId`]s and stacks `StackId + 1` (0 for none); the
//! stack of the event's own goroutine is also in [`super::Event::stack`].
//!
//! [`EventType`] uses the v2 wire numbering (Go 1.22+, `tracev2` in Go's
//! source); v1 events (Go 1.11–1.21) are converted into these types the way
//! Go's own reader does, so one set of types serves every version.
//! [`EventType::Sync`] marks generation boundaries, as in Go's reader.

use super::header::Version;

macro_rules! event_types {
    ($($(#[$m:meta])* $name:ident = $n:literal,)*) => {
        /// The type of an event: the wire type byte of v2 traces.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum EventType {
            $($(#[$m])* $name = $n,)*
        }
        impl EventType {
            /// The type for a wire byte, if there is one.
            pub const fn from_u8(b: u8) -> Option<EventType> {
                match b {
                    $($n => Some(EventType::$name),)*
                    _ => None,
                }
            }
            /// The name Go gives this type (`GCBegin`, `STWEnd`, ...).
            pub fn name(self) -> &'static str {
                match self {
                    $(EventType::$name => stringify!($name),)*
                }
            }
        }
    };
}

event_types! {
    /// Unused (0).
    None = 0,
    /// Structural: start of a per-thread batch.
    EventBatch = 1,
    /// Structural: start of a stack table batch.
    Stacks = 2,
    /// Structural: one stack table entry.
    Stack = 3,
    /// Structural: start of a string table batch.
    Strings = 4,
    /// Structural: one string table entry.
    String = 5,
    /// Structural: start of a CPU sample batch.
    CPUSamples = 6,
    /// A CPU profiling sample. args: none; the sample stack is in `stack`.
    CPUSample = 7,
    /// Structural: timestamp ticks per second.
    Frequency = 8,
    /// GOMAXPROCS changed. args: `[procs, stack]`.
    ProcsChange = 9,
    /// A P starts. args: `[p, p_seq]`.
    ProcStart = 10,
    /// The P of the thread stops. args: `[]`.
    ProcStop = 11,
    /// A P in a syscall was taken away. args: `[p, p_seq, m, wire status of
    /// the P before]`.
    ProcSteal = 12,
    /// A P's status at generation start. args: `[p, wire status, old state]`,
    /// the old state an index into [`PROC_STATES`].
    ProcStatus = 13,
    /// A goroutine is created. args: `[new_g, new_stack, stack (the creator's)]`.
    GoCreate = 14,
    /// A goroutine appears in a syscall (cgo callback). args: `[new_g]`.
    GoCreateSyscall = 15,
    /// A goroutine starts running. args: `[g, g_seq]`.
    GoStart = 16,
    /// The running goroutine ends. args: `[]`.
    GoDestroy = 17,
    /// A goroutine in a syscall ends (cgo callback). args: `[]`.
    GoDestroySyscall = 18,
    /// The running goroutine yields but stays runnable. args: `[reason, stack]`.
    GoStop = 19,
    /// The running goroutine blocks. args: `[reason, stack]`.
    GoBlock = 20,
    /// A goroutine is unblocked. args: `[g, g_seq, stack]`.
    GoUnblock = 21,
    /// The running goroutine enters a syscall. args: `[p_seq, stack]`.
    GoSyscallBegin = 22,
    /// The syscall returns without having blocked. args: `[]`.
    GoSyscallEnd = 23,
    /// The syscall returns after its P was taken. args: `[]`.
    GoSyscallEndBlocked = 24,
    /// A goroutine's status at generation start. args:
    /// `[g, m, (old state << 32) | wire status]`; old state indexes [`GO_STATES`].
    GoStatus = 25,
    /// Stop-the-world begins. args: `[reason, stack]`.
    STWBegin = 26,
    /// Stop-the-world ends. args: `[reason of the matching begin]`.
    STWEnd = 27,
    /// A GC cycle was already running at generation start. args: `[gc_seq]`.
    GCActive = 28,
    /// A GC cycle (concurrent mark phase) begins. args: `[gc_seq, stack]`.
    GCBegin = 29,
    /// The GC cycle ends. args: `[gc_seq]`.
    GCEnd = 30,
    /// A P was sweeping at generation start. args: `[p]`.
    GCSweepActive = 31,
    /// The P starts sweeping. args: `[stack]`.
    GCSweepBegin = 32,
    /// The P stops sweeping. args: `[swept bytes, reclaimed bytes]`.
    GCSweepEnd = 33,
    /// A goroutine was assisting marking at generation start. args: `[g]`.
    GCMarkAssistActive = 34,
    /// The running goroutine starts a mark assist. args: `[stack]`.
    GCMarkAssistBegin = 35,
    /// The mark assist ends. args: `[]`.
    GCMarkAssistEnd = 36,
    /// Live heap changed. args: `[bytes]`.
    HeapAlloc = 37,
    /// Heap goal changed. args: `[bytes]`.
    HeapGoal = 38,
    /// A label on the running goroutine (GC mark workers). args: `[label]`.
    GoLabel = 39,
    /// trace.NewTask. args: `[task, parent task (u64::MAX for none), name, stack]`.
    UserTaskBegin = 40,
    /// A task ends. args: `[task, stack, parent task, name]` (parent and name
    /// from its begin, if seen).
    UserTaskEnd = 41,
    /// trace.StartRegion. args: `[task, name, stack]`.
    UserRegionBegin = 42,
    /// A region ends. args: `[task, name, stack]`.
    UserRegionEnd = 43,
    /// trace.Log. args: `[task, key, value, stack]`.
    UserLog = 44,
    /// coroswitch to a goroutine (Go 1.23+). args: `[g, g_seq]`.
    GoSwitch = 45,
    /// coroswitch that also ends the current goroutine. args: `[g, g_seq]`.
    GoSwitchDestroy = 46,
    /// A goroutine is created blocked (Go 1.23+). args: `[new_g, new_stack, stack]`.
    GoCreateBlocked = 47,
    /// GoStatus with the goroutine's stack (Go 1.23+). args as GoStatus, then stack.
    GoStatusStack = 48,
    /// Structural: start of an experimental batch (Go 1.23+).
    ExperimentalBatch = 49,
    /// Structural: start of a sync batch (Go 1.25+).
    SyncBatch = 50,
    /// Structural: snapshot of the trace, monotonic and wall clocks (Go 1.25+).
    ClockSnapshot = 51,
    /// Structural: end-of-generation marker (Go 1.26+).
    EndOfGeneration = 52,
    /// Experimental (traceallocfree): a heap span exists. args: `[id, npages, kindclass]`.
    Span = 128,
    /// Experimental: a heap span is allocated. args: `[id, npages, kindclass]`.
    SpanAlloc = 129,
    /// Experimental: a heap span is freed. args: `[id]`.
    SpanFree = 130,
    /// Experimental: a heap object exists. args: `[id, type]`.
    HeapObject = 131,
    /// Experimental: a heap object is allocated. args: `[id, type]`.
    HeapObjectAlloc = 132,
    /// Experimental: a heap object is freed. args: `[id]`.
    HeapObjectFree = 133,
    /// Experimental: a goroutine stack exists. args: `[id, order]`.
    GoroutineStack = 134,
    /// Experimental: a goroutine stack is allocated. args: `[id, order]`.
    GoroutineStackAlloc = 135,
    /// Experimental: a goroutine stack is freed. args: `[id]`.
    GoroutineStackFree = 136,
    /// Not on the wire: a generation boundary, as Go's reader emits.
    /// args: `[n]`, the boundary's number counting from 1.
    Sync = 255,
}

/// How a timed event's arguments are read and interpreted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    /// Number of arguments after the timestamp delta.
    pub nargs: u8,
    /// Positions (0-based, after the delta) of stack-id arguments; the first
    /// is the stack of the event's own goroutine.
    pub stacks: &'static [u8],
    /// Positions of string-id arguments.
    pub strings: &'static [u8],
    /// For an end or "active" event, the begin event of its range.
    pub start: Option<EventType>,
    /// First format version with this event.
    pub since: Version,
}

const fn spec(nargs: u8, stacks: &'static [u8], strings: &'static [u8], start: Option<EventType>, since: u8) -> Spec {
    Spec { nargs, stacks, strings, start, since: Version(since) }
}

impl EventType {
    /// The spec of a timed event (one that appears in event batches), or
    /// `None` for structural types and [`EventType::Sync`].
    #[inline]
    pub(crate) fn timed_spec(self) -> Option<Spec> {
        // Called several times per event: a table, not the match.
        SPECS[self as u8 as usize]
    }

    const fn timed_spec_of(self) -> Option<Spec> {
        use EventType::*;
        let s = match self {
            ProcsChange => spec(2, &[1], &[], Option::None, 22),
            ProcStart => spec(2, &[], &[], Option::None, 22),
            ProcStop => spec(0, &[], &[], Option::None, 22),
            ProcSteal => spec(3, &[], &[], Option::None, 22),
            ProcStatus => spec(2, &[], &[], Option::None, 22),
            GoCreate => spec(3, &[2, 1], &[], Option::None, 22),
            GoCreateSyscall => spec(1, &[], &[], Option::None, 22),
            GoStart => spec(2, &[], &[], Option::None, 22),
            GoDestroy => spec(0, &[], &[], Option::None, 22),
            GoDestroySyscall => spec(0, &[], &[], Option::None, 22),
            GoStop => spec(2, &[1], &[0], Option::None, 22),
            GoBlock => spec(2, &[1], &[0], Option::None, 22),
            GoUnblock => spec(3, &[2], &[], Option::None, 22),
            GoSyscallBegin => spec(2, &[1], &[], Option::None, 22),
            GoSyscallEnd => spec(0, &[], &[], Some(GoSyscallBegin), 22),
            GoSyscallEndBlocked => spec(0, &[], &[], Some(GoSyscallBegin), 22),
            GoStatus => spec(3, &[], &[], Option::None, 22),
            STWBegin => spec(2, &[1], &[0], Option::None, 22),
            STWEnd => spec(0, &[], &[], Some(STWBegin), 22),
            GCActive => spec(1, &[], &[], Some(GCBegin), 22),
            GCBegin => spec(2, &[1], &[], Option::None, 22),
            GCEnd => spec(1, &[], &[], Some(GCBegin), 22),
            GCSweepActive => spec(1, &[], &[], Some(GCSweepBegin), 22),
            GCSweepBegin => spec(1, &[0], &[], Option::None, 22),
            GCSweepEnd => spec(2, &[], &[], Some(GCSweepBegin), 22),
            GCMarkAssistActive => spec(1, &[], &[], Some(GCMarkAssistBegin), 22),
            GCMarkAssistBegin => spec(1, &[0], &[], Option::None, 22),
            GCMarkAssistEnd => spec(0, &[], &[], Some(GCMarkAssistBegin), 22),
            HeapAlloc => spec(1, &[], &[], Option::None, 22),
            HeapGoal => spec(1, &[], &[], Option::None, 22),
            GoLabel => spec(1, &[], &[0], Option::None, 22),
            UserTaskBegin => spec(4, &[3], &[2], Option::None, 22),
            UserTaskEnd => spec(2, &[1], &[], Option::None, 22),
            UserRegionBegin => spec(3, &[2], &[1], Option::None, 22),
            UserRegionEnd => spec(3, &[2], &[1], Some(UserRegionBegin), 22),
            UserLog => spec(4, &[3], &[1, 2], Option::None, 22),
            GoSwitch => spec(2, &[], &[], Option::None, 23),
            GoSwitchDestroy => spec(2, &[], &[], Option::None, 23),
            GoCreateBlocked => spec(3, &[2, 1], &[], Option::None, 23),
            GoStatusStack => spec(4, &[3], &[], Option::None, 23),
            ClockSnapshot => spec(3, &[], &[], Option::None, 25),
            Span | SpanAlloc => spec(3, &[], &[], Option::None, 23),
            SpanFree | HeapObjectFree | GoroutineStackFree => spec(1, &[], &[], Option::None, 23),
            HeapObject | HeapObjectAlloc | GoroutineStack | GoroutineStackAlloc => spec(2, &[], &[], Option::None, 23),
            CPUSample => spec(0, &[], &[], Option::None, 22),
            None | EventBatch | Stacks | Stack | Strings | String | CPUSamples | Frequency | ExperimentalBatch
            | SyncBatch | EndOfGeneration | Sync => return Option::None,
        };
        Some(s)
    }

    /// How many of an event's four argument slots carry data (the spec's
    /// arguments plus the ones the reader fills in: old states, a task's
    /// parent and name, a Sync's number).
    pub fn stored_args(self) -> usize {
        // Called for every event: a table, not the spec's match.
        STORED_ARGS[self as u8 as usize] as usize
    }

    /// Whether this is an experimental event (traceallocfree and the like).
    pub fn is_experimental(self) -> bool {
        (self as u8) > 127 && self != EventType::Sync
    }

    /// The kind of event as `go tool trace -d=parsed` prints it
    /// (`StateTransition`, `RangeBegin`, `Metric`, ...).
    pub fn go_kind(self) -> &'static str {
        use EventType::*;
        match self {
            Sync => "Sync",
            CPUSample => "StackSample",
            ProcsChange | HeapAlloc | HeapGoal => "Metric",
            ProcStart | ProcStop | ProcSteal | ProcStatus | GoCreate | GoCreateSyscall | GoStart | GoDestroy
            | GoDestroySyscall | GoStop | GoBlock | GoUnblock | GoSyscallBegin | GoSyscallEnd | GoSyscallEndBlocked
            | GoStatus | GoSwitch | GoSwitchDestroy | GoCreateBlocked | GoStatusStack => "StateTransition",
            STWBegin | GCBegin | GCSweepBegin | GCMarkAssistBegin => "RangeBegin",
            GCActive | GCSweepActive | GCMarkAssistActive => "RangeActive",
            STWEnd | GCEnd | GCSweepEnd | GCMarkAssistEnd => "RangeEnd",
            GoLabel => "Label",
            UserTaskBegin => "TaskBegin",
            UserTaskEnd => "TaskEnd",
            UserRegionBegin => "RegionBegin",
            UserRegionEnd => "RegionEnd",
            UserLog => "Log",
            Span | SpanAlloc | SpanFree | HeapObject | HeapObjectAlloc | HeapObjectFree | GoroutineStack
            | GoroutineStackAlloc | GoroutineStackFree => "Experimental",
            None | EventBatch | Stacks | Stack | Strings | String | CPUSamples | Frequency | ExperimentalBatch
            | SyncBatch | ClockSnapshot | EndOfGeneration => "Bad",
        }
    }

    /// For range events, the range's name as Go's `Event.Range` gives it
    /// (STW ranges add their reason: "stop-the-world (reason)").
    pub fn range_name(self) -> Option<&'static str> {
        use EventType::*;
        match self {
            STWBegin | STWEnd => Some("stop-the-world"),
            GCBegin | GCActive | GCEnd => Some("GC concurrent mark phase"),
            GCSweepBegin | GCSweepActive | GCSweepEnd => Some("GC incremental sweep"),
            GCMarkAssistBegin | GCMarkAssistActive | GCMarkAssistEnd => Some("GC mark assist"),
            _ => Option::None,
        }
    }

    /// Whether a v2 trace of version `v` may contain this timed event.
    pub(crate) fn allowed_in(self, v: Version) -> bool {
        self.timed_spec().is_some_and(|s| s.since <= v) && self != EventType::CPUSample
    }
}

const fn stored_args_of(k: EventType) -> u8 {
    match k {
        EventType::ProcSteal | EventType::UserTaskEnd => 4,
        EventType::ProcStatus => 3,
        EventType::Sync | EventType::STWEnd => 1,
        k => match k.timed_spec_of() {
            Some(s) => s.nargs,
            None => 0,
        },
    }
}

/// [`EventType::timed_spec`] by wire byte.
static SPECS: [Option<Spec>; 256] = {
    let mut t = [None; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(k) = EventType::from_u8(i as u8) {
            t[i] = k.timed_spec_of();
        }
        i += 1;
    }
    t
};

/// [`EventType::stored_args`] by wire byte.
static STORED_ARGS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(k) = EventType::from_u8(i as u8) {
            t[i] = stored_args_of(k);
        }
        i += 1;
    }
    t
};

/// Go's goroutine states as its reader reports them (`GoState`), by value.
pub const GO_STATES: [&str; 6] = ["Undetermined", "NotExist", "Runnable", "Running", "Waiting", "Syscall"];
/// Go's proc states as its reader reports them (`ProcState`), by value.
pub const PROC_STATES: [&str; 4] = ["Undetermined", "NotExist", "Running", "Idle"];

/// Wire goroutine status (`tracev2.GoStatus`) to [`GO_STATES`] index.
pub(crate) fn go_status_to_state(status: u64) -> Option<u64> {
    // GoBad(0) maps to Undetermined, as in Go's table.
    [0, 2, 3, 5, 4].get(usize::try_from(status).ok()?).copied()
}

/// Wire proc status (`tracev2.ProcStatus`) to [`PROC_STATES`] index.
pub(crate) fn proc_status_to_state(status: u64) -> Option<u64> {
    // Running, Idle, Syscall (running), SyscallAbandoned (idle).
    [0, 2, 3, 2, 3].get(usize::try_from(status).ok()?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_round_trips() {
        for b in 0..=255u8 {
            if let Some(t) = EventType::from_u8(b) {
                assert_eq!(t as u8, b);
            }
        }
        assert_eq!(EventType::from_u8(52), Some(EventType::EndOfGeneration));
        assert_eq!(EventType::from_u8(53), None);
        assert_eq!(EventType::from_u8(136), Some(EventType::GoroutineStackFree));
        assert_eq!(EventType::GCBegin.go_kind(), "RangeBegin");
        assert!(EventType::HeapObjectAlloc.is_experimental());
        assert!(!EventType::Sync.is_experimental());
    }
}
