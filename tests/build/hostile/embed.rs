//! Embed cards are self-contained.

use super::*;

fn embed_problems(out: &Path, base_url: &str) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut pages = 0;
    for f in html_files(out) {
        let Some(rest) = f.strip_prefix("embed/") else {
            continue;
        };
        pages += 1;
        let tool_path = rest.strip_suffix("index.html").unwrap_or(rest);
        let tool_url = format!("{base_url}servers/{tool_path}");
        // The card's canonical URL is its own, like every page's.
        let own_url = format!("{base_url}embed/{tool_path}");
        if resolve(out, "/", &format!("/servers/{tool_path}")).is_none() {
            problems.push(format!("{f}: the tool page {tool_url} does not exist"));
        }
        let doc = parse_html(&out.join(&f));
        for el in doc.select(&sel("*")) {
            let v = el.value();
            match v.name() {
                "script" | "iframe" | "img" | "object" | "embed" | "base" | "form" | "svg" => {
                    problems.push(format!("{f}: <{}> element", v.name()));
                }
                "link"
                    if v.attr("rel") != Some("canonical")
                        || v.attr("href") != Some(own_url.as_str()) =>
                {
                    problems.push(format!(
                        "{f}: <link> other than the canonical link to {own_url}: {}",
                        el.html()
                    ));
                }
                _ => {}
            }
            for (attr, value) in v.attrs() {
                let attr = attr.to_ascii_lowercase();
                if [
                    "src",
                    "srcset",
                    "action",
                    "formaction",
                    "data",
                    "poster",
                    "background",
                    "xlink:href",
                ]
                .contains(&attr.as_str())
                {
                    problems.push(format!("{f}: <{} {attr}={value:?}>", v.name()));
                }
                if attr == "href" && value != tool_url && !(v.name() == "link" && value == own_url)
                {
                    problems.push(format!(
                        "{f}: <{} href={value:?}> is not the tool page {tool_url}",
                        v.name()
                    ));
                }
                if attr == "style" {
                    problems.push(format!(
                        "{f}: inline style attribute on <{}>, which the CSP blocks",
                        v.name()
                    ));
                }
                if attr.starts_with("on") {
                    problems.push(format!("{f}: event attribute {attr} on <{}>", v.name()));
                }
            }
        }
        let styles: Vec<String> = doc.select(&sel("style")).map(text_of).collect();
        if styles.len() != 1 {
            problems.push(format!("{f}: {} <style> elements", styles.len()));
            continue;
        }
        let css = &styles[0];
        if css.contains("@import") || css.replace("url(data:", "").contains("url(") {
            problems.push(format!("{f}: the style loads something: {css}"));
        }
        let hash = base64(&Sha256::digest(css.as_bytes()));
        let csps: Vec<&str> = doc
            .select(&sel("meta[http-equiv]"))
            .filter(|m| {
                m.value()
                    .attr("http-equiv")
                    .is_some_and(|h| h.eq_ignore_ascii_case("content-security-policy"))
            })
            .filter_map(|m| m.value().attr("content"))
            .collect();
        match csps.as_slice() {
            [csp] => {
                if !csp.contains(&format!("style-src 'sha256-{hash}'")) {
                    problems.push(format!(
                        "{f}: the CSP {csp:?} does not allow the page's style (sha256-{hash})"
                    ));
                }
                if !csp.contains("default-src 'none'")
                    || csp.contains("unsafe-inline")
                    || csp.contains("script-src")
                {
                    problems.push(format!("{f}: the CSP is not locked down: {csp:?}"));
                }
            }
            other => problems.push(format!("{f}: {} CSP meta elements", other.len())),
        }
    }
    (problems, pages)
}

#[test]
fn embed_pages_are_self_contained() {
    let mut problems = Vec::new();
    for (out, base, min_pages) in [
        (poison_build(), POISON_BASE, 16),
        (shared_build("hostile"), "https://hostile.example/", 5),
    ] {
        let (p, pages) = embed_problems(out, base);
        assert!(pages >= min_pages, "{base}: only {pages} embed pages");
        problems.extend(p);
    }
    // The crate's own statement of the embed policy agrees with the page.
    let doc = parse_html(&poison_build().join("embed/shady-tools/list_items/index.html"));
    let css = doc
        .select(&sel("style"))
        .next()
        .map(text_of)
        .unwrap_or_default();
    if css != toolrisk::render::seo::EMBED_CSS {
        problems.push(format!(
            "the embed page's style differs from seo::EMBED_CSS ({} vs {} bytes)",
            css.len(),
            toolrisk::render::seo::EMBED_CSS.len()
        ));
    }
    let expected = toolrisk::render::seo::embed_csp();
    let csp = doc
        .select(&sel("meta[http-equiv=\"Content-Security-Policy\"]"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap_or_default()
        .to_string();
    if csp != expected {
        problems.push(format!(
            "the embed CSP {csp:?} differs from seo::embed_csp() {expected:?}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
