//! Deterministic synthetic catalogue generator.
//!
//! ```text
//! cargo run --release --example synth -- --servers N --seed S --out DIR [--force]
//! ```
//!
//! Writes a complete site folder (see `CONTENT-FORMAT.md`): `site.toml`,
//! `content/servers/<slug>.json` for N servers, about 60 attack entries in
//! `content/attacks/`, and `content/pages/about.md` with a `policy`
//! shortcode naming a tool that exists. The same N and seed always give
//! byte-identical output: every random draw comes from a small seeded
//! splitmix64 generator, one independent stream per server, so the servers
//! can be generated and written in parallel.
//!
//! The shape imitates real catalogues: heavy-tailed tool counts (mean about
//! 8), a category mix of roughly 60% read, 20% write, 10% execute, 6%
//! destructive, 2% financial and 2% other (driven by verb lists that the
//! built-in classification rules recognise), several naming styles, messy
//! descriptions (markdown, characters that need escaping, non-ASCII, empty
//! and missing), partial annotations with a few contradictions, and optional
//! catalogue fields.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

/// splitmix64: tiny, fast, and good enough for synthetic data.
#[derive(Clone)]
struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// An independent stream for (`seed`, `stream`, `index`).
    fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(mix(
            mix(seed) ^ stream.wrapping_mul(0xA24B_AED4_963E_E407)
        ) ^ index))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Picks from `(item, weight)` pairs.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total as usize) as u32;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cat {
    Read,
    Write,
    Execute,
    Destructive,
    Financial,
    Other,
}

impl Cat {
    const ALL: [Cat; 6] = [
        Cat::Read,
        Cat::Write,
        Cat::Execute,
        Cat::Destructive,
        Cat::Financial,
        Cat::Other,
    ];

    fn name(self) -> &'static str {
        match self {
            Cat::Read => "read",
            Cat::Write => "write",
            Cat::Execute => "execute",
            Cat::Destructive => "destructive",
            Cat::Financial => "financial",
            Cat::Other => "other",
        }
    }

    fn risk(self) -> usize {
        match self {
            Cat::Read => 0,
            Cat::Write | Cat::Other => 1,
            Cat::Execute => 2,
            Cat::Destructive | Cat::Financial => 3,
        }
    }
}

const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];

/// Every word the built-in classification rules know, in any category.
/// Nouns, qualifiers and brand prefixes must avoid them, so that a tool's
/// category is decided by its verb.
#[rustfmt::skip]
const CATEGORY_WORDS: &[&str] = &[
    "get", "list", "read", "search", "find", "fetch", "query", "describe", "show", "view",
    "lookup", "count", "check", "inspect", "browse", "retrieve", "download", "export", "status",
    "info", "history", "logs", "diff", "compare", "preview", "explain", "validate", "summarize",
    "analyze", "resolve", "snapshot", "screenshot", "wait", "whoami", "me", "balance", "open",
    "tree", "stat", "watch", "ping", "select", "create", "update", "write", "edit", "set", "add",
    "put", "post", "send", "upload", "insert", "modify", "rename", "move", "copy", "append",
    "patch", "save", "comment", "assign", "label", "merge", "push", "fork", "commit", "reply",
    "publish", "share", "invite", "schedule", "tag", "star", "import", "sync", "enable", "disable",
    "upsert", "replace", "reopen", "close", "archive", "approve", "request", "submit", "store",
    "remember", "mark", "link", "attach", "fill", "type", "click", "navigate", "hover", "press",
    "drag", "resize", "scale", "pause", "resume", "restore", "stop", "dismiss", "generate",
    "configure", "register", "transition", "rotate", "run", "exec", "execute", "eval", "evaluate",
    "start", "trigger", "invoke", "launch", "deploy", "spawn", "shell", "script", "call", "build",
    "restart", "apply", "rollout", "install", "compile", "test", "dispatch", "rerun", "retry",
    "delete", "drop", "purge", "remove", "destroy", "truncate", "wipe", "terminate", "erase",
    "kill", "prune", "revoke", "reset", "cancel", "uninstall", "unpublish", "shred", "nuke",
    "evict", "rm", "pay", "payment", "payments", "refund", "refunds", "charge", "transfer",
    "payout", "payouts", "invoice", "purchase", "buy", "checkout", "subscription", "subscribe",
    "withdraw", "deposit", "bill", "billing", "price", "coupon", "order", "trade", "swap",
    "wallet", "fund",
];

/// Words the classifier would read as a category word (exact, or the word plus `s`).
fn is_category_word(token: &str) -> bool {
    CATEGORY_WORDS.iter().any(|w| {
        *w == token || (token.len() == w.len() + 1 && token.ends_with('s') && token.starts_with(w))
    })
}

const READ_VERBS: &[(&str, u32)] = &[
    ("get", 60),
    ("list", 60),
    ("search", 25),
    ("fetch", 8),
    ("describe", 8),
    ("query", 6),
    ("find", 6),
    ("read", 8),
    ("show", 4),
    ("view", 3),
    ("retrieve", 4),
    ("lookup", 2),
    ("count", 3),
    ("inspect", 2),
    ("browse", 2),
    ("download", 4),
    ("export", 3),
];

const WRITE_VERBS: &[(&str, u32)] = &[
    ("create", 60),
    ("update", 45),
    ("add", 18),
    ("set", 8),
    ("send", 10),
    ("upload", 5),
    ("insert", 3),
    ("edit", 4),
    ("rename", 3),
    ("move", 3),
    ("post", 4),
    ("publish", 3),
    ("assign", 3),
    ("archive", 3),
    ("append", 2),
    ("upsert", 2),
    ("save", 2),
    ("invite", 2),
    ("schedule", 2),
    ("close", 3),
    ("approve", 2),
    ("enable", 2),
    ("disable", 2),
];

const EXECUTE_VERBS: &[(&str, u32)] = &[
    ("run", 40),
    ("execute", 25),
    ("trigger", 15),
    ("start", 15),
    ("deploy", 8),
    ("eval", 4),
    ("invoke", 8),
    ("launch", 4),
    ("restart", 5),
    ("dispatch", 3),
    ("rerun", 2),
    ("apply", 3),
    ("install", 2),
];

/// Names of execute tools that take free-form code, with the parameter.
const CODE_TOOLS: &[(&str, &str, &str)] = &[
    ("run", "query", "query"),
    ("execute", "sql", "sql"),
    ("run", "command", "command"),
    ("eval", "code", "code"),
    ("run", "script", "script"),
    ("execute", "statement", "sql"),
    ("run", "shell", "command"),
    ("eval", "javascript", "code"),
    ("run", "python", "code"),
];

const DESTRUCTIVE_VERBS: &[(&str, u32)] = &[
    ("delete", 60),
    ("remove", 20),
    ("drop", 6),
    ("purge", 5),
    ("terminate", 5),
    ("destroy", 4),
    ("truncate", 2),
    ("wipe", 1),
    ("revoke", 4),
    ("cancel", 4),
    ("reset", 2),
    ("prune", 2),
    ("kill", 2),
    ("erase", 1),
];

/// Financial tools as (verb, object) pairs, with a description that names money.
const FINANCIAL_TOOLS: &[(&str, &str, &str)] = &[
    (
        "create",
        "refund",
        "Issues a refund for a previous charge to the customer's original payment method.",
    ),
    (
        "charge",
        "customer",
        "Charges the customer's saved credit card for the given amount.",
    ),
    (
        "transfer",
        "funds",
        "Moves money between two connected accounts; settles within one business day.",
    ),
    (
        "create",
        "payout",
        "Pays out the available balance to the connected bank account. Funds arrive in 2–3 days.",
    ),
    (
        "create",
        "invoice",
        "Drafts and finalizes an invoice for the customer; billing starts at once.",
    ),
    (
        "pay",
        "invoice",
        "Pays an open invoice with the default payment source.",
    ),
    (
        "purchase",
        "credits",
        "Buys prepaid usage credits with the card on file. Money is taken at once.",
    ),
    (
        "buy",
        "domain",
        "Registers a domain name and takes the yearly price as a payment from the account.",
    ),
    (
        "capture",
        "payment",
        "Captures a previously authorized payment for the given amount.",
    ),
    (
        "withdraw",
        "funds",
        "Withdraws funds from the wallet to an external bank account.",
    ),
    (
        "create",
        "subscription",
        "Starts a recurring subscription for the customer; the first payment is taken today.",
    ),
    (
        "refund",
        "charge",
        "Refunds all or part of a charge. Partial refund amounts are in the smallest currency unit.",
    ),
    (
        "create",
        "checkout",
        "Opens a hosted checkout session so the customer can make a payment.",
    ),
];

#[rustfmt::skip]
const OTHER_VERBS: &[&str] = &[
    "translate", "convert", "format", "render", "parse", "transform", "encode", "decode",
    "tokenize", "classify", "lint", "normalize", "geocode", "hash", "detect",
];

/// A product area: display names and the nouns its tools act on.
struct Domain {
    products: &'static [&'static str],
    nouns: &'static [&'static str],
    /// Per-mille of tools that are financial on servers of this domain.
    financial: u32,
    /// Owner-side description of the server.
    blurb: &'static str,
}

