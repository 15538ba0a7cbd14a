//! The signals the classifier weighs, read from one tool's definition: the
//! name split into words (its verb, its object and the words between), the
//! description's words and word pairs (so "dry run", "without modifying" and
//! "permanently deletes" count as phrases), the input schema's property
//! names and kinds, the server's name words, and which of the site's
//! category word lists the name, description and properties hit.
//!
//! Each signal is a [`Feature`]: a key the model has a weight for, and the
//! text quoted from the definition that a reader can check. Annotations are
//! not features: they are the server's claims, weighed apart (see the
//! module docs of `classify`). Pure functions, no I/O.

use foldhash::HashSet;
use serde_json::Value;

use super::Source;
use super::rules::name_tokens;
use crate::catalogue::record::ToolRecord;
use crate::config::Config;

/// One signal of a tool's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The model's key, such as `v:delete` (the verb) or `d:permanently`.
    pub key: String,
    /// Where in the definition it was found.
    pub source: Source,
    /// The words as they stand in the definition, for the reader.
    pub quote: String,
    /// How much the feature counts: 1 for the name and the schema; the
    /// description's words share a weight of their own, so a long
    /// description does not outvote the name.
    pub value: f64,
}

/// Words too common in descriptions to say anything about a tool's effect.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "be", "by", "with",
    "as", "at", "it", "its", "this", "that", "from", "can", "will", "use", "used", "you", "your",
    "if", "when", "which", "e", "g", "i", "eg", "ie",
];

/// Words that open a description before its verb ("Use this tool to …").
const DESCRIPTION_LEAD: &[&str] = &[
    "use", "this", "tool", "to", "a", "an", "the", "that", "which", "allows", "allow", "lets",
    "let", "you", "user", "users", "helps", "help", "can", "will", "is", "be", "used", "for", "it",
    "function", "endpoint", "api", "mcp", "server", "please", "call", "always", "only", "just",
    "simply", "directly",
];

/// Server-name words that say nothing about the server's domain.
const GENERIC_SERVER_WORDS: &[&str] = &[
    "mcp",
    "server",
    "servers",
    "modelcontextprotocol",
    "model",
    "context",
    "protocol",
    "tools",
    "tool",
    "api",
    "js",
    "py",
    "io",
    "ai",
    "official",
    "local",
    "remote",
    "lite",
];

/// How many description words count: the effect is told in the first
/// sentence, and what follows is often usage advice ("get the id from
/// list_projects first") that names other tools' verbs.
const MAX_DESCRIPTION_WORDS: usize = 40;

/// The total weight of the description's words, relative to one name word.
const DESCRIPTION_WEIGHT: f64 = 3.0;

/// The total weight of the words after the description's first sentence:
/// a third of the first sentence's, since they are as often advice about
/// other tools as about this one's effect.
const REST_WEIGHT: f64 = 1.0;

/// How many words after the first sentence count.
const REST_WORDS: usize = 80;

/// A light stemmer: plural and third-person endings, so "deletes" and
/// "delete" share a weight. Words of three letters or fewer stay.
pub fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.is_ascii() {
        return word.to_string();
    }
    if let Some(s) = word.strip_suffix("ies") {
        return format!("{s}y");
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_string();
    }
    word.strip_suffix('s').unwrap_or(word).to_string()
}

/// The description's first sentence split into lowercase words (letters
/// and digits), with the byte range each came from.
fn description_words(text: &str) -> Vec<(String, usize, usize)> {
    words_of(text, true, MAX_DESCRIPTION_WORDS)
}

/// The first `max` words of `text`, or, when `first_sentence` is set, the
/// words up to the end of its first sentence (stopping after `max`).
fn words_of(text: &str, first_sentence: bool, max: usize) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let word_char = c.is_alphanumeric() || c == '_';
        match (word_char, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((text[s..i].to_lowercase(), s, i));
                start = None;
            }
            _ => {}
        }
        if !first_sentence {
            if out.len() >= max {
                return out;
            }
            continue;
        }
        // The first sentence ends at a full stop followed by a space or a
        // line break, or at a blank line.
        let rest = &text[i..];
        let sentence_end = (c == '.' || c == '!' || c == '?' || c == ':')
            && rest[c.len_utf8()..].starts_with(char::is_whitespace)
            && out.len() >= 3;
        if out.len() >= max || sentence_end || (c == '\n' && rest[1..].starts_with('\n')) {
            if let Some(s) = start.take() {
                out.push((text[s..i].to_lowercase(), s, i));
            }
            return out;
        }
    }
    if let Some(s) = start {
        out.push((text[s..].to_lowercase(), s, text.len()));
    }
    out
}

