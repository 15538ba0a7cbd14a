//! The prose never names what the snippet lacks, and the visible text has
//! no grammar slips.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// `text` with every “quoted” span and every given literal removed.
fn strip_quoted(text: &str, literals: &[&str]) -> String {
    let mut s = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '“' => depth += 1,
            '”' if depth > 0 => depth -= 1,
            _ if depth == 0 => s.push(c),
            _ => {}
        }
    }
    let mut lits: Vec<&&str> = literals.iter().filter(|l| !l.is_empty()).collect();
    lits.sort_by_key(|l| std::cmp::Reverse(l.len()));
    for l in lits {
        s = s.replace(*l, " ");
    }
    s
}

fn code_word_allowed(code: &str, tool: &str, policy: &Value) -> bool {
    // The tool's own name, and MCP protocol methods (which are not policy
    // vocabulary, so the snippet cannot lack them).
    if code == tool || ["tools/list", "tools/call"].contains(&code) {
        return true;
    }
    let mut words = HashSet::new();
    json_words(policy, &mut words);
    if words.contains(code) {
        return true;
    }
    // A JSON fragment such as `"default": "deny"`: every pair must be in the document.
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&format!("{{{code}}}")) {
        let mut pairs = Vec::new();
        json_pairs(policy, &mut pairs);
        return !m.is_empty()
            && m.iter()
                .all(|(k, v)| pairs.iter().any(|(pk, pv)| pk == k && pv == v));
    }
    false
}

/// Everything the FAQ and the policy explanation say that the tool's
/// policy.json does not, for every tool page of the build at `out`; and how
/// many tool pages were checked.
pub(crate) fn faq_problems(out: &Path, base_url: &str) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut pages = 0;
    for api_file in list_files(&out.join("api/servers")) {
        let api = read_json(&out.join("api/servers").join(&api_file));
        let server_name = api["name"].as_str().unwrap();
        let repo = api["repository"].as_str().unwrap_or("");
        for t in api["tools"].as_array().unwrap() {
            pages += 1;
            let name = t["name"].as_str().unwrap();
            let url = t["url"].as_str().unwrap();
            let path = &url[base_url.len()..];
            let policy = read_json(&out.join(path).join("policy.json"));
            let maxes: Vec<String> = max_values(&policy).iter().map(u64::to_string).collect();
            let numbers: Vec<String> = policy_numbers(&policy).iter().map(u64::to_string).collect();
            let windows: Vec<String> = {
                let mut p = Vec::new();
                json_pairs(&policy, &mut p);
                p.into_iter()
                    .filter(|(k, _)| k == "window")
                    .filter_map(|(_, v)| v.as_str().map(str::to_string))
                    .collect()
            };
            let doc = parse_html(&out.join(path).join("index.html"));
            let faq = doc
                .select(&sel("dl.faq"))
                .next()
                .unwrap_or_else(|| panic!("{path}: no dl.faq"));
            let dds: Vec<_> = faq.select(&sel("dd")).collect();
            assert!(dds.len() >= 3, "{path}: FAQ has {} answers", dds.len());
            let explain = doc
                .select(&sel("section[aria-labelledby=\"policy\"] p"))
                .next()
                .unwrap_or_else(|| panic!("{path}: no policy explanation"));

            let faq_text = text_of(faq);
            let prose = strip_quoted(
                &format!("{faq_text} {}", text_of(explain)),
                &[name, server_name, repo],
            );
            for n in numbers_in(&prose) {
                if !numbers.contains(&n) {
                    problems.push(format!(
                        "{path}: the FAQ/explanation says {n}, the policy's numbers are {numbers:?}"
                    ));
                }
            }
            for w in ["minute", "hour", "day"] {
                let says = prose
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word == w || word == format!("{w}s"));
                if says && !windows.iter().any(|x| x == w) {
                    problems.push(format!(
                        "{path}: the prose names the window `{w}`, the policy has {windows:?}"
                    ));
                }
            }
            for code in faq
                .select(&sel("dd code"))
                .chain(explain.select(&sel("code")))
            {
                let c = text_of(code);
                if !code_word_allowed(&c, name, &policy) {
                    problems.push(format!("{path}: the prose marks `{c}` as code, but the policy has no such key or value"));
                }
            }
            // And the prose does say what the snippet does.
            if let Some(m) = maxes.first()
                && !has_phrase(&prose, &format!("{m} call"))
            {
                problems.push(format!(
                    "{path}: the policy limits to {m} calls, the FAQ does not say so"
                ));
            }
            // Every condition a call must meet is named in the explanation.
            let explained: Vec<String> = explain.select(&sel("code")).map(text_of).collect();
            for c in policy["tools"][name]["require"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let arg = c["arg"].as_str().unwrap_or("");
                if !explained.iter().any(|e| e == arg) {
                    problems.push(format!(
                        "{path}: the policy requires a condition on `{arg}`, the explanation does not name it"
                    ));
                }
            }
            if let Some(msg) = policy["tools"][name]["approve"]["on_deny"].as_str()
                && !text_of(explain).contains(msg)
            {
                problems.push(format!(
                    "{path}: the policy asks for approval, the explanation does not quote {msg:?}"
                ));
            }
            if policy.get("hide").is_some()
                && !faq.select(&sel("code")).any(|c| text_of(c) == "hide")
            {
                problems.push(format!(
                    "{path}: the policy hides the tool, the FAQ does not mention `hide`"
                ));
            }
            if let Some(msg) = policy["tools"][name]["deny_if"]["on_deny"].as_str()
                && !faq_text.contains(msg)
            {
                problems.push(format!(
                    "{path}: the FAQ does not quote the deny message {msg:?}"
                ));
            }
        }
    }
    (problems, pages)
}