const DOMAINS: &[Domain] = &[
    Domain {
        products: &["Git", "Code", "Repos", "Source"],
        nouns: &[
            "repository",
            "branch",
            "issue",
            "release",
            "workflow",
            "gist",
            "milestone",
            "review",
            "discussion",
            "collaborator",
        ],
        financial: 5,
        blurb: "repositories, issues and code review",
    },
    Domain {
        products: &["Tracker", "Projects", "Tasks", "Boards", "Planner"],
        nouns: &[
            "issue",
            "project",
            "task",
            "sprint",
            "epic",
            "milestone",
            "board",
            "cycle",
            "team",
            "roadmap",
        ],
        financial: 5,
        blurb: "issues, projects and sprints",
    },
    Domain {
        products: &["CRM", "Sales", "Contacts", "Pipeline"],
        nouns: &[
            "contact", "deal", "lead", "company", "note", "activity", "account", "owner", "stage",
        ],
        financial: 15,
        blurb: "contacts, deals and sales activity",
    },
    Domain {
        products: &["Files", "Drive", "Storage", "Buckets", "Vault"],
        nouns: &[
            "file",
            "folder",
            "bucket",
            "object",
            "blob",
            "directory",
            "volume",
            "version",
            "permission",
        ],
        financial: 3,
        blurb: "files, folders and buckets",
    },
    Domain {
        products: &["DB", "Postgres", "Warehouse", "SQL", "Tables"],
        nouns: &[
            "table",
            "database",
            "schema",
            "row",
            "index",
            "column",
            "migration",
            "replica",
            "extension",
            "record",
        ],
        financial: 3,
        blurb: "tables, schemas and rows",
    },
    Domain {
        products: &["Cloud", "Kubernetes", "Compute", "Infra", "Cluster"],
        nouns: &[
            "cluster",
            "node",
            "pod",
            "deployment",
            "service",
            "instance",
            "namespace",
            "container",
            "image",
            "volume",
            "configmap",
            "ingress",
        ],
        financial: 5,
        blurb: "clusters, workloads and cloud resources",
    },
    Domain {
        products: &["Chat", "Mail", "Messaging", "Inbox", "Messenger"],
        nouns: &[
            "message",
            "channel",
            "thread",
            "user",
            "conversation",
            "attachment",
            "draft",
            "reaction",
            "mailbox",
            "contact",
        ],
        financial: 3,
        blurb: "messages, channels and threads",
    },
    Domain {
        products: &["Docs", "Wiki", "Notes", "Knowledge", "Pages"],
        nouns: &[
            "page",
            "document",
            "block",
            "database",
            "space",
            "collection",
            "note",
            "template",
            "revision",
        ],
        financial: 3,
        blurb: "pages, documents and knowledge bases",
    },
    Domain {
        products: &["Monitor", "Observability", "Alerts", "Errors", "Uptime"],
        nouns: &[
            "alert",
            "incident",
            "metric",
            "dashboard",
            "event",
            "trace",
            "span",
            "monitor",
            "issue",
            "release",
        ],
        financial: 3,
        blurb: "alerts, incidents and metrics",
    },
    Domain {
        products: &["ML", "Data", "Notebooks", "Jobs", "Lakehouse"],
        nouns: &[
            "job",
            "cluster",
            "notebook",
            "experiment",
            "model",
            "dataset",
            "pipeline",
            "workspace",
            "warehouse",
            "endpoint",
        ],
        financial: 5,
        blurb: "jobs, notebooks, models and clusters",
    },
    Domain {
        products: &["Shop", "Commerce", "Orders", "Store", "Marketplace"],
        nouns: &[
            "customer",
            "product",
            "cart",
            "shipment",
            "inventory",
            "collection",
            "discount",
            "fulfillment",
            "variant",
            "return",
        ],
        financial: 80,
        blurb: "customers, products and orders",
    },
    Domain {
        products: &["Payments", "Pay", "Billing", "Finance", "Ledger"],
        nouns: &[
            "customer",
            "account",
            "dispute",
            "balance_transaction",
            "mandate",
            "product",
            "tax_rate",
            "report",
            "receipt",
        ],
        financial: 180,
        blurb: "payments, customers and payouts",
    },
    Domain {
        products: &["Browser", "Web", "Scraper", "Crawler"],
        nouns: &[
            "page", "tab", "element", "cookie", "form", "url", "frame", "console", "network",
        ],
        financial: 2,
        blurb: "browser tabs, pages and elements",
    },
    Domain {
        products: &["Marketing", "Campaigns", "Newsletter", "Audience"],
        nouns: &[
            "campaign",
            "audience",
            "segment",
            "template",
            "subscriber",
            "automation",
            "journey",
            "contact",
        ],
        financial: 10,
        blurb: "campaigns, audiences and subscribers",
    },
    Domain {
        products: &["Calendar", "Meetings", "Booking", "Rooms"],
        nouns: &[
            "event",
            "calendar",
            "meeting",
            "attendee",
            "room",
            "availability",
            "reminder",
            "booking",
        ],
        financial: 5,
        blurb: "calendars, meetings and bookings",
    },
    Domain {
        products: &["Support", "Helpdesk", "Desk", "Tickets"],
        nouns: &[
            "ticket",
            "customer",
            "agent",
            "macro",
            "article",
            "conversation",
            "satisfaction_rating",
            "group",
        ],
        financial: 5,
        blurb: "tickets, customers and help-centre articles",
    },
    Domain {
        products: &["Memory", "Graph", "Vectors", "Embeddings"],
        nouns: &[
            "entity",
            "relation",
            "observation",
            "vector",
            "embedding",
            "chunk",
            "collection",
            "namespace",
            "memory",
        ],
        financial: 2,
        blurb: "entities, relations and vector collections",
    },
];

/// Nouns any server may use.
#[rustfmt::skip]
const GENERIC_NOUNS: &[&str] = &[
    "user", "team", "project", "workspace", "member", "webhook", "setting", "role", "organization",
    "environment", "variable", "file", "record", "job", "report", "key", "token_scope",
    "audit_event",
];

/// Things that execute tools start.
#[rustfmt::skip]
const RUNNABLE_NOUNS: &[&str] = &[
    "job", "workflow", "pipeline", "task", "migration", "notebook", "function", "action",
    "automation", "playbook", "cron_job", "benchmark",
];

#[rustfmt::skip]
const QUALIFIERS: &[&str] = &[
    "recent", "active", "pending", "my", "team", "archived", "all", "starred", "shared_with",
];

#[rustfmt::skip]
const SUFFIXES: &[&str] = &[
    "v2", "details", "batch", "async", "raw", "extended", "by_id",
];

#[rustfmt::skip]
const BRANDS: &[&str] = &[
    "Acme", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne", "Wonka", "Soylent",
    "Cyberdyne", "Tyrell", "Vandelay", "Massive", "Pied Piper", "Aperture", "Gringotts", "Oscorp",
    "Nakatomi", "Dunder", "Prestige", "Virtucon", "Monarch", "Wernham", "Bluth", "Sirius", "Zorg",
    "Nimbus", "Halcyon", "Kestrel", "Lumen",
];

/// Brands with non-ASCII letters (about 2% of servers).
#[rustfmt::skip]
const INTL_BRANDS: &[&str] = &[
    "Zürich", "Café", "Søren", "Åland", "Ñandú", "Kōbe", "Besançon", "Malmö", "Łódź", "Citroën",
];

#[rustfmt::skip]
const SYLLABLES: &[&str] = &[
    "ka", "zen", "lo", "vi", "tra", "mo", "rix", "qu", "no", "bel", "dar", "fy", "lux", "ora",
    "pi", "sol", "tek", "um", "vo", "wex", "ya", "zu", "cor", "fin", "gle", "hub", "ion", "jet",
    "kor", "lyn", "mar", "nex", "ply", "rho", "sy", "tal", "ux", "ver", "xo", "zo",
];

#[rustfmt::skip]
const OWNERS: &[&str] = &[
    "markov-kernel", "jdoe42", "opensource-labs", "devtools-inc", "mcp-community", "kellerman",
    "ada-l", "tinkerbot", "quietfox", "byte-garden", "nordlys", "hikari-dev", "stacksmith",
    "the-plumbers",
];

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

fn plural(noun: &str) -> String {
    if let Some(stem) = noun.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if noun.ends_with('s') || noun.ends_with('x') || noun.ends_with("ch") || noun.ends_with("sh") {
        return format!("{noun}es");
    }
    format!("{noun}s")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Third person singular of a verb, for descriptions.
fn third_person(verb: &str) -> String {
    match verb {
        "eval" => "evaluates".into(),
        "rerun" => "re-runs".into(),
        "lookup" => "looks up".into(),
        "upsert" => "upserts".into(),
        _ => {
            if verb.ends_with('s') || verb.ends_with("sh") || verb.ends_with("ch") {
                format!("{verb}es")
            } else if let Some(stem) = verb.strip_suffix('y')
                && !stem.ends_with(['a', 'e', 'o', 'u'])
            {
                format!("{stem}ies")
            } else {
                format!("{verb}s")
            }
        }
    }
}

/// Human words of a noun (`tax_rate` → `tax rate`).
fn words(noun: &str) -> String {
    noun.replace('_', " ")
}

fn article(word: &str) -> &'static str {
    let sounds_like_you = ["us", "ur", "uni", "use"]
        .iter()
        .any(|p| word.starts_with(p));
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) && !sounds_like_you {
        "an"
    } else {
        "a"
    }
}

