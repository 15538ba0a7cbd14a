//! The checkers of the other modules catch what they look for: faults are
//! planted in a copy of a good build and each one must be reported.

use crate::common::*;
use crate::hostile::inert::active_content;
use crate::links::broken_links;
use crate::prose::{faq_problems, grammar_problems};

#[test]
fn checkers_catch_planted_faults() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    copy_dir(shared_build("ok"), &out);
    assert!(broken_links(&out, "/", OK_BASE).is_empty());
    assert!(faq_problems(&out, OK_BASE).0.is_empty());
    assert!(grammar_problems("copy", &out).is_empty());
    assert!(active_content(&out).0.is_empty());

    let edit = |rel: &str, from: &str, to: &str| {
        let p = out.join(rel);
        let s = read(&p);
        // The last occurrence: the FAQ is the page's last <dl>.
        let i = s
            .rfind(from)
            .unwrap_or_else(|| panic!("{rel} lacks {from:?}"));
        std::fs::write(&p, format!("{}{to}{}", &s[..i], &s[i + from.len()..])).unwrap();
    };
    // A link to nowhere and a fragment that names no id.
    edit(
        "servers/index.html",
        "</main>",
        "<a href=/servers/nowhere/>x</a><a href=/servers/#nope>y</a></main>",
    );
    let broken = broken_links(&out, "/", OK_BASE);
    assert_eq!(broken.len(), 2, "{broken:?}");

    // The FAQ naming a number, a window and a key the policy lacks.
    let faq = "servers/notes-box/notes.create/index.html";
    edit(
        faq,
        "</dl>",
        "<dt>Q</dt><dd>At most 25 calls per hour, see <code>require</code>.</dd></dl>",
    );
    let (faq_found, _) = faq_problems(&out, OK_BASE);
    assert_eq!(faq_found.len(), 3, "{faq_found:?}");

    // Grammar slips.
    edit(
        "index.html",
        "</main>",
        "<p>Has 1 tools, a execute tool, Job MCP Server MCP Server, and an end..</p></main>",
    );
    assert_eq!(grammar_problems("copy", &out).len(), 4);

    // Active content.
    edit(
        "servers/notes-box/index.html",
        "</main>",
        "<script>alert(1)</script><img src=x><a href=' JavaScript:alert(1)' onclick=x>z</a><script type=application/ld+json>{</script></main>",
    );
    let (active, _, _) = active_content(&out);
    assert_eq!(active.len(), 5, "{active:?}");
}