/// The words of the server's slug that may tell its domain.
pub fn server_words(server_slug: &str) -> Vec<String> {
    name_tokens(server_slug)
        .into_iter()
        .filter(|w| w.len() > 1 && !GENERIC_SERVER_WORDS.contains(&w.as_str()))
        .collect()
}

/// The name's words without the leading ones that repeat the server's name
/// (`slack_post_message` on a Slack server) or a product prefix.
pub fn effective_name_words(name: &str, server_slug: &str) -> Vec<String> {
    let words = name_tokens(name);
    let server = server_words(server_slug);
    let mut skip = 0;
    while skip + 1 < words.len()
        && (server.contains(&words[skip])
            || GENERIC_SERVER_WORDS.contains(&words[skip].as_str())
            || words[skip].len() == 1)
    {
        skip += 1;
    }
    words[skip..].to_vec()
}

/// The top-level properties of an input schema: name, JSON type, whether it
/// offers a fixed list of values.
pub fn schema_properties(schema: Option<&Value>) -> Vec<(String, String, bool)> {
    let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(k, v)| {
            let ty = match v.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|t| *t != "null")
                    .unwrap_or("any")
                    .to_string(),
                _ => "any".to_string(),
            };
            (k.clone(), ty, v.get("enum").is_some())
        })
        .collect()
}

/// Property names that choose which operation a multi-purpose tool performs.
const OPERATION_PROPERTIES: &[&str] = &[
    "action",
    "operation",
    "op",
    "method",
    "command",
    "subcommand",
    "mode",
    "intent",
    "verb",
];

/// The values an operation-choosing property offers (its `enum`), at most 40.
pub fn operation_values(schema: Option<&Value>) -> Vec<String> {
    let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(k, _)| OPERATION_PROPERTIES.contains(&k.to_lowercase().as_str()))
        .filter_map(|(_, v)| v.get("enum").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .take(40)
        .map(str::to_string)
        .collect()
}

/// Words that start a name's trailing qualifier (`get_user_by_id`,
/// `list_orders_for_customer`): the object is the word before them.
const QUALIFIERS: &[&str] = &[
    "by", "for", "from", "in", "on", "with", "to", "of", "at", "into",
];

/// Trailing words that name a field of the object, not the object.
const FIELD_WORDS: &[&str] = &["id", "ids", "uuid", "name", "key", "number", "url"];

/// The object of a name's verb: its last word, leaving out a trailing
/// qualifier (`cancel_order_by_id` → `order`) and a field word
/// (`delete_user_id` → `user`), but not the field a qualifier right after
/// the verb names (`get_by_id` → `id`). `words` has at least two words.
pub fn name_object(words: &[String]) -> &String {
    let mut end = words.len();
    if let Some(q) = words[1..]
        .iter()
        .position(|w| QUALIFIERS.contains(&w.as_str()))
        && q >= 1
    {
        end = q + 1;
    }
    // A field right after a qualifier (`get_by_id`) is the only object.
    while end > 2
        && FIELD_WORDS.contains(&words[end - 1].as_str())
        && !QUALIFIERS.contains(&words[end - 2].as_str())
    {
        end -= 1;
    }
    &words[end - 1]
}