/// Lowercase `[a-z0-9-]` slug, with a few letters transliterated.
fn slugify(s: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in s.chars() {
        let mapped: &str = match c {
            'ä' | 'Ä' | 'á' | 'à' | 'â' | 'å' | 'Å' => "a",
            'ö' | 'Ö' | 'ó' | 'ō' | 'ø' | 'Ø' => "o",
            'ü' | 'Ü' | 'ú' => "u",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'ñ' | 'Ñ' => "n",
            'ç' => "c",
            'ł' | 'Ł' => "l",
            'ź' | 'ż' => "z",
            _ => "",
        };
        if !mapped.is_empty() {
            out.push_str(mapped);
            dash = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("server");
    }
    out
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Tool names
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Snake,
    Camel,
    Kebab,
    Dotted,
    Prefixed,
}

fn pick_style(rng: &mut Rng) -> Style {
    *rng.weighted(&[
        (Style::Snake, 65),
        (Style::Camel, 15),
        (Style::Kebab, 8),
        (Style::Dotted, 7),
        (Style::Prefixed, 5),
    ])
}

/// Renders name parts (lowercase words; each part may contain `_`).
fn render_name(style: Style, prefix: &str, verb: &str, object: &[String]) -> String {
    let all_words = || {
        std::iter::once(verb.to_string())
            .chain(object.iter().flat_map(|p| p.split('_').map(str::to_string)))
            .collect::<Vec<_>>()
    };
    match style {
        Style::Snake => all_words().join("_"),
        Style::Kebab => all_words().join("-"),
        Style::Camel => {
            let w = all_words();
            let mut s = w[0].clone();
            for x in &w[1..] {
                s.push_str(&capitalize(x));
            }
            s
        }
        Style::Dotted => {
            // `files.list`, `issues.list_recent`, `issue.get_v2`: the noun
            // first, then the verb and any qualifier or suffix.
            let head = object
                .iter()
                .rev()
                .find(|p| {
                    !SUFFIXES.contains(&p.as_str())
                        && !QUALIFIERS.contains(&p.as_str())
                        && p.as_str() != "bulk"
                })
                .map_or("item", String::as_str);
            let mut s = format!("{head}.{verb}");
            for r in object.iter().filter(|p| p.as_str() != head) {
                s.push('_');
                s.push_str(r);
            }
            s
        }
        Style::Prefixed => format!("{prefix}_{}", all_words().join("_")),
    }
}

// ---------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------

struct ServerCtx<'a> {
    domain: &'a Domain,
    nouns: Vec<&'static str>,
    product: String,
    prefix: String,
    style: Style,
}

struct ToolPlan {
    cat: Cat,
    verb: String,
    object: Vec<String>,
    /// The main noun, singular.
    noun: String,
    bulk: bool,
    /// For execute tools that take free-form code: the parameter name.
    code_param: Option<&'static str>,
    financial_desc: Option<&'static str>,
}

fn pick_category(rng: &mut Rng, financial_per_mille: u32) -> Cat {
    let rest = 1000 - financial_per_mille;
    // read 60, write 20, execute 10, destructive 6, other 2 of the rest.
    // Read is drawn a little more often than its share, since read names
    // collide more often within a server and are then redrawn.
    let w = |x: u32| rest * x / 980;
    *rng.weighted(&[
        (Cat::Read, w(610)),
        (Cat::Write, w(192)),
        (Cat::Execute, w(98)),
        (Cat::Destructive, w(60)),
        (Cat::Other, w(20)),
        (Cat::Financial, financial_per_mille),
    ])
}

fn plan_tool(rng: &mut Rng, ctx: &ServerCtx) -> ToolPlan {
    let cat = pick_category(rng, ctx.domain.financial);
    let noun = (*rng.pick(&ctx.nouns)).to_string();
    let mut plan = ToolPlan {
        cat,
        verb: String::new(),
        object: Vec::new(),
        noun: noun.clone(),
        bulk: false,
        code_param: None,
        financial_desc: None,
    };
    match cat {
        Cat::Read => {
            let verb = *rng.weighted(READ_VERBS);
            let many = matches!(
                verb,
                "list" | "search" | "browse" | "count" | "query" | "export" | "find"
            );
            if many && rng.chance(0.12) {
                plan.object.push(rng.pick(QUALIFIERS).to_string());
            }
            plan.object
                .push(if many { plural(&noun) } else { noun.clone() });
            plan.verb = verb.into();
        }
        Cat::Write => {
            let verb = *rng.weighted(WRITE_VERBS);
            plan.verb = verb.into();
            plan.object.push(noun.clone());
        }
        Cat::Execute => {
            if rng.chance(0.25) {
                let (verb, obj, param) = *rng.pick(CODE_TOOLS);
                plan.verb = verb.into();
                plan.object.push(obj.into());
                plan.code_param = Some(param);
            } else {
                plan.verb = (*rng.weighted(EXECUTE_VERBS)).into();
                if rng.chance(0.8) {
                    plan.noun = (*rng.pick(RUNNABLE_NOUNS)).to_string();
                }
                plan.object.push(plan.noun.clone());
                if rng.chance(0.2) {
                    plan.code_param = Some(*rng.pick(&["command", "code", "sql", "script"]));
                }
            }
        }
        Cat::Destructive => {
            plan.verb = (*rng.weighted(DESTRUCTIVE_VERBS)).into();
            if rng.chance(0.15) {
                plan.bulk = true;
                plan.object.push(plural(&noun));
            } else {
                plan.object.push(noun.clone());
            }
        }
        Cat::Financial => {
            let (verb, obj, desc) = *rng.pick(FINANCIAL_TOOLS);
            plan.verb = verb.into();
            plan.object.push(obj.into());
            plan.noun = obj.into();
            plan.financial_desc = Some(desc);
        }
        Cat::Other => {
            plan.verb = (*rng.pick(OTHER_VERBS)).into();
            plan.object.push(noun.clone());
        }
    }
    if cat == Cat::Write && rng.chance(0.06) {
        plan.bulk = true;
        let last = plan.object.pop().unwrap_or_default();
        plan.object.push(plural(&last));
    }
    if plan.bulk && rng.chance(0.5) {
        plan.object.insert(0, "bulk".into());
    }
    plan
}

const NEUTRAL_SENTENCES: &[&str] = &[
    "Requires the `{scope}` OAuth scope.",
    "Results are paginated; pass the `cursor` from the previous response to continue.",
    "Rate limited to 100 calls per minute per workspace.",
    "**Note:** IDs are case-sensitive.",
    "See the [API reference](https://example.com/docs/{noun}) for the full field list.",
    "Filters accept comparisons like `age > 30 && age < 65`; quote strings with \"double quotes\" or 'single quotes'.",
    "Timestamps are ISO 8601 in UTC, e.g. `2026-03-01T12:00:00Z`.",
    "Only available on the Team & Enterprise plans.",
    "Large responses are truncated to 1 MB.",
    "The `fields` parameter limits which attributes are included.",
    "Prefer this over the REST endpoint when working with more than 50 items at a time.",
    "Templates may use `<name>` and `<email>` placeholders, which are filled in per recipient.",
    "Works with both the cloud & self-hosted editions (v3.2 or later).",
    "Use the {product} web UI for anything this tool does not cover.",
    "Names longer than 255 characters are rejected with a `400` error.",
    "**Beta:** behaviour may change without notice.",
    "The response includes an `etag` you can use for optimistic concurrency.",
    "Matches are case-insensitive and ignore accents.",
];

const LONG_SENTENCES: &[&str] = &[
    "This tool is a thin wrapper around the {product} v2 API: every argument is forwarded as it is, errors from the upstream service come back with their original status code and text, and no caching is applied, so two identical calls may see different data if the underlying {noun} changed in between.",
    "Identifiers are opaque strings such as `{noun}_01HZX3K9`; do not try to parse them, and do not assume they are stable across workspaces, because the same {noun} copied between two workspaces gets a new identifier in the target workspace.",
    "When the workspace has more than 10,000 items, the upstream service may answer with a `429 Too Many Requests` status; the server backs off for the number of seconds given in the `Retry-After` header (at most 60) and tries again once before giving up.",
    "Fields that the caller is not allowed to see are omitted rather than redacted, which means that the shape of the result depends on the permissions of the connected account, & two users may get different results for the same {noun}.",
    "Text fields are UTF-8; control characters are stripped, and values containing `<`, `>` or `&` are kept as they are, so render them with care in HTML.",
];

