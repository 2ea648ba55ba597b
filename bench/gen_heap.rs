//! Writes a large, Go-like heap profile (gzipped profile.proto) for the
//! benchmark in bench/run.sh. Deterministic: a fixed seed and an own PRNG, so
//! every run writes the same bytes.
//!
//!     cargo run --release --example gen_heap -- OUT.pb.gz [SAMPLES]
//!
//! SAMPLES defaults to 400000. What it imitates (see bench/README.md):
//!
//! * runtime/pprof's heap profile: sample types alloc_objects/count,
//!   alloc_space/bytes, inuse_objects/count, inuse_space/bytes; period_type
//!   space/bytes, period 524288 (the default MemProfileRate); values unsampled
//!   as runtime/pprof's scaleHeapSample does; a numeric label "bytes" (the
//!   object size) on every sample; one sample per (stack, size) bucket, so a
//!   stack can repeat with another size.
//! * runtime/pprof's field order: period_type, period, sample types, then each
//!   new location followed by its new functions just before the first sample
//!   that uses it, then time_nanos, the mappings and the string table last;
//!   ids numbered in order of first use; gzip at BestSpeed (level 1).
//! * ~20k functions with Go names (path/pkg.(*Type).Method, pkg.Func.func1,
//!   generics with go.shape, init.0, ...) and Go file paths (GOROOT,
//!   module cache, the service's own tree).
//! * stacks of depth 8–64 from a random call graph: runtime.main → main.main
//!   and a few hundred goroutine entry points as roots, callees weighted so
//!   hot paths share prefixes; call sites at different lines give several
//!   locations per function; some calls are inlined (locations with 2–3
//!   lines); leading runtime.* frames hidden as runtime/pprof hides them,
//!   with allocation helpers (bytes.growSlice, strings.(*Builder).grow, ...)
//!   as leaves.

use gopherlens::formats::pprof::proto::{Function, Label, Line, Location, Mapping, Sample, ValueType};
use prost::Message;
use std::collections::HashMap;
use std::time::Instant;

const SEED: u64 = 0x6f70_6865_726c_656e; // "gopherlen"
/// Functions in the call graph; about 20k of them end up in the profile.
const N_FUNCS: usize = 21_900;
const N_ROOTS: usize = 300;
/// Depth bands of the call graph: calls go to deeper levels (a walk gains
/// about 1.5 levels a call), so 64 locations stay clear of the bottom.
const MAX_LEVEL: u32 = 128;
const PERIOD: i64 = 524_288;
/// Shape of the stacks (tuned so the file is ~40 MB gzipped and its call
/// tree a few million nodes): target depth 8 + 57·u^DEPTH_POW locations.
const DEPTH_POW: f64 = 0.75;
/// Zipf exponent of the choice among a function's callees.
const CALLEE_SKEW: f64 = 1.4;
/// Share of samples repeating an earlier stack with another object size.
const SIZE_VARIANTS: f64 = 0.4;
/// Share of new stacks walked from a root rather than varied from an
/// earlier path's last calls.
const NEW_PATH: f64 = 0.3;
const TIME_NANOS: i64 = 1_763_780_400_000_000_000; // 2025-11-22T03:00:00Z

// ---------------------------------------------------------------- PRNG --