/// Every feature of one tool, in a stable order, without duplicate keys.
pub fn extract(tool: &ToolRecord, server_slug: &str, config: &Config) -> Vec<Feature> {
    let mut out: Vec<Feature> = Vec::new();
    // The keys pushed so far: a tool has a few hundred features, too many to
    // look each new one up in `out` by walking it.
    let mut seen: HashSet<String> = HashSet::default();
    let mut push = |key: String, source: Source, quote: &str| {
        if seen.insert(key.clone()) {
            out.push(Feature {
                key,
                source,
                quote: quote.to_string(),
                value: 1.0,
            });
        }
    };

    let words = effective_name_words(&tool.name, server_slug);
    if let Some(verb) = words.first() {
        push(format!("v:{}", stem(verb)), Source::Name, verb);
        for &ci in &config.categories_of_word(verb) {
            push(
                format!("rv:{}", config.categories[ci].name),
                Source::Name,
                verb,
            );
        }
    }
    if words.len() > 1 {
        let object = name_object(&words);
        push(format!("o:{}", stem(object)), Source::Name, object);
        push(
            format!("vo:{}_{}", stem(&words[0]), stem(object)),
            Source::Name,
            &format!("{} {}", words[0], object),
        );
    }
    for w in words.iter().skip(1) {
        push(format!("w:{}", stem(w)), Source::Name, w);
        for &ci in &config.categories_of_word(w) {
            push(
                format!("rw:{}", config.categories[ci].name),
                Source::Name,
                w,
            );
        }
    }
    if let Some(title) = tool.title.as_deref() {
        for w in name_tokens(title).iter().take(8) {
            push(format!("t:{}", stem(w)), Source::Name, w);
        }
    }

    let description = tool.description.as_deref().unwrap_or("");
    let dwords = description_words(description);
    // The description's own verb comes after a lead such as "Use this tool
    // to" or "This tool allows you to".
    let lead_words = dwords
        .iter()
        .take_while(|(w, _, _)| DESCRIPTION_LEAD.contains(&w.as_str()))
        .count();
    for (i, (w, s, e)) in dwords.iter().enumerate() {
        if i == 0 {
            push(
                format!("d0:{}", stem(w)),
                Source::Description,
                &description[*s..*e],
            );
        }
        if i == lead_words {
            push(
                format!("dv:{}", stem(w)),
                Source::Description,
                &description[*s..*e],
            );
        }
        if !STOP_WORDS.contains(&w.as_str()) {
            push(
                format!("d:{}", stem(w)),
                Source::Description,
                &description[*s..*e],
            );
        }
        if let Some((w2, _, e2)) = dwords.get(i + 1) {
            push(
                format!("dd:{}_{}", stem(w), stem(w2)),
                Source::Description,
                &description[*s..*e2],
            );
        }
    }
    // The rest of the description, lighter: its words share REST_WEIGHT.
    let first_end = dwords.last().map_or(0, |(_, _, e)| *e);
    for (w, s, e) in words_of(&description[first_end..], false, REST_WORDS) {
        if !STOP_WORDS.contains(&w.as_str()) && w.len() > 2 {
            push(
                format!("d2:{}", stem(&w)),
                Source::Description,
                &description[first_end + s..first_end + e],
            );
        }
    }
    let lower = description.to_lowercase();
    let found = config.phrases_in(&lower);
    for (ci, cat) in config.categories.iter().enumerate() {
        if let Some(pi) = found[ci].iter().position(|&hit| hit) {
            push(
                format!("rd:{}", cat.name),
                Source::Description,
                &cat.phrases[pi],
            );
        }
    }

    let mut props = schema_properties(tool.input_schema.as_ref());
    props.truncate(60);
    for (name, ty, has_enum) in &props {
        let lower = name.to_lowercase();
        push(format!("pn:{lower}"), Source::Schema, name);
        for w in name_tokens(name) {
            push(format!("p:{}", stem(&w)), Source::Schema, name);
        }
        if ty == "boolean" {
            push(format!("pb:{lower}"), Source::Schema, name);
        }
        if *has_enum {
            push("p:<enum>".into(), Source::Schema, name);
        }
        for cat in &config.categories {
            if cat.params.contains(&lower) {
                push(format!("rp:{}", cat.name), Source::Schema, name);
            }
        }
    }

    // What the arguments' own descriptions say ("overwrite the file if it
    // exists", "the amount to charge"): which category's phrases they hold,
    // once per category, quoting the argument.
    if let Some(described) = tool
        .input_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    {
        for (name, prop) in described.iter().take(60) {
            let Some(text) = prop.get("description").and_then(Value::as_str) else {
                continue;
            };
            let found = config.phrases_in(&text.to_lowercase());
            for (ci, cat) in config.categories.iter().enumerate() {
                if found[ci].iter().any(|&hit| hit) {
                    push(format!("rpd:{}", cat.name), Source::Schema, name);
                }
            }
        }
    }

    // A tool that takes its operation as an argument (`action: "create" |
    // "delete"`) does what its operations do: each operation's verb counts,
    // and which category's words it is.
    for value in operation_values(tool.input_schema.as_ref()) {
        let words = name_tokens(&value);
        if let Some(verb) = words.first() {
            push(format!("e:{}", stem(verb)), Source::Schema, &value);
            for &ci in &config.categories_of_word(verb) {
                push(
                    format!("re:{}", config.categories[ci].name),
                    Source::Schema,
                    &value,
                );
            }
        }
    }

    for w in server_words(server_slug) {
        push(format!("s:{}", stem(&w)), Source::Default, &w);
    }
    let n2 = out.iter().filter(|f| f.key.starts_with("d2:")).count();
    if n2 > 0 {
        let share = REST_WEIGHT / (n2 as f64).sqrt();
        for f in out.iter_mut().filter(|f| f.key.starts_with("d2:")) {
            f.value = share;
        }
    }
    // The description's words share one unit of weight, spread as 1/sqrt(n).
    let n = out
        .iter()
        .filter(|f| f.key.starts_with("d:") || f.key.starts_with("dd:"))
        .count();
    if n > 0 {
        let share = DESCRIPTION_WEIGHT / (n as f64).sqrt();
        for f in out.iter_mut() {
            if f.key.starts_with("d:") || f.key.starts_with("dd:") {
                f.value = share;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
    }

    /// Panics unless the tool's features include every key of `want`.
    fn assert_keys(json: &str, server: &str, want: &[&str]) -> Vec<String> {
        let k = keys(json, server);
        for w in want {
            assert!(k.contains(&w.to_string()), "{w} in {k:?}");
        }
        k
    }

    fn keys(json: &str, server: &str) -> Vec<String> {
        let tool: ToolRecord = serde_json::from_str(json).unwrap();
        extract(&tool, server, &config())
            .into_iter()
            .map(|f| f.key)
            .collect()
    }

    #[test]
    fn the_server_prefix_is_not_the_verb() {
        let k = keys(r#"{"name":"slack_post_message"}"#, "slack");
        assert!(k.contains(&"v:post".to_string()), "{k:?}");
        assert!(k.contains(&"o:message".to_string()), "{k:?}");
        assert!(k.contains(&"vo:post_message".to_string()), "{k:?}");
        assert!(!k.iter().any(|k| k == "v:slack"), "{k:?}");
    }

    #[test]
    fn description_pairs_keep_qualifiers() {
        let k = keys(
            r#"{"name":"plan","description":"Shows a dry run without modifying anything."}"#,
            "infra",
        );
        for want in ["dd:dry_run", "dd:without_modifying", "d0:show"] {
            assert!(k.contains(&want.to_string()), "{want} in {k:?}");
        }
    }

    #[test]
    fn schema_properties_and_flags() {
        assert_keys(
            r#"{"name":"x","inputSchema":{"type":"object","properties":{"sql":{"type":"string"},"force":{"type":"boolean"},"mode":{"type":"string","enum":["a","b"]}}}}"#,
            "db",
            &[
                "pn:sql",
                "rp:execute",
                "pb:force",
                "rp:destructive",
                "p:<enum>",
            ],
        );
    }

    #[test]
    fn operations_chosen_by_an_argument_count_as_verbs() {
        let k = assert_keys(
            r#"{"name":"manage_items","inputSchema":{"type":"object","properties":{"action":{"type":"string","enum":["list","create","delete_all"]},"kind":{"type":"string","enum":["remove"]}}}}"#,
            "store",
            &[
                "e:list",
                "e:create",
                "e:delete",
                "re:destructive",
                "re:write",
            ],
        );
        // Only a property that chooses the operation counts.
        assert!(!k.contains(&"e:remove".to_string()), "{k:?}");
    }

    #[test]
    fn the_description_verb_comes_after_its_lead() {
        let k = keys(
            r#"{"name":"x","description":"This tool can be used to purge the cache."}"#,
            "s",
        );
        assert!(k.contains(&"dv:purge".to_string()), "{k:?}");
        assert!(!k.iter().any(|k| k == "dv:be"), "{k:?}");
    }

    #[test]
    fn the_rest_of_the_description_counts_lighter() {
        let tool: ToolRecord = serde_json::from_str(
            r#"{"name":"save","description":"Save the note. An existing note is replaced permanently."}"#,
        )
        .unwrap();
        let feats = extract(&tool, "s", &config());
        let value = |key: &str| {
            feats
                .iter()
                .find(|f| f.key == key)
                .map(|f| f.value)
                .unwrap_or_else(|| panic!("{key} in {feats:?}"))
        };
        // "note" is in the first sentence, "replaced" only after it: the
        // rest's words share REST_WEIGHT, the first sentence's
        // DESCRIPTION_WEIGHT.
        let share =
            |prefix: &str| feats.iter().filter(|f| f.key.starts_with(prefix)).count() as f64;
        let rest = REST_WEIGHT / share("d2:").sqrt();
        assert!((value("d2:replaced") - rest).abs() < 1e-9);
        let first = DESCRIPTION_WEIGHT / (share("d:") + share("dd:")).sqrt();
        assert!((value("d:note") - first).abs() < 1e-9);
        assert!(value("d2:replaced") < value("d:note"));
        assert!(!feats.iter().any(|f| f.key == "d:replaced"));
        // The whole description's phrases still count.
        assert!(feats.iter().any(|f| f.key == "rd:destructive"));
    }

    #[test]
    fn an_argument_description_can_point_to_a_category() {
        let k = assert_keys(
            r#"{"name":"upload","inputSchema":{"type":"object","properties":{"replace":{"type":"boolean","description":"Permanently overwrites the file when it exists."},"path":{"type":"string","description":"Where to put it."}}}}"#,
            "files",
            &["rpd:destructive"],
        );
        assert!(!k.contains(&"rpd:read".to_string()), "{k:?}");
    }

    #[test]
    fn stemming_is_light() {
        assert_eq!(stem("deletes"), "delete");
        assert_eq!(stem("entries"), "entry");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("access"), "access");
        assert_eq!(stem("ids"), "ids");
    }
}