const INTL_SENTENCES: &[&str] = &[
    "Unterstützt Umlaute (ä, ö, ü) und Akzente wie é – auch in Namen…",
    "名前と説明は日本語でも検索できます。",
    "Les noms accentués (café, résumé) sont conservés tels quels.",
    "Funciona con nombres en español: año, niño, acción…",
    "Поддерживает кириллицу в названиях.",
    "Emoji in names are kept as they are – e.g. “🚀 Launch plan”.",
];

fn main_sentence(rng: &mut Rng, plan: &ToolPlan, ctx: &ServerCtx) -> String {
    let noun = words(&plan.noun);
    let nouns = plural(&noun);
    let a = article(&noun);
    let product = &ctx.product;
    let verb = plan.verb.as_str();
    match plan.cat {
        Cat::Read => match verb {
            "list" | "browse" => (*rng.pick(&[
                "Lists {nouns} in the current workspace.",
                "Returns a page of {nouns}, newest first.",
                "Lists all {nouns} the connected account can access.",
                "Get a list of {nouns}",
            ]))
            .to_string(),
            "search" | "find" | "query" => (*rng.pick(&[
                "Searches {nouns} by keyword and returns the best matches.",
                "Full-text search over {nouns}.",
                "Find {nouns} matching a query string.",
            ]))
            .to_string(),
            "count" => "Returns the number of {nouns} matching the filter.".to_string(),
            "download" | "export" => (*rng.pick(&[
                "Downloads {a} {noun} as a file.",
                "Exports {nouns} as CSV or JSON.",
            ]))
            .to_string(),
            _ => (*rng.pick(&[
                "Returns a single {noun} by its ID, including metadata and timestamps.",
                "Fetches the {noun} with the given identifier.",
                "Retrieves details of {a} {noun}.",
                "Get {a} {noun}",
                "Read-only: looks up {a} {noun} in {product}.",
            ]))
            .to_string(),
        },
        Cat::Write => match verb {
            "create" | "add" | "insert" => (*rng.pick(&[
                "Creates a new {noun} in the {product} workspace.",
                "Create {a} {noun}",
                "Adds {a} {noun} to the project.",
            ]))
            .to_string(),
            "update" | "set" | "edit" | "upsert" => (*rng.pick(&[
                "Updates the fields of an existing {noun}.",
                "Modifies {a} {noun}. Only the fields given are changed.",
                "Update {a} {noun}",
            ]))
            .to_string(),
            "send" | "post" | "publish" => format!(
                "{} {a} {noun} to the configured recipients.",
                capitalize(&third_person(verb))
            ),
            "upload" => "Uploads {a} {noun} from base64-encoded bytes.".to_string(),
            _ => format!("{} the given {noun}.", capitalize(&third_person(verb))),
        },
        Cat::Execute => {
            if let Some(param) = plan.code_param {
                match param {
                    "sql" => "Executes a SQL statement against the {product} database.".into(),
                    "query" => {
                        "Runs a query in the {product} query language and waits for the result."
                            .into()
                    }
                    "command" => "Runs a shell command on the {product} host.".into(),
                    _ => "Executes the given code in a sandboxed runtime.".into(),
                }
            } else {
                match verb {
                    "run" | "rerun" => "Runs the {noun} and waits until it finishes.".into(),
                    "trigger" | "dispatch" => "Triggers a new run of the {noun}.".into(),
                    "deploy" => "Deploys the {noun} to the selected environment.".into(),
                    _ => format!(
                        "{} the {noun}; progress is reported asynchronously.",
                        capitalize(&third_person(verb))
                    ),
                }
            }
        }
        Cat::Destructive => {
            if plan.bulk {
                "Deletes every {noun} in `ids` in one request.".into()
            } else {
                match verb {
                    "delete" | "remove" => (*rng.pick(&[
                        "Deletes the {noun} and everything it contains.",
                        "Permanently removes {a} {noun}. This cannot be undone.",
                        "Delete {a} {noun}",
                    ]))
                    .to_string(),
                    _ => format!("{} the {noun}.", capitalize(&third_person(verb))),
                }
            }
        }
        Cat::Financial => plan.financial_desc.unwrap_or("").to_string(),
        Cat::Other => format!(
            "{} the given {noun} into another representation.",
            capitalize(&third_person(verb))
        ),
    }
    .replace("{nouns}", &nouns)
    .replace("{noun}", &noun)
    .replace("{a}", a)
    .replace("{product}", product)
}

fn fill(template: &str, plan: &ToolPlan, ctx: &ServerCtx) -> String {
    template
        .replace("{noun}", &plan.noun)
        .replace("{product}", &ctx.product)
        .replace(
            "{scope}",
            &format!(
                "{}:{}",
                plural(&plan.noun),
                if plan.cat == Cat::Read {
                    "read"
                } else {
                    "write"
                }
            ),
        )
}