#[test]
fn faq_and_explanation_match_the_policy() {
    let (problems, pages) = faq_problems(shared_build("ok"), OK_BASE);
    assert_eq!(pages, 12);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Grammar slips in the visible text of every page of the build at `out`.
pub(crate) fn grammar_problems(name: &str, out: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    {
        for page in html_files(out) {
            let text = visible_text(&parse_html(&out.join(&page)));
            for bad in [
                "1 tools",
                "1 servers",
                "1 calls",
                "1 findings",
                "1 attack patterns",
                "1 problems",
                "1 warnings",
                "a execute",
                "a other",
                "A execute",
                "A other",
                "an read",
                "an write",
                "an destructive",
                "an financial",
            ] {
                if has_phrase(&text, bad) {
                    problems.push(format!("{name}/{page}: says {bad:?}"));
                }
            }
            if text.to_lowercase().contains("mcp server mcp server") {
                problems.push(format!("{name}/{page}: says \"MCP Server MCP Server\""));
            }
            if let Some(i) = text.find("..") {
                let from = text[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
                let ctx: String = text[from..].chars().take(80).collect();
                problems.push(format!("{name}/{page}: double full stop in {ctx:?}"));
            }
        }
    }
    problems
}

#[test]
fn visible_text_has_no_grammar_slips() {
    let mut problems = grammar_problems("ok", shared_build("ok"));
    problems.extend(grammar_problems("paged", shared_build("paged")));
    // The singular forms are used where they apply (not vacuous).
    let ok = shared_build("ok");
    let exec = visible_text(&parse_html(&ok.join("categories/execute/index.html")));
    assert!(
        has_phrase(&exec, "1 tool"),
        "categories/execute/ lacks \"1 tool\": {exec}"
    );
    let run_job = visible_text(&parse_html(
        &ok.join("servers/job-runner/run_job/index.html"),
    ));
    assert!(
        run_job.contains("an execute tool"),
        "run_job's FAQ lacks \"an execute tool\""
    );
    let job_runner = parse_html(&ok.join("servers/job-runner/index.html"));
    assert_eq!(
        text_of(job_runner.select(&sel("h1")).next().unwrap()),
        "Job Runner MCP Server"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
