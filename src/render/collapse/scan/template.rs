//! The scanner at template code: `{{ }}`, `{% %}` and `{# #}` tags, the
//! segments they open and close (branches, loops, blocks, components,
//! filters, captures), and `{% raw %}`.

use super::{Html, PREFORMATTED, RAW_TEXT, Scan, Segment, find_endraw};
use crate::render::collapse::Unfollowable;
use crate::render::collapse::tags::{component_calls, split_strings, tag_end};

impl Scan<'_> {
    /// At `{{`, `{%` or `{#`: copies the template tag and follows the
    /// template code it opens or closes.
    pub(super) fn template_tag(&mut self) -> Result<(), Unfollowable> {
        let at = self.pos;
        let kind = self.src[at + 1];
        let end =
            tag_end(self.src, at).ok_or_else(|| self.fail(at, "a template tag is not closed"))?;
        let inner = self.text[at + 2..end - 2]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        self.copy(end - at);
        match kind {
            b'{' => self.expression(inner),
            b'%' => self.statement(inner, at)?,
            _ => {}
        }
        Ok(())
    }

    /// `{{ ... }}`: component calls and `super()` in it.
    fn expression(&mut self, inner: &str) {
        let (code, _) = split_strings(inner);
        let bare = code.trim();
        // Output changed by a filter, or printed where whitespace counts.
        let sensitive = code.contains('|') || self.here_sensitive();
        // `{{ <name ... /> }}` alone prints the component's text here; any
        // other component in an expression is a value.
        let printed_alone = bare.starts_with('<') && bare.ends_with("/>");
        for (i, name) in component_calls(&code).into_iter().enumerate() {
            if sensitive || !(printed_alone && i == 0) {
                self.found.components.insert(name);
            }
        }
        if code.contains("super(") && (sensitive || bare.replace(' ', "") != "super()") {
            self.mark_enclosing_block();
        }
    }

    /// The block that encloses this point renders its parent's text where
    /// whitespace counts.
    fn mark_enclosing_block(&mut self) {
        if let Some(block) = self.segments.iter().rev().find(|s| s.keyword == "block") {
            self.found.blocks.insert(block.name.clone());
        }
    }

    /// `{% ... %}`: follows the segments and notes includes and component
    /// calls.
    fn statement(&mut self, inner: &str, at: usize) -> Result<(), Unfollowable> {
        let (code, _) = split_strings(inner);
        if let Some(call) = inner.strip_prefix('<') {
            if call.starts_with('/') {
                // `{% </name> %}` ends the body of a component call.
                self.close_segment(at, "a component call's end")?;
                self.segments.pop();
                return Ok(());
            }
            // `{% <name ...> %}`: the component's text is printed here; the
            // body between the tags is passed to it as a value.
            if self.here_sensitive() {
                self.found.components.extend(component_calls(&code));
            }
            self.found
                .components
                .extend(component_calls(&code).into_iter().skip(1));
            self.open("call", String::new(), true);
            return Ok(());
        }
        // The keyword ends at anything but a letter, digit or `_`:
        // `{% elif(a) %}` and `{% include"x.html" %}` are written so too.
        let keyword = &inner[..inner
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(inner.len())];
        // A component's output or a parent block used by template code, not
        // printed as it is.
        self.found.components.extend(component_calls(&code));
        if code.contains("super(") {
            self.mark_enclosing_block();
        }
        let rest = inner[keyword.len()..].trim();
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
            .collect();
        match keyword {
            "if" | "for" => self.open(keyword, String::new(), false),
            "block" => {
                if self.here_sensitive() {
                    self.found.blocks.insert(word.clone());
                }
                let sensitive = self.sensitive.blocks.contains(&word);
                self.open(keyword, word, sensitive);
            }
            "component" => {
                let sensitive = self.sensitive.components.contains(&word);
                self.open(keyword, word, sensitive);
            }
            // Text captured into a value, or changed by filters.
            "filter" => self.open(keyword, String::new(), true),
            // `{% set x | f(a=1) %}` captures; `{% set x = ... %}` does not.
            "set" | "set_global"
                if !split_strings(rest)
                    .0
                    .split('|')
                    .next()
                    .is_some_and(|before| before.contains('=')) =>
            {
                self.open(keyword, String::new(), true)
            }
            "raw" => self.raw(at)?,
            "elif" | "else" => {
                self.close_segment(at, keyword)?;
                let id = self.new_id();
                if let Some(top) = self.segments.last_mut() {
                    top.id = id;
                }
            }
            k if k.starts_with("end") => {
                self.close_segment(at, keyword)?;
                self.segments.pop();
            }
            "include" if self.here_sensitive() => {
                self.found.templates.extend(split_strings(rest).1);
            }
            _ => {}
        }
        Ok(())
    }

    fn new_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn open(&mut self, keyword: &str, name: String, sensitive: bool) {
        let inherited = self.segments.last().is_some_and(|s| s.sensitive);
        if sensitive && matches!(keyword, "block" | "component") {
            self.lands_sensitive = true;
        }
        let id = self.new_id();
        self.segments.push(Segment {
            id,
            keyword: keyword.to_string(),
            name,
            sensitive: sensitive || inherited,
        });
    }

    /// The current segment ends: nothing it opened may still be open.
    fn close_segment(&mut self, at: usize, keyword: &str) -> Result<(), Unfollowable> {
        let Some(id) = self.segments.last().map(|s| s.id) else {
            return Err(self.fail(at, format!("`{{% {keyword} %}}` closes nothing")));
        };
        let open_here = match self.html {
            Html::Text => None,
            Html::Tag { opened_in, quote } => {
                if opened_in == id {
                    Some("a tag")
                } else if quote.is_some_and(|(_, q)| q == id) {
                    Some("a quoted attribute value")
                } else {
                    None
                }
            }
            Html::Raw { element, opened_in } => (opened_in == id).then_some(RAW_TEXT[element]),
            Html::Comment { opened_in } => (opened_in == id).then_some("a comment"),
            Html::Bogus { opened_in } => (opened_in == id).then_some("a tag"),
        };
        let open_here = open_here.or_else(|| {
            self.preformatted
                .iter()
                .find(|(_, s)| *s == id)
                .map(|(e, _)| PREFORMATTED[*e])
        });
        match open_here {
            Some(what) => Err(self.fail(
                at,
                format!("{what} opened in this branch of template code is still open at `{{% {keyword} %}}`"),
            )),
            None => Ok(()),
        }
    }

    /// `{% raw %}`: its content is output as written, and read as HTML
    /// without template code, up to and including `{% endraw %}`.
    fn raw(&mut self, at: usize) -> Result<(), Unfollowable> {
        let start = self.pos;
        let close = find_endraw(self.src, start)
            .ok_or_else(|| self.fail(at, "`{% raw %}` is not closed"))?;
        let close_end = tag_end(self.src, close)
            .ok_or_else(|| self.fail(close, "`{% endraw %}` is not closed"))?;
        // Follow the HTML of the raw text, writing nothing; then copy it.
        let out = self.out.take();
        let whole = self.whole_template_sensitive;
        self.whole_template_sensitive = true;
        while self.pos < close {
            self.html_step()?;
        }
        self.whole_template_sensitive = whole;
        self.out = out;
        self.pos = start;
        self.copy(close_end - start);
        Ok(())
    }
}