/// The tool's description: `None` for a missing field.
fn description(rng: &mut Rng, plan: &ToolPlan, ctx: &ServerCtx) -> Option<String> {
    let roll = rng.unit();
    if roll < 0.02 {
        return None;
    }
    if roll < 0.04 {
        return Some(String::new());
    }
    let mut parts = vec![main_sentence(rng, plan, ctx)];
    let extra = *rng.weighted(&[(0usize, 40), (1, 35), (2, 17), (3, 8)]);
    let mut used = HashSet::new();
    for _ in 0..extra {
        let i = rng.below(NEUTRAL_SENTENCES.len());
        if used.insert(i) {
            parts.push(fill(NEUTRAL_SENTENCES[i], plan, ctx));
        }
    }
    if rng.chance(0.03) {
        parts.push((*rng.pick(INTL_SENTENCES)).to_string());
    }
    let mut text = parts.join(" ");
    if rng.chance(0.10) {
        // A long one, 300–800 characters.
        let mut order: Vec<usize> = (0..LONG_SENTENCES.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for i in order {
            if text.len() >= 300 {
                break;
            }
            let s = fill(LONG_SENTENCES[i], plan, ctx);
            if text.len() + s.len() + 1 > 800 {
                continue;
            }
            text.push(' ');
            text.push_str(&s);
        }
    }
    Some(text)
}

fn prop(ty: &str, desc: &str) -> Value {
    json!({ "type": ty, "description": desc })
}

fn input_schema(rng: &mut Rng, plan: &ToolPlan) -> Value {
    let noun = plan.noun.as_str();
    let id = format!("{noun}_id");
    let mut props: Vec<(String, Value, bool)> = Vec::new();
    let single = !plan.bulk
        && !plan
            .object
            .last()
            .is_some_and(|o| o.ends_with('s') && !noun.ends_with('s'));
    match plan.cat {
        Cat::Read => {
            if single {
                props.push((
                    id.clone(),
                    prop("string", &format!("The {} ID.", words(noun))),
                    true,
                ));
                if rng.chance(0.3) {
                    props.push((
                        "fields".into(),
                        json!({ "type": "array", "items": { "type": "string" }, "description": "Attributes to include; all when empty." }),
                        false,
                    ));
                }
            } else {
                if matches!(plan.verb.as_str(), "search" | "find" | "query") {
                    props.push((
                        "query".into(),
                        prop(
                            "string",
                            "Search terms; supports `AND`, `OR` and \"quoted phrases\".",
                        ),
                        true,
                    ));
                }
                props.push((
                    "limit".into(),
                    json!({ "type": "integer", "description": "Maximum number of results (1–100).", "minimum": 1, "maximum": 100, "default": 25 }),
                    false,
                ));
                if rng.chance(0.6) {
                    props.push((
                        "cursor".into(),
                        prop("string", "Opaque cursor from a previous call."),
                        false,
                    ));
                }
                if rng.chance(0.3) {
                    props.push((
                        "include_archived".into(),
                        prop("boolean", "Include archived items."),
                        false,
                    ));
                }
                if rng.chance(0.2) {
                    props.push((
                        "project_id".into(),
                        prop("string", "Restrict to one project."),
                        false,
                    ));
                }
            }
        }
        Cat::Write => {
            if plan.bulk {
                props.push((
                    "items".into(),
                    json!({ "type": "array", "items": { "type": "object" }, "description": format!("The {} to write.", plural(&words(noun))) }),
                    true,
                ));
            } else {
                if plan.verb != "create" && plan.verb != "add" {
                    props.push((
                        id.clone(),
                        prop("string", &format!("The {} to change.", words(noun))),
                        true,
                    ));
                }
                props.push((
                    "name".into(),
                    prop("string", "Display name."),
                    plan.verb == "create",
                ));
                if rng.chance(0.5) {
                    let field = *rng.pick(&["description", "content", "body", "message", "title"]);
                    props.push((
                        field.into(),
                        prop("string", "Text; markdown is allowed."),
                        false,
                    ));
                }
                if rng.chance(0.3) {
                    props.push((
                        "labels".into(),
                        json!({ "type": "array", "items": { "type": "string" }, "description": "Labels to apply." }),
                        false,
                    ));
                }
                if rng.chance(0.25) {
                    props.push(("priority".into(), json!({ "type": "integer", "description": "0 (none) to 4 (urgent).", "minimum": 0, "maximum": 4 }), false));
                }
                if rng.chance(0.2) {
                    props.push(("notify".into(), prop("boolean", "Notify watchers."), false));
                }
            }
        }
        Cat::Execute => {
            if let Some(param) = plan.code_param {
                let d = match param {
                    "sql" => "The SQL to run, e.g. `SELECT * FROM t WHERE a > 1`.",
                    "query" => "The query text.",
                    "command" => "The command line, as typed in a terminal.",
                    "script" => "The script source.",
                    _ => "Source code to evaluate.",
                };
                props.push((param.into(), prop("string", d), true));
            } else {
                props.push((
                    id.clone(),
                    prop("string", &format!("The {} to start.", words(noun))),
                    true,
                ));
                if rng.chance(0.3) {
                    props.push((
                        "args".into(),
                        json!({ "type": "array", "items": { "type": "string" }, "description": "Arguments passed through." }),
                        false,
                    ));
                }
            }
            if rng.chance(0.4) {
                props.push(("timeout_seconds".into(), json!({ "type": "integer", "description": "Give up after this many seconds.", "default": 300 }), false));
            }
            if rng.chance(0.3) {
                props.push((
                    "wait".into(),
                    prop("boolean", "Block until the run finishes."),
                    false,
                ));
            }
        }
        Cat::Destructive => {
            if plan.bulk {
                props.push((
                    "ids".into(),
                    json!({ "type": "array", "items": { "type": "string" }, "description": format!("IDs of the {} to delete.", plural(&words(noun))), "maxItems": 1000 }),
                    true,
                ));
            } else {
                props.push((
                    id.clone(),
                    prop("string", &format!("The {} ID.", words(noun))),
                    true,
                ));
            }
            if rng.chance(0.3) {
                let flag = *rng.pick(&["force", "recursive", "cascade"]);
                props.push((
                    flag.into(),
                    prop("boolean", "Also remove dependent items."),
                    false,
                ));
            }
            if rng.chance(0.2) {
                props.push(("confirm".into(), prop("boolean", "Must be true."), true));
            }
        }
        Cat::Financial => {
            if noun != "customer" {
                props.push((
                    "customer_id".into(),
                    prop("string", "The customer."),
                    rng.chance(0.7),
                ));
            } else {
                props.push((id.clone(), prop("string", "The customer."), true));
            }
            props.push(("amount".into(), json!({ "type": "integer", "description": "Amount in the smallest currency unit (cents).", "minimum": 1 }), true));
            if rng.chance(0.7) {
                props.push((
                    "currency".into(),
                    prop("string", "Three-letter ISO code, e.g. `usd` or `eur`."),
                    false,
                ));
            }
            if rng.chance(0.3) {
                props.push((
                    "idempotency_key".into(),
                    prop("string", "Reuse to avoid double processing."),
                    false,
                ));
            }
        }
        Cat::Other => {
            props.push((
                "input".into(),
                prop("string", "The text or document to process."),
                true,
            ));
            if rng.chance(0.5) {
                props.push((
                    "format".into(),
                    prop("string", "Target format: `json`, `yaml` or `markdown`."),
                    false,
                ));
            }
            if rng.chance(0.3) {
                props.push((
                    "language".into(),
                    prop("string", "BCP 47 tag, e.g. `de-CH`."),
                    false,
                ));
            }
        }
    }
    // 0–6 properties: sometimes drop some, sometimes the schema is empty.
    if rng.chance(0.06) {
        props.clear();
    }
    props.truncate(6);
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, schema, req) in props {
        if req {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, schema);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    if rng.chance(0.3) {
        schema.insert("additionalProperties".into(), json!(false));
    }
    if rng.chance(0.1) {
        schema.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
    }
    Value::Object(schema)
}

fn annotations(rng: &mut Rng, plan: &ToolPlan, title: Option<&str>) -> Value {
    let (ro, destructive, idempotent, open) = match plan.cat {
        Cat::Read => (true, false, true, rng.chance(0.3)),
        Cat::Write => (false, false, rng.chance(0.4), rng.chance(0.5)),
        Cat::Execute => (false, rng.chance(0.5), false, true),
        Cat::Destructive => (false, true, rng.chance(0.5), false),
        Cat::Financial => (false, false, false, true),
        Cat::Other => (false, false, true, false),
    };
    let mut a = Map::new();
    if let Some(t) = title
        && rng.chance(0.2)
    {
        a.insert("title".into(), json!(t));
    }
    // About 3% of annotated tools contradict the name (8% of those that are not read or other).
    let contradict = plan.cat != Cat::Read && plan.cat != Cat::Other && rng.chance(0.08);
    if contradict {
        if plan.cat == Cat::Destructive && rng.chance(0.4) {
            a.insert("readOnlyHint".into(), json!(false));
            a.insert("destructiveHint".into(), json!(false));
        } else {
            a.insert("readOnlyHint".into(), json!(true));
            if rng.chance(0.5) {
                a.insert("destructiveHint".into(), json!(false));
            }
        }
        return Value::Object(a);
    }
    // Servers often set only some hints.
    if plan.cat == Cat::Other {
        // Other tools say nothing that would decide their category.
        if rng.chance(0.5) {
            a.insert("readOnlyHint".into(), json!(false));
        }
        a.insert("openWorldHint".into(), json!(open));
        return Value::Object(a);
    }
    let full = rng.chance(0.6);
    if full || rng.chance(0.8) {
        a.insert("readOnlyHint".into(), json!(ro));
    }
    if full || (!ro && rng.chance(0.6)) {
        a.insert("destructiveHint".into(), json!(destructive));
    }
    if full || rng.chance(0.3) {
        a.insert("idempotentHint".into(), json!(idempotent));
    }
    if full || rng.chance(0.4) {
        a.insert("openWorldHint".into(), json!(open));
    }
    Value::Object(a)
}

fn risk_for(rng: &mut Rng, cat: Cat) -> &'static str {
    let base = cat.risk();
    let level = if rng.chance(0.7) {
        base
    } else if base == 0 || (base < 3 && rng.chance(0.6)) {
        base + 1
    } else {
        base - 1
    };
    RISKS[level]
}

fn rationale(rng: &mut Rng, plan: &ToolPlan, ctx: &ServerCtx) -> String {
    let noun = words(&plan.noun);
    let s = match plan.cat {
        Cat::Read => "Checked against the {product} API reference: the call has no side effects.",
        Cat::Write => {
            "Changes to the {noun} are kept in its history and can be reverted from the {product} UI."
        }
        Cat::Execute => {
            "Starts work whose effect depends on the {noun}'s configuration, which the gateway cannot see."
        }
        Cat::Destructive => {
            "Verified: a removed {noun} is gone for good; {product} keeps no trash or backup."
        }
        Cat::Financial => "Moves money on a live account; mistakes need a human to reverse.",
        Cat::Other => "Pure transformation of its input; it touches no stored data.",
    };
    let mut s = s
        .replace("{noun}", &noun)
        .replace("{product}", &ctx.product);
    if rng.chance(0.2) {
        s.push_str(" Reviewed by the catalogue maintainers.");
    }
    s
}

/// A title from the name parts: `list_recent_issues` → "List recent issues".
fn title_of(plan: &ToolPlan) -> String {
    let mut w = vec![plan.verb.clone()];
    w.extend(plan.object.iter().map(|o| words(o)));
    capitalize(&w.join(" "))
}

/// One generated tool: its JSON and its intended category.
struct GenTool {
    name: String,
    cat: Cat,
    json: Value,
}

fn gen_tool(rng: &mut Rng, ctx: &ServerCtx, taken: &mut HashSet<String>) -> GenTool {
    let style = if rng.chance(0.08) {
        pick_style(rng)
    } else {
        ctx.style
    };
    // A fresh draw on collision, then a suffix, then a number.
    let mut plan = plan_tool(rng, ctx);
    let mut name = render_name(style, &ctx.prefix, &plan.verb, &plan.object);
    let mut tries = 0;
    while taken.contains(&name.to_lowercase()) && tries < 4 {
        plan = plan_tool(rng, ctx);
        name = render_name(style, &ctx.prefix, &plan.verb, &plan.object);
        tries += 1;
    }
    if taken.contains(&name.to_lowercase()) {
        let base = plan.object.clone();
        let mut n = 0;
        loop {
            let suffix = if n < SUFFIXES.len() {
                SUFFIXES[n].to_string()
            } else {
                (n - SUFFIXES.len() + 2).to_string()
            };
            let mut object = base.clone();
            object.push(suffix);
            name = render_name(style, &ctx.prefix, &plan.verb, &object);
            if !taken.contains(&name.to_lowercase()) {
                plan.object = object;
                break;
            }
            n += 1;
        }
    }
    taken.insert(name.to_lowercase());

    let mut tool = Map::new();
    tool.insert("name".into(), json!(name));
    let title = title_of(&plan);
    if rng.chance(0.3) {
        tool.insert("title".into(), json!(title));
    }
    if let Some(d) = description(rng, &plan, ctx) {
        tool.insert("description".into(), json!(d));
    }
    if rng.chance(0.85) {
        tool.insert("inputSchema".into(), input_schema(rng, &plan));
    }
    if rng.chance(0.04) {
        tool.insert(
            "outputSchema".into(),
            json!({ "type": "object", "properties": { "id": { "type": "string" }, "ok": { "type": "boolean" } } }),
        );
    }
    if rng.chance(0.5) {
        tool.insert("annotations".into(), annotations(rng, &plan, Some(&title)));
    }
    if rng.chance(0.33) {
        tool.insert("category".into(), json!(plan.cat.name()));
    }
    if rng.chance(0.10) {
        tool.insert("risk".into(), json!(risk_for(rng, plan.cat)));
    }
    if rng.chance(0.05) {
        tool.insert("rationale".into(), json!(rationale(rng, &plan, ctx)));
    }
    GenTool {
        name,
        cat: plan.cat,
        json: Value::Object(tool),
    }
}