/// xoshiro256** seeded through splitmix64.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }
    fn u64(&mut self) -> u64 {
        let s = &mut self.0;
        let r = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        r
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in [0, n).
    fn below(&mut self, n: usize) -> usize {
        (((self.u64() >> 32) * n as u64) >> 32) as usize
    }
    /// Uniform in [lo, hi].
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Zipf choices over short lists: cumulative weights 1/(i+1)^s for every
/// list length up to `max`.
struct Zipf(Vec<Vec<f64>>);

impl Zipf {
    fn new(s: f64, max: usize) -> Self {
        Zipf(
            (0..=max)
                .map(|n| {
                    let mut acc = 0.0;
                    (0..n)
                        .map(|i| {
                            acc += ((i + 1) as f64).powf(-s);
                            acc
                        })
                        .collect()
                })
                .collect(),
        )
    }
    /// Index in [0, n).
    fn pick(&self, rng: &mut Rng, n: usize) -> usize {
        let cum = &self.0[n];
        let u = rng.f64() * cum[n - 1];
        cum.partition_point(|&c| c <= u).min(n - 1)
    }
}

// --------------------------------------------------------------- names --

const STD_PKGS: &[&str] = &[
    "bufio",
    "bytes",
    "strings",
    "strconv",
    "fmt",
    "io",
    "os",
    "sort",
    "sync",
    "time",
    "context",
    "errors",
    "reflect",
    "regexp",
    "regexp/syntax",
    "math/big",
    "unicode/utf8",
    "encoding/json",
    "encoding/binary",
    "encoding/base64",
    "encoding/hex",
    "encoding/xml",
    "encoding/csv",
    "compress/gzip",
    "compress/flate",
    "crypto/tls",
    "crypto/sha256",
    "crypto/aes",
    "crypto/x509",
    "crypto/ecdsa",
    "crypto/internal/fips140/sha256",
    "net",
    "net/http",
    "net/http/internal",
    "net/url",
    "net/textproto",
    "mime/multipart",
    "database/sql",
    "text/template",
    "text/template/parse",
    "html/template",
    "log/slog",
    "path/filepath",
    "hash/crc32",
    "container/heap",
    "slices",
    "maps",
    "iter",
    "internal/poll",
    "internal/bytealg",
    "internal/sync",
    "vendor/golang.org/x/net/http2/hpack",
    "go/ast",
    "go/parser",
    "go/scanner",
    "archive/tar",
    "image/png",
    "os/exec",
    "runtime/pprof",
    "expvar",
    "html",
    "unique",
    "weak",
    "log",
];

/// (module root, version, sub-packages).
const MODULES: &[(&str, &str, &[&str])] = &[
    (
        "google.golang.org/grpc",
        "v1.77.0",
        &[
            "",
            "internal/transport",
            "encoding/proto",
            "metadata",
            "balancer/roundrobin",
            "internal/grpcsync",
            "status",
            "credentials",
            "internal/channelz",
            "resolver",
        ],
    ),
    (
        "google.golang.org/protobuf",
        "v1.36.10",
        &[
            "proto",
            "internal/impl",
            "internal/encoding/text",
            "encoding/protojson",
            "internal/filedesc",
            "reflect/protoregistry",
            "types/known/anypb",
        ],
    ),
    (
        "github.com/jackc/pgx/v5",
        "v5.7.6",
        &["", "pgconn", "pgtype", "pgproto3", "internal/iobufpool", "stdlib", "pgxpool"],
    ),
    ("go.uber.org/zap", "v1.27.0", &["", "zapcore", "internal/bufferpool", "buffer"]),
    ("github.com/prometheus/client_golang", "v1.23.2", &["prometheus", "prometheus/promhttp", "prometheus/internal"]),
    ("github.com/prometheus/common", "v0.66.1", &["expfmt", "model"]),
    ("github.com/redis/go-redis/v9", "v9.14.0", &["", "internal/pool", "internal/proto", "internal/hscan"]),
    (
        "github.com/aws/aws-sdk-go-v2",
        "v1.39.2",
        &["aws", "aws/signer/v4", "aws/retry", "aws/transport/http", "internal/sdk"],
    ),
    ("github.com/aws/aws-sdk-go-v2/service/s3", "v1.88.3", &["", "internal/customizations", "types"]),
    ("github.com/aws/smithy-go", "v1.23.0", &["", "middleware", "transport/http", "encoding/xml", "document"]),
    (
        "k8s.io/client-go",
        "v0.34.1",
        &["tools/cache", "rest", "kubernetes/typed/core/v1", "util/workqueue", "informers/core/v1"],
    ),
    (
        "k8s.io/apimachinery",
        "v0.34.1",
        &[
            "pkg/runtime",
            "pkg/runtime/serializer/json",
            "pkg/apis/meta/v1",
            "pkg/util/json",
            "pkg/watch",
            "pkg/conversion",
        ],
    ),
    ("sigs.k8s.io/json", "v0.0.0-20250730193827-2d320260d730", &["internal/golang/encoding/json"]),
    ("golang.org/x/net", "v0.46.0", &["http2", "http2/hpack", "trace", "idna", "html"]),
    ("golang.org/x/sync", "v0.17.0", &["errgroup", "singleflight", "semaphore"]),
    ("golang.org/x/text", "v0.30.0", &["unicode/norm", "transform", "encoding/unicode"]),
    ("github.com/klauspost/compress", "v1.18.0", &["zstd", "flate", "gzip", "s2", "huff0", "fse"]),
    ("github.com/golang/snappy", "v1.0.0", &[""]),
    ("go.opentelemetry.io/otel/sdk", "v1.38.0", &["trace", "resource", "metric", "internal/x"]),
    ("go.opentelemetry.io/otel", "v1.38.0", &["", "attribute", "propagation", "trace", "internal/global"]),
    ("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "v0.63.0", &["", "internal/semconv"]),
    ("github.com/go-chi/chi/v5", "v5.2.3", &["", "middleware"]),
    ("github.com/gorilla/websocket", "v1.5.3", &[""]),
    ("github.com/json-iterator/go", "v1.1.12", &[""]),
    ("github.com/goccy/go-json", "v0.10.5", &["", "internal/encoder", "internal/decoder", "internal/runtime"]),
    (
        "github.com/segmentio/kafka-go",
        "v0.4.49",
        &["", "protocol", "protocol/produce", "protocol/fetch", "compress/snappy"],
    ),
    ("github.com/IBM/sarama", "v1.46.1", &[""]),
    ("github.com/nats-io/nats.go", "v1.46.1", &["", "jetstream"]),
    ("github.com/hashicorp/golang-lru/v2", "v2.0.7", &["", "simplelru", "expirable"]),
    ("github.com/dgraph-io/ristretto/v2", "v2.3.0", &["", "z"]),
    (
        "github.com/cockroachdb/pebble",
        "v1.1.5",
        &["", "internal/base", "internal/manifest", "sstable", "internal/arenaskl", "internal/cache", "record", "vfs"],
    ),
    ("github.com/spf13/viper", "v1.21.0", &[""]),
    ("github.com/spf13/cobra", "v1.10.1", &[""]),
    ("github.com/google/uuid", "v1.6.0", &[""]),
    ("github.com/valyala/fasthttp", "v1.67.0", &["", "stackless", "fasthttputil"]),
    ("github.com/andybalholm/brotli", "v1.2.0", &[""]),
    ("github.com/tidwall/gjson", "v1.18.0", &[""]),
    ("github.com/bits-and-blooms/bitset", "v1.24.0", &[""]),
    ("github.com/RoaringBitmap/roaring/v2", "v2.10.0", &["", "roaring64", "internal"]),
    (
        "github.com/apache/arrow-go/v18",
        "v18.4.1",
        &["arrow", "arrow/array", "arrow/memory", "arrow/ipc", "parquet/file", "parquet/internal/encoding"],
    ),
    ("github.com/ClickHouse/clickhouse-go/v2", "v2.40.3", &["", "lib/proto", "lib/column"]),
    ("github.com/elastic/go-elasticsearch/v8", "v8.19.0", &["", "esapi", "typedapi/types"]),
];

/// The service's own module and its packages.
const OWN_MODULE: &str = "gitlab.example.com/acme/checkout";
const OWN_AREAS: &[&str] = &[
    "cart",
    "order",
    "payment",
    "invoice",
    "catalog",
    "pricing",
    "inventory",
    "shipping",
    "tax",
    "promo",
    "customer",
    "account",
    "auth",
    "session",
    "search",
    "recommend",
    "review",
    "notify",
    "email",
    "ledger",
    "fraud",
    "report",
    "export",
    "import",
    "audit",
    "webhook",
    "gateway",
    "admin",
    "feature",
    "quota",
];
const OWN_LAYERS: &[&str] = &[
    "api", "service", "store", "store/pg", "cache", "events", "model", "grpcapi", "httpapi", "worker", "client",
    "mapper", "validate", "query", "index",
];

const TYPES: &[&str] = &[
    "Server",
    "Conn",
    "Client",
    "Decoder",
    "Encoder",
    "Reader",
    "Writer",
    "Buffer",
    "Pool",
    "Cache",
    "Store",
    "Handler",
    "Router",
    "Request",
    "Response",
    "Stream",
    "Session",
    "Txn",
    "Batch",
    "Queue",
    "Worker",
    "Scheduler",
    "Registry",
    "Codec",
    "Parser",
    "Lexer",
    "Node",
    "Tree",
    "Index",
    "Iterator",
    "Cursor",
    "Row",
    "Rows",
    "Stmt",
    "Tx",
    "Config",
    "Manager",
    "Controller",
    "Informer",
    "Watcher",
    "Frame",
    "Header",
    "Message",
    "Span",
    "Tracer",
    "Meter",
    "Histogram",
    "Counter",
    "Gauge",
    "Logger",
    "Entry",
    "Field",
    "Table",
    "Segment",
    "Block",
    "Chunk",
    "Page",
    "Snapshot",
    "Ledger",
    "Order",
    "Cart",
    "Payment",
    "Invoice",
    "Customer",
    "Account",
    "Event",
    "Publisher",
    "Subscriber",
    "Broker",
    "Channel",
    "Resolver",
    "Balancer",
    "Picker",
    "Transport",
    "Listener",
    "Dialer",
    "Proxy",
    "Filter",
    "Matcher",
    "Rule",
    "Policy",
    "Token",
    "Signer",
    "Hasher",
    "Compressor",
    "Ring",
    "Shard",
    "Replica",
    "Peer",
    "Member",
    "Lease",
    "Limiter",
    "Bucket",
    "Window",
    "Builder",
    "Visitor",
    "Schema",
    "Column",
    "Record",
    "Result",
    "Plan",
    "Executor",
    "Job",
    "Task",
    "Pipeline",
    "Stage",
    "Sink",
    "Source",
];

const VERBS: &[&str] = &[
    "Get",
    "Put",
    "Set",
    "Add",
    "Delete",
    "Read",
    "Write",
    "Close",
    "Flush",
    "Next",
    "Scan",
    "Exec",
    "Query",
    "Do",
    "Run",
    "Start",
    "Serve",
    "ServeHTTP",
    "Handle",
    "Process",
    "Encode",
    "Decode",
    "Marshal",
    "Unmarshal",
    "Parse",
    "Load",
    "Store",
    "Fetch",
    "Send",
    "Recv",
    "Dial",
    "Accept",
    "Lookup",
    "Resolve",
    "Apply",
    "Commit",
    "Open",
    "Reset",
    "Grow",
    "Append",
    "Copy",
    "Clone",
    "Merge",
    "Split",
    "Build",
    "Compile",
    "Eval",
    "Render",
    "Validate",
    "Normalize",
    "Emit",
    "Observe",
    "Record",
    "Update",
    "Sync",
    "Watch",
    "List",
    "Find",
    "Match",
    "Sort",
    "Hash",
    "Sign",
    "Verify",
    "Compress",
    "Pick",
    "Route",
    "Dispatch",
    "Schedule",
    "Enqueue",
    "Acquire",
    "Release",
    "Refresh",
    "Evict",
    "Insert",
    "Upsert",
    "Range",
    "Walk",
    "Visit",
    "Transform",
    "Convert",
    "Format",
    "Write",
];

const SUFFIXES: &[&str] = &[
    "", "", "", "", "Locked", "Slow", "Fast", "Once", "Loop", "Internal", "Ctx", "All", "Batch", "Bytes", "String",
    "To", "From",
];

const SHAPES: &[&str] = &[
    "go.shape.string",
    "go.shape.int",
    "go.shape.int64",
    "go.shape.uint64",
    "go.shape.*uint8",
    "go.shape.struct {}",
    "go.shape.interface {}",
    "go.shape.[]uint8",
    "go.shape.float64",
];

const FILE_WORDS: &[&str] = &[
    "server",
    "client",
    "conn",
    "transport",
    "codec",
    "decode",
    "encode",
    "stream",
    "pool",
    "cache",
    "store",
    "handler",
    "types",
    "util",
    "buffer",
    "reader",
    "writer",
    "query",
    "batch",
    "txn",
    "index",
    "tree",
    "iter",
    "metrics",
    "trace",
    "log",
    "config",
    "api",
    "service",
    "model",
    "errors",
    "options",
    "scan",
    "table",
    "compress",
    "frame",
    "header",
    "message",
    "marshal",
    "unmarshal",
    "schema",
    "plan",
    "exec",
    "worker",
];

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

struct Pkg {
    path: String,
    /// Level band: its functions sit around this depth of the call graph.
    level: u32,
    files: Vec<String>,
}

fn packages(rng: &mut Rng) -> Vec<Pkg> {
    let mut out = Vec::new();
    for p in STD_PKGS {
        out.push((p.to_string(), format!("/usr/local/go/src/{p}")));
    }
    for (module, version, subs) in MODULES {
        for s in subs.iter() {
            let path = if s.is_empty() { module.to_string() } else { format!("{module}/{s}") };
            let dir = if s.is_empty() {
                format!("/home/build/go/pkg/mod/{module}@{version}")
            } else {
                format!("/home/build/go/pkg/mod/{module}@{version}/{s}")
            };
            out.push((path, dir));
        }
    }
    for area in OWN_AREAS {
        // Each area has some of the layers.
        for layer in OWN_LAYERS {
            if rng.chance(0.22) {
                let sub = format!("internal/{area}/{layer}");
                out.push((format!("{OWN_MODULE}/{sub}"), format!("/build/checkout/{sub}")));
            }
        }
    }
    for sub in [
        "cmd/checkoutd",
        "internal/platform/httpx",
        "internal/platform/grpcx",
        "internal/platform/pgx",
        "internal/platform/kafka",
        "internal/platform/obs",
        "internal/platform/retry",
        "internal/platform/config",
        "pkg/money",
        "pkg/ids",
        "pkg/jsonx",
        "pkg/timeutil",
        "pkg/batcher",
        "pkg/lru",
    ] {
        out.push((format!("{OWN_MODULE}/{sub}"), format!("/build/checkout/{sub}")));
    }
    out.into_iter()
        .map(|(path, dir)| {
            let n_files = rng.range(1, 9) as usize;
            let mut files: Vec<String> = Vec::new();
            while files.len() < n_files {
                let w = rng.pick(FILE_WORDS);
                let f = if rng.chance(0.3) {
                    format!("{dir}/{w}_{}.go", rng.pick(FILE_WORDS))
                } else {
                    format!("{dir}/{w}.go")
                };
                if !files.contains(&f) {
                    files.push(f);
                }
            }
            // Applications sit high in the graph, libraries and the standard
            // library further down, but every band is wide.
            let level = if path.starts_with(OWN_MODULE) {
                rng.range(2, 22)
            } else if path.contains('.') && !path.starts_with("vendor/") {
                rng.range(15, 80)
            } else {
                rng.range(30, MAX_LEVEL as i64 - 12)
            } as u32;
            Pkg { path, level, files }
        })
        .collect()
}

/// A Go function name in package `pkg`.
fn go_name(rng: &mut Rng, pkg: &str) -> String {
    let ty = *rng.pick(TYPES);
    let verb = *rng.pick(VERBS);
    let suffix = *rng.pick(SUFFIXES);
    let private = rng.chance(0.4);
    let method = if private { lower_first(&format!("{verb}{suffix}")) } else { format!("{verb}{suffix}") };
    let generic = || -> String {
        if (ty.len() + verb.len()).is_multiple_of(2) {
            format!("[{}]", SHAPES[verb.len() % SHAPES.len()])
        } else {
            format!("[{},{}]", SHAPES[ty.len() % SHAPES.len()], SHAPES[(ty.len() + verb.len()) % SHAPES.len()])
        }
    };
    let base = match rng.below(100) {
        0..=39 => format!("{pkg}.(*{ty}).{method}"),
        40..=51 => format!("{pkg}.{ty}.{method}"),
        52..=73 => {
            if private {
                format!("{pkg}.{}{ty}", lower_first(verb))
            } else if rng.chance(0.3) {
                format!("{pkg}.New{ty}")
            } else {
                format!("{pkg}.{verb}{ty}")
            }
        }
        74..=78 => format!("{pkg}.(*{ty}{}).{method}", generic()),
        79..=82 => format!("{pkg}.{verb}{ty}{}", generic()),
        83..=84 => format!("{pkg}.init.{}", rng.below(4)),
        _ => format!("{pkg}.(*{ty}).{method}"),
    };
    // Closures: pkg.F.func1, pkg.(*T).M.func2.1, pkg.init.func3.
    if rng.chance(0.16) {
        let mut s = format!("{base}.func{}", rng.range(1, 6));
        if rng.chance(0.2) {
            s += &format!(".{}", rng.range(1, 3));
        }
        s
    } else {
        base
    }
}

// ----------------------------------------------------------- the graph --

struct Func {
    name: String,
    file: String,
    start_line: i64,
    level: u32,
    /// May be inlined into its callers.
    small: bool,
    /// Base address of its code and size.
    addr: u64,
    size: u64,
}

#[derive(Clone, Copy)]
struct Edge {
    callee: u32,
    /// Call-site line in the caller.
    line: i64,
    /// Further call sites of the same callee: lines line+7, line+14, ...
    more_sites: u8,
    inlined: bool,
}

struct Graph {
    funcs: Vec<Func>,
    /// Callees of each function, most likely first.
    edges: Vec<Vec<Edge>>,
    roots: Vec<u32>,
    /// Leaf allocation helpers: each a chain, caller first.
    alloc_tails: Vec<Vec<Edge>>,
    /// Stacks made of runtime frames only (shown whole by runtime/pprof).
    runtime_stacks: Vec<Vec<(u32, i64)>>,
}

fn build_graph(rng: &mut Rng) -> Graph {
    let pkgs = packages(rng);
    let mut funcs: Vec<Func> = Vec::with_capacity(N_FUNCS + 64);
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut add = |funcs: &mut Vec<Func>, name: String, file: String, level: u32, small: bool, rng: &mut Rng| -> u32 {
        if let Some(&id) = seen.get(&name) {
            return id;
        }
        let id = funcs.len() as u32;
        seen.insert(name.clone(), id);
        funcs.push(Func { name, file, start_line: rng.range(12, 2400), level, small, addr: 0, size: 0 });
        id
    };

    // Fixed runtime and allocation-helper functions.
    let rt = |f: &str| format!("/usr/local/go/src/runtime/{f}");
    let std = |f: &str| format!("/usr/local/go/src/{f}");
    let runtime_main = add(&mut funcs, "runtime.main".into(), rt("proc.go"), 0, false, rng);
    let main_main = add(&mut funcs, "main.main".into(), "/build/checkout/cmd/checkoutd/main.go".into(), 1, false, rng);
    let fixed: &[(&str, String, bool)] = &[
        ("runtime.gcBgMarkWorker", rt("mgc.go"), false),
        ("runtime.newobject", rt("malloc.go"), false),
        ("runtime.mallocgc", rt("malloc.go"), false),
        ("runtime.malg", rt("proc.go"), false),
        ("runtime.newproc1", rt("proc.go"), false),
        ("runtime.newproc.func1", rt("proc.go"), false),
        ("runtime.systemstack", rt("asm_amd64.s"), false),
        ("runtime.doInit1", rt("proc.go"), false),
        ("runtime.doInit", rt("proc.go"), false),
        ("runtime.allocm", rt("proc.go"), false),
        ("runtime.newm", rt("proc.go"), false),
        ("runtime.startm", rt("proc.go"), false),
        ("runtime.bgsweep", rt("mgcsweep.go"), false),
        ("runtime.(*timers).addHeap", rt("time.go"), false),
        ("bytes.growSlice", std("bytes/buffer.go"), false),
        ("bytes.(*Buffer).grow", std("bytes/buffer.go"), true),
        ("bytes.(*Buffer).Write", std("bytes/buffer.go"), true),
        ("bytes.(*Buffer).WriteString", std("bytes/buffer.go"), true),
        ("strings.(*Builder).grow", std("strings/builder.go"), true),
        ("strings.(*Builder).WriteString", std("strings/builder.go"), true),
        ("internal/bytealg.MakeNoZero", rt("slice.go"), false),
        ("strings.Repeat", std("strings/strings.go"), false),
        ("strings.genSplit", std("strings/strings.go"), false),
        ("strings.Split", std("strings/strings.go"), true),
        ("strings.Join", std("strings/strings.go"), false),
        ("strconv.formatBits", std("strconv/itoa.go"), false),
        ("strconv.FormatInt", std("strconv/itoa.go"), true),
        ("fmt.Sprintf", std("fmt/print.go"), false),
        ("fmt.(*pp).doPrintf", std("fmt/print.go"), false),
        ("fmt.newPrinter", std("fmt/print.go"), true),
        ("sync.(*Pool).Get", std("sync/pool.go"), false),
        ("sync.(*Pool).pinSlow", std("sync/pool.go"), false),
        ("reflect.New", std("reflect/value.go"), false),
        ("reflect.unsafe_New", rt("malloc.go"), false),
        ("reflect.MakeSlice", std("reflect/value.go"), false),
        ("reflect.Value.Interface", std("reflect/value.go"), true),
        ("reflect.packEface", std("reflect/value.go"), true),
        ("encoding/json.(*decodeState).literalStore", std("encoding/json/decode.go"), false),
        ("encoding/json.(*decodeState).object", std("encoding/json/decode.go"), false),
        ("encoding/json.(*decodeState).array", std("encoding/json/decode.go"), false),
        ("encoding/json.(*decodeState).value", std("encoding/json/decode.go"), false),
        ("encoding/json.Marshal", std("encoding/json/encode.go"), false),
        ("encoding/json.(*encodeState).marshal", std("encoding/json/encode.go"), false),
        ("bufio.NewReaderSize", std("bufio/bufio.go"), true),
        ("bufio.NewWriterSize", std("bufio/bufio.go"), true),
        ("io.ReadAll", std("io/io.go"), false),
        ("maps.Clone", std("maps/maps.go"), true),
        ("slices.Grow[go.shape.[]uint8,go.shape.uint8]", std("slices/slices.go"), true),
        ("slices.Clone[go.shape.[]string,go.shape.string]", std("slices/slices.go"), true),
        ("context.WithCancel", std("context/context.go"), false),
        ("context.withCancel", std("context/context.go"), false),
        ("context.WithValue", std("context/context.go"), false),
        ("net/http.Header.Clone", std("net/http/header.go"), false),
        ("net/textproto.MIMEHeader.Set", std("net/textproto/header.go"), true),
        ("net/textproto.(*Reader).ReadMIMEHeader", std("net/textproto/reader.go"), false),
        ("net/textproto.readMIMEHeader", std("net/textproto/reader.go"), false),
        ("errors.New", std("errors/errors.go"), true),
        ("fmt.Errorf", std("fmt/errors.go"), false),
        ("time.NewTimer", std("time/sleep.go"), false),
        ("time.AfterFunc", std("time/sleep.go"), false),
        ("compress/flate.NewWriter", std("compress/flate/deflate.go"), false),
        ("compress/flate.(*compressor).init", std("compress/flate/deflate.go"), false),
        ("compress/flate.newHuffmanBitWriter", std("compress/flate/huffman_bit_writer.go"), true),
        ("crypto/tls.(*Conn).readRecordOrCCS", std("crypto/tls/conn.go"), false),
        ("crypto/tls.(*halfConn).decrypt", std("crypto/tls/conn.go"), false),
        ("unique.Make[go.shape.string]", std("unique/handle.go"), false),
    ];
    let mut fixed_ids: HashMap<&str, u32> = HashMap::new();
    for (name, file, small) in fixed {
        let level = MAX_LEVEL;
        let id = add(&mut funcs, name.to_string(), file.clone(), level, *small, rng);
        fixed_ids.insert(name, id);
    }
    let fx = |n: &str| fixed_ids[n];

    // Package functions, package sizes skewed (a few big packages).
    let mut pkg_of: Vec<usize> = vec![usize::MAX; funcs.len()];
    let weights: Vec<f64> = (0..pkgs.len()).map(|_| 0.2 + rng.f64().powi(3) * 4.0).collect();
    let wsum: f64 = weights.iter().sum();
    let mut pkg_funcs: Vec<Vec<u32>> = vec![Vec::new(); pkgs.len()];
    while funcs.len() < N_FUNCS {
        let mut u = rng.f64() * wsum;
        let mut pi = 0;
        while pi + 1 < pkgs.len() && u >= weights[pi] {
            u -= weights[pi];
            pi += 1;
        }
        let pkg = &pkgs[pi];
        let name = go_name(rng, &pkg.path);
        let file = rng.pick(&pkg.files).clone();
        let level = (pkg.level as i64 + rng.range(-4, 10)).clamp(2, MAX_LEVEL as i64 - 1) as u32;
        let small = rng.chance(0.3);
        let before = funcs.len();
        let id = add(&mut funcs, name, file, level, small, rng);
        if funcs.len() > before {
            pkg_of.push(pi);
            pkg_funcs[pi].push(id);
        }
    }

    // Goroutine entry points: functions of the service and of a few
    // libraries, plus the well-known ones.
    let mut roots = vec![runtime_main];
    let mut by_level: Vec<Vec<u32>> = vec![Vec::new(); MAX_LEVEL as usize + 1];
    for (i, f) in funcs.iter().enumerate() {
        by_level[f.level as usize].push(i as u32);
    }
    let mut root_pool: Vec<u32> = (0..funcs.len() as u32)
        .filter(|&i| pkg_of.get(i as usize).is_some_and(|&p| p != usize::MAX) && funcs[i as usize].level <= 30)
        .collect();
    while roots.len() < N_ROOTS && !root_pool.is_empty() {
        let i = rng.below(root_pool.len());
        let f = root_pool.swap_remove(i);
        funcs[f as usize].level = funcs[f as usize].level.min(1);
        if !funcs[f as usize].name.contains(".func") && rng.chance(0.6) {
            // goroutines mostly start closures: go s.loop() shows as the
            // method, go func() { ... }() as .funcN
            funcs[f as usize].name += &format!(".func{}", rng.range(1, 4));
            if seen.contains_key(&funcs[f as usize].name) {
                funcs[f as usize].name += ".1";
            }
            seen.insert(funcs[f as usize].name.clone(), f);
        }
        roots.push(f);
    }

    // Callees: mostly one level or a few further down, often in the same
    // package; a function has 1–12 call sites, a few hubs many more.
    let mut edges: Vec<Vec<Edge>> = vec![Vec::new(); funcs.len()];
    for f in 0..funcs.len() {
        let lvl = funcs[f].level;
        if lvl >= MAX_LEVEL {
            continue;
        }
        let n = match rng.below(100) {
            0..=29 => 1,
            30..=54 => 2,
            55..=74 => 3,
            75..=94 => rng.range(4, 8) as usize,
            _ => rng.range(9, 40) as usize,
        };
        let n = if f as u32 == runtime_main || f as u32 == main_main { 3 } else { n };
        let own_pkg = pkg_of.get(f).copied().filter(|&p| p != usize::MAX);
        for _ in 0..n {
            let callee = loop {
                // Now and then recursion: the function itself or a caller
                // of its level in its package.
                if rng.chance(0.015) {
                    let back: Vec<u32> = own_pkg.map_or(Vec::new(), |p| {
                        pkg_funcs[p]
                            .iter()
                            .copied()
                            .filter(|&c| funcs[c as usize].level + 2 >= lvl && funcs[c as usize].level <= lvl)
                            .collect()
                    });
                    break if back.is_empty() { f as u32 } else { *rng.pick(&back) };
                }
                if let Some(p) = own_pkg.filter(|_| rng.chance(0.45)) {
                    let cands: Vec<u32> = pkg_funcs[p]
                        .iter()
                        .copied()
                        .filter(|&c| funcs[c as usize].level > lvl && funcs[c as usize].level <= lvl + 3)
                        .collect();
                    if !cands.is_empty() {
                        break *rng.pick(&cands);
                    }
                }
                let step = if rng.chance(0.85) { 1 } else { 2 };
                let l = (lvl + step).min(MAX_LEVEL - 1) as usize;
                if !by_level[l].is_empty() {
                    break *rng.pick(&by_level[l]);
                }
            };
            let line = funcs[f].start_line + rng.range(2, 180);
            let inlined = funcs[callee as usize].small && rng.chance(0.7);
            let more_sites = match rng.below(100) {
                0..=44 => 0,
                45..=84 => 1,
                _ => 2,
            };
            edges[f].push(Edge { callee, line, more_sites, inlined });
        }
    }
    edges[runtime_main as usize] = vec![Edge { callee: main_main, line: 283, more_sites: 0, inlined: false }];

    // Allocation leaves below user code (runtime.* callers are hidden).
    let e = |name: &str, line: i64, inlined: bool| Edge { callee: fx(name), line, more_sites: 0, inlined };
    let alloc_tails = vec![
        vec![
            e("bytes.(*Buffer).Write", 0, true),
            e("bytes.(*Buffer).grow", 200, true),
            e("bytes.growSlice", 142, false),
        ],
        vec![
            e("bytes.(*Buffer).WriteString", 0, true),
            e("bytes.(*Buffer).grow", 201, true),
            e("bytes.growSlice", 142, false),
        ],
        vec![
            e("strings.(*Builder).WriteString", 0, true),
            e("strings.(*Builder).grow", 120, true),
            e("internal/bytealg.MakeNoZero", 67, false),
        ],
        vec![e("strings.Split", 0, true), e("strings.genSplit", 594, false)],
        vec![e("strings.Join", 0, false), e("internal/bytealg.MakeNoZero", 502, false)],
        vec![e("strconv.FormatInt", 0, true), e("strconv.formatBits", 29, false)],
        vec![e("fmt.Sprintf", 0, false)],
        vec![e("fmt.Sprintf", 0, false), e("fmt.newPrinter", 239, true), e("sync.(*Pool).Get", 152, false)],
        vec![e("fmt.Errorf", 0, false), e("fmt.Sprintf", 0, false)],
        vec![e("errors.New", 0, true)],
        vec![e("reflect.New", 0, false), e("reflect.unsafe_New", 3309, false)],
        vec![e("reflect.MakeSlice", 0, false)],
        vec![e("reflect.Value.Interface", 0, true), e("reflect.packEface", 1513, true)],
        vec![
            e("encoding/json.(*decodeState).value", 0, false),
            e("encoding/json.(*decodeState).object", 386, false),
            e("encoding/json.(*decodeState).literalStore", 833, false),
        ],
        vec![
            e("encoding/json.(*decodeState).value", 0, false),
            e("encoding/json.(*decodeState).array", 374, false),
            e("reflect.MakeSlice", 563, false),
        ],
        vec![e("encoding/json.Marshal", 0, false), e("encoding/json.(*encodeState).marshal", 168, false)],
        vec![e("bufio.NewReaderSize", 0, true)],
        vec![e("bufio.NewWriterSize", 0, true)],
        vec![e("io.ReadAll", 0, false)],
        vec![e("maps.Clone", 0, true)],
        vec![e("slices.Grow[go.shape.[]uint8,go.shape.uint8]", 0, true)],
        vec![e("slices.Clone[go.shape.[]string,go.shape.string]", 0, true)],
        vec![e("context.WithCancel", 0, false), e("context.withCancel", 247, false)],
        vec![e("context.WithValue", 0, false)],
        vec![e("net/http.Header.Clone", 0, false)],
        vec![
            e("net/textproto.(*Reader).ReadMIMEHeader", 0, false),
            e("net/textproto.readMIMEHeader", 506, false),
            e("net/textproto.MIMEHeader.Set", 620, true),
        ],
        vec![e("time.NewTimer", 0, false)],
        vec![e("time.AfterFunc", 0, false)],
        vec![
            e("compress/flate.NewWriter", 0, false),
            e("compress/flate.(*compressor).init", 666, false),
            e("compress/flate.newHuffmanBitWriter", 572, true),
        ],
        vec![e("crypto/tls.(*Conn).readRecordOrCCS", 0, false), e("crypto/tls.(*halfConn).decrypt", 696, false)],
        vec![e("unique.Make[go.shape.string]", 0, false)],
        vec![e("sync.(*Pool).Get", 0, false), e("sync.(*Pool).pinSlow", 135, false)],
    ];

    let r = |n: &str, line: i64| (fx(n), line);
    let runtime_stacks = vec![
        vec![r("runtime.gcBgMarkWorker", 1763), r("runtime.newobject", 2157), r("runtime.mallocgc", 1143)],
        vec![
            r("runtime.systemstack", 562),
            r("runtime.newproc.func1", 5299),
            r("runtime.newproc1", 5322),
            r("runtime.malg", 5274),
            r("runtime.mallocgc", 1150),
        ],
        vec![(runtime_main, 235), r("runtime.doInit", 7426), r("runtime.doInit1", 7453)],
        vec![
            r("runtime.systemstack", 562),
            r("runtime.startm", 3045),
            r("runtime.newm", 2874),
            r("runtime.allocm", 2263),
            r("runtime.newobject", 2157),
        ],
        vec![r("runtime.bgsweep", 301), r("runtime.(*timers).addHeap", 384)],
    ];

    // Text layout: functions one after another from 0x401000.
    let mut addr = 0x401000u64;
    for f in funcs.iter_mut() {
        f.addr = addr;
        f.size = 64 + rng.below(4000) as u64 / 16 * 16;
        addr += f.size;
    }

    Graph { funcs, edges, roots, alloc_tails, runtime_stacks }
}

// ---------------------------------------------------------- the output --

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push(v as u8 | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Top-level field `tag` holding message `m`, as runtime/pprof writes them
/// one by one.
fn put_msg<M: Message>(buf: &mut Vec<u8>, tag: u32, m: &M) {
    put_varint(buf, (tag as u64) << 3 | 2);
    put_varint(buf, m.encoded_len() as u64);
    m.encode_raw(buf);
}

fn put_int(buf: &mut Vec<u8>, tag: u32, v: i64) {
    put_varint(buf, (tag as u64) << 3);
    put_varint(buf, v as u64);
}

#[derive(Default)]
struct StringTable {
    index: HashMap<String, i64>,
    list: Vec<String>,
}

impl StringTable {
    fn new() -> Self {
        let mut t = StringTable::default();
        t.get("");
        t
    }
    fn get(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as i64;
        self.index.insert(s.to_string(), i);
        self.list.push(s.to_string());
        i
    }
}

/// Writes profile.proto in runtime/pprof's order.
struct Writer {
    buf: Vec<u8>,
    strings: StringTable,
    /// Function id (1-based, in order of first use) per graph function.
    func_id: Vec<u64>,
    n_funcs: u64,
    /// Location id per list of (function, line), innermost first.
    loc_id: HashMap<Vec<(u32, i64)>, u64>,
    /// Next free address offset inside each function.
    next_pc: Vec<u64>,
    max_addr: u64,
    bytes_key: i64,
}

impl Writer {
    fn location(&mut self, g: &Graph, lines: &[(u32, i64)]) -> u64 {
        if let Some(&id) = self.loc_id.get(lines) {
            return id;
        }
        let id = self.loc_id.len() as u64 + 1;
        self.loc_id.insert(lines.to_vec(), id);
        // The code is the outermost (physical) function's.
        let phys = lines.last().unwrap().0 as usize;
        let f = &g.funcs[phys];
        let off = &mut self.next_pc[phys];
        *off = (*off + 5 + (lines[0].1 as u64 % 7)) % (f.size - 1);
        let address = f.addr + 1 + *off;
        self.max_addr = self.max_addr.max(address);
        let mut new_funcs = Vec::new();
        let line: Vec<Line> = lines
            .iter()
            .map(|&(func, line)| {
                if self.func_id[func as usize] == 0 {
                    self.n_funcs += 1;
                    self.func_id[func as usize] = self.n_funcs;
                    new_funcs.push(func);
                }
                Line { function_id: self.func_id[func as usize], line, column: 0 }
            })
            .collect();
        put_msg(&mut self.buf, 4, &Location { id, mapping_id: 1, address, line, is_folded: false });
        for func in new_funcs {
            let f = &g.funcs[func as usize];
            let name = self.strings.get(&f.name);
            let filename = self.strings.get(&f.file);
            let m = Function {
                id: self.func_id[func as usize],
                name,
                system_name: name,
                filename,
                start_line: f.start_line,
            };
            put_msg(&mut self.buf, 5, &m);
        }
        id
    }
}

/// Go's size classes (bytes), then a few large sizes.
const SIZES: &[i64] = &[
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480,
    512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864,
    5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480,
    21760, 24576, 27264, 28672, 32768, 40960, 65536, 81920, 139264, 262144, 663552, 1048576, 4194304,
];

/// runtime/pprof's scaleHeapSample: undo the sampling at `rate`.
fn scale(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    let avg = size as f64 / count as f64;
    let s = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * s) as i64, (size as f64 * s) as i64)
}

struct Walk {
    roots: Zipf,
    callees: Zipf,
}

/// One frame: function, line, and whether it is inlined into the frame
/// before it (its caller).
type Frame = (u32, i32, bool);

/// A call path from a root: every frame but the last has its call site's
/// line; `target` is the depth in locations the walk aimed at.
#[derive(Clone)]
struct Path {
    frames: Vec<Frame>,
    target: usize,
}

/// Number of locations `frames` fold into (inlined frames share one).
fn n_locs(frames: &[Frame]) -> usize {
    frames.iter().filter(|f| !f.2).count()
}

/// Walks the call graph from `f` (inlined into the last frame of `out` if
/// `inlined_in`) until `out` folds into `target` locations or a function
/// calls nothing more; the last frame is left without a line.
fn walk_from(
    g: &Graph,
    rng: &mut Rng,
    z: &Walk,
    out: &mut Vec<Frame>,
    mut f: u32,
    mut inlined_in: bool,
    target: usize,
) {
    let mut locs = n_locs(out);
    // Consecutive inlined frames so far: a location holds at most 3 lines.
    let mut run = out.iter().rev().take_while(|f| f.2).count();
    loop {
        if inlined_in && run >= 2 {
            inlined_in = false;
        }
        if inlined_in {
            run += 1;
        } else {
            run = 0;
            locs += 1;
        }
        let edges = &g.edges[f as usize];
        if locs >= target || edges.is_empty() || out.len() >= 4 * 64 {
            out.push((f, 0, inlined_in));
            return;
        }
        // Hot callees first: a strong skew shares prefixes as real
        // programs do.
        let e = edges[z.callees.pick(rng, edges.len())];
        let line = e.line + 7 * rng.below(1 + e.more_sites as usize) as i64;
        out.push((f, line as i32, inlined_in));
        inlined_in = e.inlined;
        f = e.callee;
    }
}

/// A new call path: depth 8–64 locations, deeper ones a little more likely.
fn new_path(g: &Graph, rng: &mut Rng, z: &Walk) -> Path {
    let target = (8.0 + 57.0 * rng.f64().powf(DEPTH_POW)).min(64.0) as usize;
    let root = if rng.chance(0.12) { g.roots[0] } else { g.roots[1 + z.roots.pick(rng, g.roots.len() - 1)] };
    let mut frames = Vec::with_capacity(target + 8);
    walk_from(g, rng, z, &mut frames, root, false, target);
    Path { frames, target }
}

/// Another path ending near `p`: the same callers, the last 1–3 calls
/// chosen afresh (a function allocating through several of its callees).
fn vary_path(g: &Graph, rng: &mut Rng, z: &Walk, p: &Path) -> Path {
    let keep = p.frames.len().saturating_sub(rng.range(1, 3) as usize).max(1);
    let (f, _, inlined_in) = p.frames[keep];
    let mut frames = p.frames[..keep].to_vec();
    walk_from(g, rng, z, &mut frames, f, inlined_in, p.target);
    Path { frames, target: p.target }
}

/// A whole stack, root first: `path`, the allocation line in its last
/// function, and often an allocation helper below it (its locations are
/// taken off the path's so the depth stays within 8–64).
fn finish_stack(g: &Graph, rng: &mut Rng, path: &Path, out: &mut Vec<Frame>) {
    out.clear();
    if rng.chance(0.004) {
        let s = rng.pick(&g.runtime_stacks);
        out.extend(s.iter().map(|&(f, l)| (f, l as i32, false)));
        return;
    }
    let tail = if rng.chance(0.45) { Some(rng.pick(&g.alloc_tails)) } else { None };
    let mut body_len = path.frames.len();
    loop {
        out.clear();
        out.extend_from_slice(&path.frames[..body_len]);
        // Each function allocates at a few sites.
        let last = out.len() - 1;
        let f = &g.funcs[out[last].0 as usize];
        out[last].1 = (f.start_line + 2 + 5 * (path.target as i64 % (1 + f.start_line % 6))) as i32;
        if let Some(t) = tail {
            for (i, e) in t.iter().enumerate() {
                let line = t.get(i + 1).map_or(g.funcs[e.callee as usize].start_line + 4, |n| n.line);
                out.push((e.callee, line as i32, e.inlined));
            }
        }
        if body_len <= 2 || fold_count(out) <= path.target.max(8) {
            break;
        }
        body_len -= 1;
    }
    let last = body_len - 1;
    let f = &g.funcs[out[last].0 as usize];
    out[last].1 = (f.start_line + 2 + 5 * rng.below(1 + (f.start_line % 6) as usize) as i64) as i32;
}

/// Calls `emit` with each location's lines (innermost first), leaf first:
/// inlined frames join their caller's location, at most 3 lines each.
fn fold(frames: &[Frame], mut emit: impl FnMut(&[(u32, i64)])) {
    let mut group: Vec<(u32, i64)> = Vec::with_capacity(3);
    for k in (0..frames.len()).rev() {
        let (f, line, inlined) = frames[k];
        group.push((f, line as i64));
        if !inlined || group.len() == 3 || k == 0 {
            emit(&group);
            group.clear();
        }
    }
}

fn fold_count(frames: &[Frame]) -> usize {
    let mut n = 0;
    fold(frames, |_| n += 1);
    n
}

fn gzip(data: &[u8], level: u8) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, level));
    out.extend(crc32fast::hash(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// The low-sharing shape (issue 11): a fixed random graph of 70,000
/// locations (one line each, over 20,000 functions), each with 1 to 12
/// callee locations; every sample is a fresh random walk of 8 to 64
/// locations (uniform) from one of 300 roots. Stacks share little beyond
/// their first levels: ~13M distinct prefixes for 400k samples, as merged
/// CPU profiles of many replicas, deep generic code or heap profiles
/// allocated along many paths do.
struct LowSharing {
    locs: Vec<(u32, i64)>,
    callees: Vec<Vec<u32>>,
    roots: Vec<u32>,
}

const LOW_LOCATIONS: usize = 70_000;
const LOW_FUNCTIONS: usize = 20_000;

impl LowSharing {
    fn new(g: &Graph, rng: &mut Rng) -> Self {
        let n_funcs = g.funcs.len().min(LOW_FUNCTIONS);
        let locs: Vec<(u32, i64)> = (0..LOW_LOCATIONS).map(|_| (rng.below(n_funcs) as u32, rng.range(10, 2000))).collect();
        let callees = (0..LOW_LOCATIONS)
            .map(|_| (0..rng.range(1, 12)).map(|_| rng.below(LOW_LOCATIONS) as u32).collect())
            .collect();
        let roots = (0..N_ROOTS).map(|_| rng.below(LOW_LOCATIONS) as u32).collect();
        LowSharing { locs, callees, roots }
    }

    /// A stack, leaf first (as pprof stores it): location indices.
    fn stack(&self, rng: &mut Rng, out: &mut Vec<u32>) {
        out.clear();
        let depth = rng.range(8, 64) as usize;
        let mut at = *rng.pick(&self.roots);
        out.push(at);
        while out.len() < depth {
            at = *rng.pick(&self.callees[at as usize]);
            out.push(at);
        }
        out.reverse();
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // --shape shared (default: stacks share prefixes as Go programs' do) or
    // --shape low-sharing (see LowSharing).
    let mut low_sharing = false;
    if let Some(i) = args.iter().position(|a| a == "--shape") {
        match args.get(i + 1).map(String::as_str) {
            Some("shared") => {}
            Some("low-sharing") => low_sharing = true,
            _ => {
                eprintln!("gen_heap: --shape takes shared or low-sharing");
                std::process::exit(2);
            }
        }
        args.drain(i..i + 2);
    }
    let (Some(out_path), n_samples) = (args.first(), args.get(1)) else {
        eprintln!("usage: gen_heap OUT.pb.gz [SAMPLES] [--shape shared|low-sharing]   (default 400000 samples, shared)");
        std::process::exit(2);
    };
    let n_samples: usize = match n_samples.map(|s| s.parse()) {
        None => 400_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("gen_heap: SAMPLES must be a whole number");
            std::process::exit(2);
        }
    };
    let t0 = Instant::now();
    let mut rng = Rng::new(SEED);
    let g = build_graph(&mut rng);

    let mut w = Writer {
        buf: Vec::with_capacity(n_samples * 200),
        strings: StringTable::new(),
        func_id: vec![0; g.funcs.len()],
        n_funcs: 0,
        loc_id: HashMap::new(),
        next_pc: vec![0; g.funcs.len()],
        max_addr: 0,
        bytes_key: 0,
    };
    let vt = |w: &mut Writer, t: &str, u: &str| ValueType { r#type: w.strings.get(t), unit: w.strings.get(u) };
    let period_type = vt(&mut w, "space", "bytes");
    put_msg(&mut w.buf, 11, &period_type);
    put_int(&mut w.buf, 12, PERIOD);
    for (t, u) in
        [("alloc_objects", "count"), ("alloc_space", "bytes"), ("inuse_objects", "count"), ("inuse_space", "bytes")]
    {
        let v = vt(&mut w, t, u);
        put_msg(&mut w.buf, 1, &v);
    }
    w.bytes_key = w.strings.get("bytes");

    let z = Walk { roots: Zipf::new(0.9, N_ROOTS), callees: Zipf::new(CALLEE_SKEW, 64) };
    let low = low_sharing.then(|| LowSharing::new(&g, &mut rng));
    let mut walk: Vec<u32> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut paths: Vec<Path> = Vec::new();
    let mut stacks: Vec<Box<[u32]>> = Vec::new();
    let (mut depth_sum, mut depth_min, mut depth_max) = (0usize, usize::MAX, 0usize);
    let mut distinct: std::collections::HashSet<u64> = std::collections::HashSet::new();
    for _ in 0..n_samples {
        // One bucket per (stack, size): many samples repeat an earlier
        // stack with another size, anywhere in the file as in Go's bucket
        // list. New stacks mostly end near an earlier one.
        let location_id = if let Some(low) = &low {
            low.stack(&mut rng, &mut walk);
            walk.iter().map(|&l| w.location(&g, std::slice::from_ref(&low.locs[l as usize]))).collect()
        } else if !stacks.is_empty() && rng.chance(SIZE_VARIANTS) {
            rng.pick(&stacks).iter().map(|&id| id as u64).collect()
        } else {
            let path = if paths.is_empty() || rng.chance(NEW_PATH) {
                new_path(&g, &mut rng, &z)
            } else {
                let i = rng.below(paths.len());
                vary_path(&g, &mut rng, &z, &paths[i])
            };
            finish_stack(&g, &mut rng, &path, &mut frames);
            paths.push(path);
            let mut ids = Vec::with_capacity(frames.len());
            fold(&frames, |lines| ids.push(w.location(&g, lines)));
            stacks.push(ids.iter().map(|&id| id as u32).collect());
            ids
        };
        depth_sum += location_id.len();
        depth_min = depth_min.min(location_id.len());
        depth_max = depth_max.max(location_id.len());
        distinct
            .insert(location_id.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| (h ^ x).wrapping_mul(0x100_0000_01b3)));

        // Object size: small sizes are the common ones.
        let size = SIZES[((rng.f64().powf(2.2)) * SIZES.len() as f64) as usize];
        let size = if size > 32768 && rng.chance(0.5) { size + 8192 * rng.range(0, 64) } else { size };
        // Sampled allocations in the bucket; most of them freed long ago
        // (alloc_* count since the start, inuse_* only what is live).
        let count = 1 + (rng.f64().powf(8.0) * 24.0) as i64;
        let inuse = if rng.chance(0.9) { 0 } else { rng.range(1, count) };
        let (ao, a_space) = scale(count, count * size, PERIOD);
        let (io, i_space) = scale(inuse, inuse * size, PERIOD);
        let s = Sample {
            location_id,
            value: vec![ao, a_space, io, i_space],
            label: vec![Label { key: w.bytes_key, str: 0, num: size, num_unit: 0 }],
        };
        put_msg(&mut w.buf, 2, &s);
    }
    put_int(&mut w.buf, 9, TIME_NANOS);

    let exe = w.strings.get("/usr/local/bin/checkoutd");
    let build_id = w.strings.get("5c1f6a0e9d3b47a28e61f0b2c4d7a9e83b12f605");
    let vdso = w.strings.get("[vdso]");
    let vsyscall = w.strings.get("[vsyscall]");
    let text_end = (w.max_addr + 0x1000) & !0xfff;
    let mappings = [
        Mapping {
            id: 1,
            memory_start: 0x400000,
            memory_limit: text_end,
            file_offset: 0,
            filename: exe,
            build_id,
            has_functions: true,
            ..Default::default()
        },
        Mapping {
            id: 2,
            memory_start: 0x7ffd_a1b2_c000,
            memory_limit: 0x7ffd_a1b2_e000,
            filename: vdso,
            ..Default::default()
        },
        Mapping {
            id: 3,
            memory_start: 0xffff_ffff_ff60_0000,
            memory_limit: 0xffff_ffff_ff60_1000,
            filename: vsyscall,
            ..Default::default()
        },
    ];
    for m in &mappings {
        put_msg(&mut w.buf, 3, m);
    }
    let string_bytes: usize = w.strings.list.iter().map(|s| s.len()).sum();
    for s in &w.strings.list {
        put_varint(&mut w.buf, 6 << 3 | 2);
        put_varint(&mut w.buf, s.len() as u64);
        w.buf.extend_from_slice(s.as_bytes());
    }
    let t_encode = t0.elapsed();

    // runtime/pprof compresses with gzip.BestSpeed.
    let gz = gzip(&w.buf, 1);
    let t_all = t0.elapsed();
    if let Err(e) = std::fs::write(out_path, &gz) {
        eprintln!("gen_heap: {out_path}: {e}");
        std::process::exit(1);
    }
    let mb = |n: usize| n as f64 / 1e6;
    println!("wrote {out_path}");
    println!("  gzipped {:.1} MB ({} bytes), raw profile.proto {:.1} MB", mb(gz.len()), gz.len(), mb(w.buf.len()));
    println!(
        "  samples {n_samples} ({} distinct stacks, depth {}..{} locations, mean {:.1}), locations {}, functions {} (of {} in the graph), strings {} ({:.1} MB)",
        distinct.len(),
        depth_min.min(depth_max),
        depth_max,
        depth_sum as f64 / n_samples.max(1) as f64,
        w.loc_id.len(),
        w.n_funcs,
        g.funcs.len(),
        w.strings.list.len(),
        mb(string_bytes)
    );
    println!(
        "  generated in {:.1} s (encode {:.1} s, gzip {:.1} s)",
        t_all.as_secs_f64(),
        t_encode.as_secs_f64(),
        (t_all - t_encode).as_secs_f64()
    );
}
