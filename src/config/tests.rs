//! Tests of reading site.toml and merging it over the built-in categories.

use super::*;

const MINIMAL: &str = "title = \"T\"\nbase_url = \"https://example.com/docs\"\n";

#[test]
fn defaults_apply() {
    let c = Config::parse(MINIMAL).unwrap();
    assert_eq!(c.base_url, "https://example.com/docs/");
    assert_eq!(c.base_path, "/docs/");
    assert!(c.minify);
    let names: Vec<_> = c.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, BUILTIN_ORDER);
    assert_eq!(c.category("execute").unwrap().max, 10);
    assert_eq!(
        c.category("financial").unwrap().policy,
        PolicyAction::Approve
    );
    assert_eq!(c.category("execute").unwrap().per_day, Some(240));
    assert_eq!(c.policy.path_prefix, "/workspace/");
    assert_eq!(c.category("destructive").unwrap().risk, Risk::Critical);
}

#[test]
fn site_toml_overrides_and_adds_categories() {
    let text = format!(
        "{MINIMAL}[categories.write]\nmax = 5\n[categories.network]\nrisk = \"high\"\npolicy = \"limit\"\nmax = 3\nwindow = \"hour\"\nwords = [\"Ping\"]\n"
    );
    let c = Config::parse(&text).unwrap();
    assert_eq!(c.category("write").unwrap().max, 5);
    let net = c.category("network").unwrap();
    assert_eq!(
        (net.risk, net.max, net.window),
        (Risk::High, 3, Window::Hour)
    );
    assert_eq!(net.words, vec!["ping"]);
    assert_eq!(c.categories.last().unwrap().name, "network");
}

#[test]
fn unknown_key_names_line() {
    let err =
        Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\nminfy = true\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("error 1: site.toml:3:1: unknown field `minfy`"),
        "{text}"
    );
}

#[test]
fn search_is_on_by_default_and_can_be_switched_off() {
    assert!(Config::parse(MINIMAL).unwrap().search.enabled);
    let off = Config::parse(&format!("{MINIMAL}[search]\nenabled = false\n")).unwrap();
    assert!(!off.search.enabled);
    let err = Config::parse(&format!("{MINIMAL}[search]\nenabeld = false\n")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("error 1: site.toml:4:1: unknown field `enabeld`"),
        "{text}"
    );
    let err = Config::parse(&format!("{MINIMAL}[search]\nenabled = \"no\"\n")).unwrap_err();
    assert!(err.to_string().contains("site.toml:4:11"), "{err}");
}

#[test]
fn bad_base_url_is_reported() {
    let err = Config::parse("title = \"T\"\nbase_url = \"example.com\"\n").unwrap_err();
    assert!(
        err.to_string()
            .contains("base_url `example.com` is not an absolute http(s) URL")
    );
}