/// Tools per server: heavy-tailed, mean about 8.1 (measured over 10,000
/// servers): 3% have 1–2 tools, 90% 3–12, 6% 13–40 and 1% 60–150.
fn tool_count(rng: &mut Rng) -> usize {
    let r = rng.unit();
    if r < 0.03 {
        rng.range(1, 2)
    } else if r < 0.93 {
        // 3–12, each count about 0.82 times as likely as the one before.
        *rng.weighted(&[
            (3, 1000),
            (4, 820),
            (5, 672),
            (6, 551),
            (7, 452),
            (8, 371),
            (9, 304),
            (10, 249),
            (11, 204),
            (12, 168),
        ])
    } else if r < 0.99 {
        rng.range(13, 40)
    } else {
        rng.range(60, 150)
    }
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

struct ServerHead {
    name: String,
    slug: String,
    brand: String,
    product: String,
    domain: usize,
}

fn syllable_brand(rng: &mut Rng) -> String {
    loop {
        let n = rng.range(2, 3);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(rng.pick::<&str>(SYLLABLES));
        }
        if !is_category_word(&s) {
            return capitalize(&s);
        }
    }
}

/// Names and unique slugs for every server, drawn in sequence.
fn server_heads(seed: u64, n: usize) -> Vec<ServerHead> {
    let mut rng = Rng::derive(seed, 1, 0);
    let mut seen = HashSet::new();
    let mut heads = Vec::with_capacity(n);
    for _ in 0..n {
        let domain = rng.below(DOMAINS.len());
        let d = &DOMAINS[domain];
        let product = (*rng.pick(d.products)).to_string();
        let brand = if rng.chance(0.02) {
            (*rng.pick(INTL_BRANDS)).to_string()
        } else if rng.chance(0.05) {
            (*rng.pick(BRANDS)).to_string()
        } else {
            syllable_brand(&mut rng)
        };
        let base = match rng.below(20) {
            0..=9 => format!("{brand} {product}"),
            10..=14 => brand.clone(),
            15 | 16 => format!("{brand} {product} Toolkit"),
            17 => format!("{product} for {brand}"),
            18 => format!("{brand}{product}"),
            _ => format!("{brand} {product} Connector"),
        };
        let name = if rng.chance(0.2) {
            format!("{base} MCP Server")
        } else {
            base.clone()
        };
        let stem = slugify(&base);
        let mut slug = stem.clone();
        let mut k = 2;
        while !seen.insert(slug.clone()) {
            slug = format!("{stem}-{k}");
            k += 1;
        }
        heads.push(ServerHead {
            name,
            slug,
            brand,
            product,
            domain,
        });
    }
    heads
}

/// A generated server: its file, and what the attacks and pages may reference.
struct GenServer {
    json: String,
    tools: Vec<(String, Cat)>,
}

fn date_of(day_of_year: usize) -> String {
    // 2026 is not a leap year.
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut d = day_of_year;
    for (m, len) in DAYS.iter().enumerate() {
        if d < *len {
            return format!("2026-{:02}-{:02}", m + 1, d + 1);
        }
        d -= len;
    }
    "2026-12-31".into()
}

/// Day index of 2026-10-31 (0-based).
const LAST_DAY: usize = 303;

fn gen_server(seed: u64, index: usize, head: &ServerHead) -> GenServer {
    let mut rng = Rng::derive(seed, 2, index as u64);
    let domain = &DOMAINS[head.domain];
    let mut nouns: Vec<&'static str> = domain
        .nouns
        .iter()
        .chain(GENERIC_NOUNS.iter().filter(|_| rng.chance(0.25)))
        .copied()
        .filter(|n| {
            !n.split('_')
                .any(|w| is_category_word(w) || is_category_word(&plural(w)))
        })
        .collect();
    nouns.sort_unstable();
    nouns.dedup();
    let ascii_brand = slugify(&head.brand).replace('-', "");
    let prefix = if is_category_word(&ascii_brand) {
        format!("{ascii_brand}x")
    } else {
        ascii_brand
    };
    let ctx = ServerCtx {
        domain,
        nouns,
        product: head.product.clone(),
        prefix,
        style: pick_style(&mut rng),
    };
    let count = tool_count(&mut rng);
    let mut taken = HashSet::new();
    let tools: Vec<GenTool> = (0..count)
        .map(|_| gen_tool(&mut rng, &ctx, &mut taken))
        .collect();

    let owner = if rng.chance(0.5) {
        slugify(&head.brand)
    } else {
        (*rng.pick(OWNERS)).to_string()
    };
    let brand_slug = slugify(&head.brand);
    let product_slug = slugify(&head.product);
    let repo_name = match rng.below(4) {
        0 => format!("{brand_slug}-mcp"),
        1 => format!("mcp-{product_slug}"),
        2 => format!("{brand_slug}-{product_slug}-mcp-server"),
        _ => format!("{product_slug}-mcp"),
    };
    let repository = format!("{owner}/{repo_name}");
    let homepage = match rng.below(3) {
        0 | 1 => format!("https://github.com/{repository}"),
        _ => format!("https://docs.{brand_slug}.example.com/mcp"),
    };
    let mut description = format!(
        "{} for {} in {}.",
        capitalize(rng.pick::<&str>(&[
            "an MCP server",
            "the official MCP server",
            "community MCP server",
            "tools",
            "model Context Protocol access",
        ])),
        domain.blurb,
        head.product
    );
    if rng.chance(0.5) {
        let _ = write!(
            description,
            " Exposes {} tool{} over stdio and streamable HTTP.",
            count,
            if count == 1 { "" } else { "s" }
        );
    }

    let mut server = Map::new();
    server.insert("name".into(), json!(head.name));
    server.insert("repository".into(), json!(repository));
    server.insert("description".into(), json!(description));
    server.insert("homepage".into(), json!(homepage));
    server.insert("checked".into(), json!(date_of(rng.range(0, LAST_DAY))));
    let mut refs = Vec::with_capacity(tools.len());
    let mut list = Vec::with_capacity(tools.len());
    for t in tools {
        refs.push((t.name, t.cat));
        list.push(t.json);
    }
    server.insert("tools".into(), Value::Array(list));
    if rng.chance(0.05) {
        server.insert(
            "extra".into(),
            json!({ "transport": rng.pick(&["stdio", "http", "sse"]), "stars": rng.below(5000) }),
        );
    }
    let mut json = serde_json::to_string_pretty(&Value::Object(server)).expect("serialises");
    json.push('\n');
    GenServer { json, tools: refs }
}

// ---------------------------------------------------------------------------
// Attacks and pages
// ---------------------------------------------------------------------------

