//! The one place that turns markdown into HTML.
//!
//! Two modes: [`trusted`] for the site's own attack entries and pages, and
//! [`untrusted`] for text from catalogue records (tool and server
//! descriptions), which may be hostile. Untrusted markdown keeps no raw
//! HTML (it is shown as text), no images (no requests to third parties), and
//! only `http`, `https` and `mailto` links, each marked
//! `rel="nofollow noopener ugc"`; headings become plain emphasised lines so a
//! description cannot restructure the page.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

/// Renders the site's own markdown. Raw HTML is kept: these files are
/// written by the site's authors.
pub fn trusted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    let parser =
        Parser::new_ext(text, options() | Options::ENABLE_HEADING_ATTRIBUTES).map(|event| {
            match event {
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H1,
                    id,
                    classes,
                    attrs,
                }) => Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    id,
                    classes,
                    attrs,
                }),
                Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                    Event::End(TagEnd::Heading(HeadingLevel::H2))
                }
                other => other,
            }
        });
    html::push_html(&mut out, parser);
    out
}

/// The links and images of the site's own markdown whose target runs
/// script (`javascript:`, `vbscript:`) or is a document made of data
/// (`data:` other than an image), with the byte offset of each in `text`.
/// The Content-Security-Policy stops them, so they can only be mistakes.
pub fn script_links(text: &str) -> Vec<(usize, String)> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let cleaned: String = dest_url
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scripted = cleaned.starts_with("javascript:")
                    || cleaned.starts_with("vbscript:")
                    || (cleaned.starts_with("data:") && !cleaned.starts_with("data:image/"));
                scripted.then(|| (range.start, dest_url.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// True for link targets that cannot run script or embed data.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let lower = cleaned.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` to `out` with `& < > " '` escaped: the runs between
/// them are copied whole.
pub fn escape_into(out: &mut String, text: &str) {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // The five are ASCII: `i` is on a character boundary.
        out.push_str(&text[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&text[from..]);
}

/// Renders hostile markdown into inert HTML.
pub fn untrusted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    // Link nesting: for each open link, whether it was kept.
    let mut links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;
    let mut events: Vec<Event> = Vec::new();
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Html(raw) | Event::InlineHtml(raw) => {
                if in_image == 0 {
                    events.push(Event::Text(raw));
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let keep = is_safe_url(&dest_url);
                links.push(keep);
                if keep {
                    let mut a = String::from("<a href=\"");
                    escape_into(&mut a, &dest_url);
                    a.push_str("\" rel=\"nofollow noopener ugc\">");
                    events.push(Event::InlineHtml(CowStr::from(a)));
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    events.push(Event::InlineHtml(CowStr::Borrowed("</a>")));
                }
            }
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Start(Tag::Heading { .. }) => {
                events.push(Event::Start(Tag::Paragraph));
                events.push(Event::Start(Tag::Strong));
            }
            Event::End(TagEnd::Heading(_)) => {
                events.push(Event::End(TagEnd::Strong));
                events.push(Event::End(TagEnd::Paragraph));
            }
            Event::Start(Tag::FootnoteDefinition(_)) | Event::End(TagEnd::FootnoteDefinition) => {}
            Event::FootnoteReference(r) => events.push(Event::Text(r)),
            // Image alt text comes through as Text events and is kept.
            other => events.push(other),
        }
    }
    html::push_html(&mut out, events.into_iter());
    out
}

/// Plain text of hostile markdown, for meta descriptions and JSON-LD: the
/// text events only, with whitespace collapsed.
pub fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_between_the_five_characters() {
        let mut out = String::from("kept ");
        escape_into(&mut out, "a&b<c>d\"e'f");
        escape_into(&mut out, "é&é");
        escape_into(&mut out, "");
        assert_eq!(out, "kept a&amp;b&lt;c&gt;d&quot;e&#39;fé&amp;é");
        assert_eq!(escape("<<>>"), "&lt;&lt;&gt;&gt;");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = untrusted("Hello <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn script_links_are_dropped_and_safe_ones_marked() {
        let html = untrusted(
            "[a](javascript:alert(1)) [b](JaVaScRiPt:x) [c](data:text/html,x) [d](https://e.com/?a=\"x\")",
        );
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://e.com/?a=%22x%22\" rel=\"nofollow noopener ugc\">d</a>"
            ) || html.contains("rel=\"nofollow noopener ugc\">d</a>"),
            "{html}"
        );
        assert!(html.contains(">a<") || html.contains("a "), "{html}");
    }

    #[test]
    fn script_links_of_the_sites_own_markdown_are_found_where_they_are() {
        let text = "Safe [a](https://e.com/).\n\n[b]( JavaScript:alert(1))\n![c](data:text/html,x) ![d](data:image/png;base64,AA)";
        let found = script_links(text);
        assert_eq!(
            found,
            [
                (text.find("[b]").unwrap(), "JavaScript:alert(1)".to_string()),
                (text.find("![c]").unwrap(), "data:text/html,x".to_string()),
            ]
        );
    }

    #[test]
    fn images_keep_only_alt_text() {
        let html = untrusted("![tracking pixel](https://evil.example/p.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("tracking pixel"), "{html}");
    }

    #[test]
    fn headings_cannot_restructure_the_page() {
        let html = untrusted("# Big\ntext");
        assert!(!html.contains("<h1"), "{html}");
    }

    #[test]
    fn plain_text_strips_markup() {
        assert_eq!(
            plain_text("Run **a** `job`.\n\nThen <b>x</b>"),
            "Run a job. Then <b>x</b>"
        );
    }
}