struct Family {
    title: &'static str,
    class: &'static str,
    severity: &'static str,
    categories: &'static [&'static str],
    summary: &'static str,
    how: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        title: "Prompt injection via {noun} content",
        class: "Prompt injection",
        severity: "high",
        categories: &["read"],
        summary: "Text inside a {noun} carries instructions that the agent follows as if the user had written them.",
        how: "An attacker who can write to any {noun} the agent reads plants a sentence addressed to the model. When a read tool returns that text, the model cannot tell data from instructions and acts on it with every tool it has.",
    },
    Family {
        title: "Data exfiltration through {noun} exports",
        class: "Data exfiltration",
        severity: "high",
        categories: &["read", "write"],
        summary: "An agent reads private {nouns} and writes them somewhere the attacker can see.",
        how: "Exfiltration needs two tools: one that reads something private and one that can send data out. A {noun} export followed by a message, comment or upload is enough; neither call looks harmful on its own.",
    },
    Family {
        title: "Mass deletion of {nouns}",
        class: "Destructive operations",
        severity: "critical",
        categories: &["destructive"],
        summary: "One confused instruction deletes many {nouns} at once, with no way back.",
        how: "Delete tools that accept a list of IDs, or that an agent calls in a loop, turn a single misunderstanding (\"clean up the old ones\") into hundreds of irreversible calls before anyone looks.",
    },
    Family {
        title: "Runaway {noun} runs",
        class: "Agent behaviour",
        severity: "high",
        categories: &["execute"],
        summary: "An agent retries a failing {noun} run in a loop and burns compute.",
        how: "When a run fails, a model tends to try again, often with a slightly different argument. Without a limit the loop only ends when the context window does, and each iteration may start real work on real machines.",
    },
    Family {
        title: "Unapproved refunds and payouts",
        class: "Financial abuse",
        severity: "critical",
        categories: &["financial"],
        summary: "A support agent is talked into refunding or paying out money it should not.",
        how: "Financial tools usually take an amount and a customer, and nothing else: no approval step and no cap. A persuasive message in a ticket, or a mistake in reading an amount in cents, is enough to move real money.",
    },
    Family {
        title: "Tool poisoning in {noun} tools",
        class: "Tool poisoning",
        severity: "high",
        categories: &["read", "write", "execute"],
        summary: "A tool description hides instructions for the model that the user never sees.",
        how: "Clients show the user a tool's name, but send the whole description to the model. Hidden instructions, invisible Unicode or a request to attach private files travel along with every `tools/list`.",
    },
    Family {
        title: "Rug pull on {noun} tools",
        class: "Supply chain",
        severity: "high",
        categories: &["write", "execute", "destructive"],
        summary: "A server behaves well while it is reviewed, then changes what its {noun} tools do.",
        how: "Servers are fetched from registries on every launch, and definitions may change mid-session. The approval given to the old definitions silently covers the new ones.",
    },
    Family {
        title: "Cross-server shadowing of {noun} tools",
        class: "Tool shadowing",
        severity: "medium",
        categories: &["read", "write"],
        summary: "A second server registers a tool with the same name as a trusted {noun} tool and intercepts its calls.",
        how: "Tool names share one namespace in most clients. A malicious server that exposes the same name, or a description that tells the model to prefer it, receives arguments meant for the trusted server.",
    },
    Family {
        title: "Confused deputy on {noun} permissions",
        class: "Authorization",
        severity: "high",
        categories: &["write", "execute"],
        summary: "The agent uses its own broad token on behalf of a user who should not have that access to {nouns}.",
        how: "MCP servers often run with one service account. Every user of the agent then inherits that account's rights, and a request phrased the right way reaches {nouns} the user could never open.",
    },
    Family {
        title: "Injection through free-form {noun} queries",
        class: "Injection",
        severity: "critical",
        categories: &["execute"],
        summary: "A tool that takes raw SQL, code or a shell command lets any injected text run with the server's rights.",
        how: "Parameters named `sql`, `code` or `command` mean the gateway cannot know what a call will do. Anything that reaches the model can reach that parameter too.",
    },
    Family {
        title: "Spam through {noun} notifications",
        class: "Abuse",
        severity: "medium",
        categories: &["write"],
        summary: "An agent in a loop sends hundreds of messages or notifications about {nouns}.",
        how: "Write tools that notify people have a cost that does not show in the data: every call reaches an inbox. A loop or a broad instruction turns that into spam from a trusted sender.",
    },
    Family {
        title: "Resource exhaustion by {noun} listing",
        class: "Denial of service",
        severity: "low",
        categories: &["read"],
        summary: "Unbounded listing of {nouns} fills the context window and the API quota.",
        how: "Each page of results costs tokens and rate limit. An agent that pages through every {noun} to answer a simple question can lock out human users of the same API key.",
    },
    Family {
        title: "Privilege escalation via {noun} sharing",
        class: "Authorization",
        severity: "high",
        categories: &["write"],
        summary: "An agent is persuaded to share a {noun} or change a role, widening access for an attacker.",
        how: "Sharing and role changes are writes like any other to the classifier, but their effect is on who can do what. A single call can open a private {noun} to the world.",
    },
    Family {
        title: "Infrastructure teardown of {nouns}",
        class: "Destructive operations",
        severity: "critical",
        categories: &["destructive", "execute"],
        summary: "An agent tidying up terminates {nouns} that were still in use.",
        how: "Terminate and delete tools on infrastructure act at once and cascade: volumes, addresses and backups may go with the {noun}. There is rarely a confirmation step in the API.",
    },
    Family {
        title: "Unclassified {noun} tools",
        class: "Catalogue hygiene",
        severity: "low",
        categories: &["other"],
        summary: "Tools whose effect cannot be told from their definition get a cautious default, which hides real risk or blocks safe work.",
        how: "A name like `transform_{noun}` says nothing about side effects. Until someone reviews the tool and sets its category, the policy has to guess.",
    },
];

#[rustfmt::skip]
const ATTACK_NOUNS: &[&str] = &[
    "issue", "file", "record", "customer", "page", "job", "cluster", "message", "table", "bucket",
    "ticket", "document", "deployment", "contact", "notebook", "channel",
];

struct ToolIndex<'a> {
    heads: &'a [ServerHead],
    servers: &'a [GenServer],
    by_cat: Vec<Vec<(usize, usize)>>,
}

impl ToolIndex<'_> {
    fn reference(&self, (s, t): (usize, usize)) -> (String, String, Cat) {
        let (name, cat) = &self.servers[s].tools[t];
        (self.heads[s].slug.clone(), name.clone(), *cat)
    }

    fn pick(&self, rng: &mut Rng, cat: Cat) -> Option<(usize, usize)> {
        let list = &self.by_cat[Cat::ALL.iter().position(|c| *c == cat)?];
        if list.is_empty() {
            None
        } else {
            Some(*rng.pick(list))
        }
    }
}

fn policy_snippet(rng: &mut Rng, tools: &[(String, String, Cat)], family: &Family) -> Value {
    let mut names: Vec<(String, Cat)> = tools.iter().map(|(_, t, c)| (t.clone(), *c)).collect();
    if names.is_empty() {
        for c in family.categories {
            let cat = Cat::ALL
                .iter()
                .copied()
                .find(|x| x.name() == *c)
                .unwrap_or(Cat::Other);
            let example = match cat {
                Cat::Read => "list_issues",
                Cat::Write => "create_issue",
                Cat::Execute => "run_job",
                Cat::Destructive => "delete_bucket",
                Cat::Financial => "create_refund",
                Cat::Other => "transform_record",
            };
            names.push((example.into(), cat));
        }
    }
    let mut hide = Vec::new();
    let mut per_tool = Map::new();
    for (name, cat) in names {
        if per_tool.contains_key(&name) || hide.contains(&json!(name)) {
            continue;
        }
        let limit = |counter: &str, max: u32| json!({ "limits": [ { "counter": counter, "window": "minute", "max": max, "scope": "grant" } ] });
        match cat {
            Cat::Read => {
                per_tool.insert(name, json!({}));
            }
            Cat::Write | Cat::Other => {
                let counter = format!("{}_rate", slugify(&name).replace('-', "_"));
                per_tool.insert(name, limit(&counter, 30));
            }
            Cat::Execute => {
                let counter = format!("{}_rate", slugify(&name).replace('-', "_"));
                per_tool.insert(name, limit(&counter, 10));
            }
            Cat::Destructive => hide.push(json!(name)),
            Cat::Financial => {
                per_tool.insert(
                    name,
                    json!({ "deny_if": { "conditions": [], "on_deny": "Requires human approval." } }),
                );
            }
        }
    }
    let mut doc = Map::new();
    doc.insert("version".into(), json!("1"));
    doc.insert("default".into(), json!("deny"));
    if !hide.is_empty() {
        doc.insert("hide".into(), Value::Array(hide));
    }
    if rng.chance(0.4) {
        doc.insert(
            "all_tools".into(),
            json!({ "limits": [ { "counter": "all_calls", "window": "hour", "max": 200, "scope": "grant" } ] }),
        );
    }
    doc.insert("tools".into(), Value::Object(per_tool));
    Value::Object(doc)
}

fn gen_attacks(seed: u64, index: &ToolIndex) -> Vec<(String, String)> {
    let mut rng = Rng::derive(seed, 3, 0);
    let mut out = Vec::new();
    let mut slugs = HashSet::new();
    let mut titles = HashSet::new();
    for variant in 0..4 {
        for family in FAMILIES {
            let mut noun = *rng.pick(ATTACK_NOUNS);
            let mut tries = 0;
            while titles.contains(&(family.title, noun)) && tries < 20 {
                noun = *rng.pick(ATTACK_NOUNS);
                tries += 1;
            }
            titles.insert((family.title, noun));
            let nouns = plural(noun);
            let fill = |s: &str| s.replace("{nouns}", &nouns).replace("{noun}", noun);
            let mut title = fill(family.title);
            if variant > 0 && !family.title.contains("{noun") {
                title = format!(
                    "{title} ({})",
                    ["", "bulk", "via support tickets", "in CI"][variant]
                );
            }
            let stem = slugify(&title);
            let mut slug = stem.clone();
            let mut k = 2;
            while !slugs.insert(slug.clone()) {
                slug = format!("{stem}-{k}");
                k += 1;
            }
            // 0–3 tools that exist, of the entry's categories where possible.
            let n_tools = *rng.weighted(&[(0usize, 25), (1, 35), (2, 25), (3, 15)]);
            let mut tools: Vec<(String, String, Cat)> = Vec::new();
            for _ in 0..n_tools {
                let want = family.categories[rng.below(family.categories.len())];
                let cat = Cat::ALL
                    .iter()
                    .copied()
                    .find(|c| c.name() == want)
                    .unwrap_or(Cat::Read);
                if let Some(at) = index.pick(&mut rng, cat) {
                    let r = index.reference(at);
                    if !tools.iter().any(|t| t.0 == r.0 && t.1 == r.1) {
                        tools.push(r);
                    }
                }
            }
            let date = date_of(rng.range(0, LAST_DAY));
            let mut text = String::from("+++\n");
            let _ = writeln!(text, "title = {}", toml_str(&title));
            let _ = writeln!(text, "class = {}", toml_str(family.class));
            let _ = writeln!(text, "severity = {}", toml_str(family.severity));
            let cats: Vec<String> = family.categories.iter().map(|c| toml_str(c)).collect();
            let _ = writeln!(text, "categories = [{}]", cats.join(", "));
            if !tools.is_empty() {
                let refs: Vec<String> = tools
                    .iter()
                    .map(|(s, t, _)| toml_str(&format!("{s}/{t}")))
                    .collect();
                let _ = writeln!(text, "tools = [{}]", refs.join(", "));
            }
            let _ = writeln!(text, "summary = {}", toml_str(&fill(family.summary)));
            let _ = writeln!(text, "date = {date}");
            text.push_str("+++\n");

            let paragraphs = rng.range(3, 6);
            let _ = writeln!(
                text,
                "{} This entry describes the pattern as it applies to {} and the tools that act on them.\n",
                fill(family.summary),
                nouns
            );
            let _ = writeln!(text, "## How it works\n\n{}\n", fill(family.how));
            if paragraphs >= 5 {
                text.push_str("Typical signs:\n\n");
                text.push_str("- many calls to the same tool within a minute,\n");
                text.push_str(
                    "- arguments that come from tool output rather than from the user,\n",
                );
                text.push_str("- a tool used outside the task the user asked for.\n\n");
            }
            if paragraphs >= 4 {
                let _ = writeln!(
                    text,
                    "## A real-world example\n\nIn a synthetic incident dated {date}, an agent working on a team's {nouns} followed the pattern above for {} minutes before a person noticed. The logs showed {} calls, every one of them allowed by a permissive client configuration.\n",
                    rng.range(3, 90),
                    rng.range(12, 4000)
                );
            }
            if !tools.is_empty() {
                let list: Vec<String> = tools
                    .iter()
                    .map(|(s, t, _)| format!("`{t}` on [{s}](/servers/{s}/)"))
                    .collect();
                let _ = writeln!(
                    text,
                    "Tools in this catalogue that show the pattern include {}.\n",
                    list.join(", ")
                );
            }
            let policy = policy_snippet(&mut rng, &tools, family);
            let _ = writeln!(
                text,
                "## The policy that stops it\n\nDeny by default, and give each tool only the room its category needs:\n\n```json\n{}\n```\n",
                serde_json::to_string_pretty(&policy).expect("serialises")
            );
            if paragraphs >= 6 {
                text.push_str("A `default` of `deny` is the part that matters: a tool added later is refused until someone allows it by name.\n");
            }
            out.push((slug, text));
        }
    }
    out
}

fn about_page(n: usize, seed: u64, tool_ref: &str) -> String {
    format!(
        "+++\ntitle = \"About this synthetic catalogue\"\ndescription = \"A generated catalogue of {n} imaginary MCP servers, for benchmarks and tests.\"\n+++\nThis catalogue was generated by `examples/synth.rs` with `--servers {n} --seed {seed}`. None of its servers exist; their shape (tool counts, names, descriptions and annotations) imitates real catalogues so that the generator can be measured on realistic input.\n\n## An example policy\n\nThe recommended policy of `{tool_ref}`:\n\n{{{{ policy(tool=\"{tool_ref}\") }}}}\n\nEvery number on this site is computed at build time from the records in `content/servers/`.\n"
    )
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

struct Args {
    servers: usize,
    seed: u64,
    out: PathBuf,
    force: bool,
}

const USAGE: &str =
    "usage: cargo run --release --example synth -- --servers N --seed S --out DIR [--force]";

fn parse_args() -> Result<Args, String> {
    let mut servers = None;
    let mut seed = None;
    let mut out = None;
    let mut force = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key.as_str() {
            "--servers" => {
                servers = Some(
                    value("--servers")?
                        .parse::<usize>()
                        .map_err(|e| format!("--servers: {e}"))?,
                )
            }
            "--seed" => {
                seed = Some(
                    value("--seed")?
                        .parse::<u64>()
                        .map_err(|e| format!("--seed: {e}"))?,
                )
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--force" => force = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let servers = servers.ok_or("--servers is required")?;
    if servers == 0 {
        return Err("--servers must be at least 1".into());
    }
    Ok(Args {
        servers,
        seed: seed.unwrap_or(1),
        out: out.ok_or("--out is required")?,
        force,
    })
}

fn prepare_dir(dir: &Path, force: bool) -> Result<(), String> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .next()
            .is_some();
        if non_empty || !dir.is_dir() {
            if !force {
                return Err(format!(
                    "{} exists and is not empty; pass --force to replace it",
                    dir.display()
                ));
            }
            if dir.is_dir() {
                remove_tree(dir)
            } else {
                std::fs::remove_file(dir)
            }
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
        }
    }
    for sub in ["content/servers", "content/attacks", "content/pages"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| format!("cannot create {}: {e}", dir.join(sub).display()))?;
    }
    Ok(())
}

/// Removes a folder, deleting its files in parallel (a site folder holds
/// tens of thousands of them).
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.par_iter().try_for_each(std::fs::remove_file)?;
    std::fs::remove_dir_all(dir)
}

fn write(path: &Path, text: &str) -> Result<u64, String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(text.len() as u64)
}

fn run(args: &Args) -> Result<(), String> {
    let start = Instant::now();
    prepare_dir(&args.out, args.force)?;
    let heads = server_heads(args.seed, args.servers);
    let servers_dir = args.out.join("content/servers");
    let servers: Vec<GenServer> = heads
        .par_iter()
        .enumerate()
        .map(|(i, head)| gen_server(args.seed, i, head))
        .collect();
    let server_bytes: u64 = heads
        .par_iter()
        .zip(servers.par_iter())
        .map(|(head, s)| write(&servers_dir.join(format!("{}.json", head.slug)), &s.json))
        .collect::<Result<Vec<u64>, String>>()?
        .iter()
        .sum();

    let mut by_cat = vec![Vec::new(); Cat::ALL.len()];
    for (si, s) in servers.iter().enumerate() {
        for (ti, (_, cat)) in s.tools.iter().enumerate() {
            let ci = Cat::ALL.iter().position(|c| c == cat).unwrap_or(0);
            by_cat[ci].push((si, ti));
        }
    }
    let index = ToolIndex {
        heads: &heads,
        servers: &servers,
        by_cat,
    };
    let mut bytes = server_bytes;
    for (slug, text) in gen_attacks(args.seed, &index) {
        bytes += write(&args.out.join(format!("content/attacks/{slug}.md")), &text)?;
    }

    // The about page embeds the policy of a real tool (a write tool where there is one).
    let mut rng = Rng::derive(args.seed, 4, 0);
    let at = index
        .pick(&mut rng, Cat::Write)
        .or_else(|| index.pick(&mut rng, Cat::Read))
        .unwrap_or((0, 0));
    let (slug, tool, _) = index.reference(at);
    let about = about_page(args.servers, args.seed, &format!("{slug}/{tool}"));
    bytes += write(&args.out.join("content/pages/about.md"), &about)?;

    let site = format!(
        "# Generated by examples/synth.rs --servers {} --seed {}\ntitle = \"Synthetic MCP catalogue ({} servers)\"\ndescription = \"A deterministic synthetic catalogue of imaginary MCP servers.\"\nbase_url = \"https://bench.example/\"\nminify = true\nper_page = 100\n",
        args.servers, args.seed, args.servers
    );
    bytes += write(&args.out.join("site.toml"), &site)?;

    let tools: usize = servers.iter().map(|s| s.tools.len()).sum();
    let mut mix = [0usize; 6];
    for s in &servers {
        for (_, c) in &s.tools {
            mix[Cat::ALL.iter().position(|x| x == c).unwrap_or(0)] += 1;
        }
    }
    println!(
        "synth: {} servers, {} tools ({:.2} per server), {} bytes in {}",
        args.servers,
        tools,
        tools as f64 / args.servers as f64,
        bytes,
        args.out.display()
    );
    let mix: Vec<String> = Cat::ALL
        .iter()
        .zip(mix)
        .map(|(c, n)| {
            format!(
                "{} {:.1}%",
                c.name(),
                100.0 * n as f64 / tools.max(1) as f64
            )
        })
        .collect();
    eprintln!(
        "synth: intended mix {}; {:.2}s",
        mix.join(", "),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("synth: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::FAILURE
        }
    }
}
