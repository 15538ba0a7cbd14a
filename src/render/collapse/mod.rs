//! The indentation of a site's own templates, collapsed once before they are
//! compiled, so that a site with templates of its own is built with
//! `minify` without minifying every page after rendering (which took three
//! quarters of such a build).
//!
//! A general minifier cannot be run over template source: it reads template
//! code inside a tag as attributes, and drops quotes around a value that
//! only becomes hostile once rendered. This pass changes one thing only: a
//! run of whitespace that holds a line break, in text between tags, becomes
//! one line break. A browser shows such a run as one space wherever
//! whitespace collapses, so a page means the same before and after.
//!
//! Whitespace is left as written where it does not collapse or is not
//! text: inside `<pre>`, `<listing>`, `<textarea>`, `<script>`, `<style>`,
//! `<xmp>`, `<plaintext>` and `<title>`, inside a tag (attribute values), inside
//! comments, template tags, `{% raw %}`, `{% filter %}` and `{% set %}` bodies. Template
//! text rendered into such a place from elsewhere is left as written too:
//! a template included there, a block whose placeholder sits there, a
//! component printed there or whose output is filtered or stored, the body
//! of a component call or of a `{% set %}` (captured as a value), a parent
//! block printed with `super()` there. Templates the caller names are kept
//! whole (a site's own shortcodes, which a page's markdown can paste into a
//! `<pre>`), and so is whatever a template that is not HTML prints. These are found by scanning every template
//! until no new one turns up.
//!
//! The scan reads HTML in source order, so an element whose start and end
//! are in different branches of an `{% if %}`, or in different templates,
//! cannot be followed: [`collapse`] then returns why, and the caller
//! minifies pages one by one instead, as before.

use std::collections::HashSet;

/// Elements whose content is not HTML text (no tags inside).
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "xmp", "plaintext", "title"];
/// Elements whose text keeps its whitespace.
const PREFORMATTED: &[&str] = &["pre", "listing"];

/// Why the templates cannot be collapsed safely: (template, line, reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfollowable {
    pub template: String,
    pub line: usize,
    pub reason: String,
}

/// A template set after [`collapse`].
#[derive(Debug)]
pub struct Collapsed {
    /// (name, source), in the order given.
    pub sources: Vec<(String, String)>,
    /// The templates some of whose text lands where whitespace counts
    /// because of template code elsewhere.
    pub lands_sensitive: HashSet<String>,
}

/// The places in a template set whose rendered text lands where whitespace
/// counts.
#[derive(Default, Debug)]
struct Sensitive {
    templates: HashSet<String>,
    blocks: HashSet<String>,
    components: HashSet<String>,
}

impl Sensitive {
    fn len(&self) -> usize {
        self.templates.len() + self.blocks.len() + self.components.len()
    }
}

/// Every `.html` template of `sources` with its indentation collapsed (the
/// others as they are; those `kept_whole` accepts as they are too, and
/// whatever they print), and the names of the templates some of whose text
/// lands where whitespace counts because of template code elsewhere (a
/// general minifier must not be run over those). An error when some HTML
/// cannot be followed through the template code.
pub fn collapse(
    sources: &[(String, String)],
    kept_whole: impl Fn(&str) -> bool,
) -> Result<Collapsed, Unfollowable> {
    let html: Vec<&(String, String)> = sources.iter().filter(|(n, _)| is_html(n)).collect();
    let mut sensitive = Sensitive::default();
    for (name, source) in sources {
        if kept_whole(name) {
            sensitive.templates.insert(name.clone());
        }
        // What a template that is not HTML prints is not read here.
        if !is_html(name) {
            pulled_in(source, &mut sensitive);
        }
    }
    // Grow the set of sensitive places until a scan finds nothing new.
    loop {
        let mut found = Sensitive::default();
        for (name, source) in &html {
            Scan::new(name, source, &sensitive, &mut found, None).run()?;
        }
        let before = sensitive.len();
        sensitive.templates.extend(found.templates);
        sensitive.blocks.extend(found.blocks);
        sensitive.components.extend(found.components);
        if sensitive.len() == before {
            break;
        }
    }
    let mut lands_sensitive = HashSet::new();
    let mut out = Vec::with_capacity(sources.len());
    for (name, source) in sources {
        if !is_html(name) {
            out.push((name.clone(), source.clone()));
            continue;
        }
        let mut collapsed = String::with_capacity(source.len());
        let mut unused = Sensitive::default();
        if Scan::new(name, source, &sensitive, &mut unused, Some(&mut collapsed)).run()? {
            lands_sensitive.insert(name.clone());
        }
        out.push((name.clone(), collapsed));
    }
    Ok(Collapsed {
        sources: out,
        lands_sensitive,
    })
}

/// The templates this module changes.
pub fn is_html(name: &str) -> bool {
    name.ends_with(".html") || name.ends_with(".htm")
}

/// One segment of template code: the body of an `if` branch, a `for`, a
/// `block`, a `component`, a component call, a `filter`, a `set`.
struct Segment {
    id: u32,
    keyword: String,
    /// The block or component name.
    name: String,
    /// Its text lands where whitespace counts.
    sensitive: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Html {
    Text,
    /// Inside `<...>`; the segment it opened in, and an open quote with
    /// the segment it opened in.
    Tag {
        opened_in: u32,
        quote: Option<(u8, u32)>,
    },
    /// Inside a raw text element: the index of its name in [`RAW_TEXT`].
    Raw {
        element: usize,
        opened_in: u32,
    },
    Comment {
        opened_in: u32,
    },
    /// `<!...>` or `<?...>` other than a comment or doctype: ends at the
    /// first `>`, quotes or not.
    Bogus {
        opened_in: u32,
    },
}

struct Scan<'a> {
    name: &'a str,
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    sensitive: &'a Sensitive,
    found: &'a mut Sensitive,
    out: Option<&'a mut String>,
    segments: Vec<Segment>,
    next_id: u32,
    html: Html,
    /// Open `<pre>`-like elements: (index in PREFORMATTED, segment).
    preformatted: Vec<(usize, u32)>,
    /// Set when a tag being read is a start tag of a raw text or
    /// preformatted element: (is raw, index).
    pending: Option<(bool, usize)>,
    whole_template_sensitive: bool,
    /// Some of this template's text lands where whitespace counts,
    /// because of template code elsewhere.
    lands_sensitive: bool,
}

impl<'a> Scan<'a> {
    fn new(
        name: &'a str,
        text: &'a str,
        sensitive: &'a Sensitive,
        found: &'a mut Sensitive,
        out: Option<&'a mut String>,
    ) -> Scan<'a> {
        Scan {
            name,
            src: text.as_bytes(),
            text,
            pos: 0,
            whole_template_sensitive: sensitive.templates.contains(name),
            sensitive,
            found,
            out,
            segments: Vec::new(),
            next_id: 1,
            html: Html::Text,
            preformatted: Vec::new(),
            pending: None,
            lands_sensitive: sensitive.templates.contains(name),
        }
    }

    fn fail(&self, at: usize, reason: impl Into<String>) -> Unfollowable {
        Unfollowable {
            template: self.name.to_string(),
            line: 1 + self.src[..at.min(self.src.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
            reason: reason.into(),
        }
    }

    fn emit(&mut self, s: &str) {
        if let Some(out) = self.out.as_deref_mut() {
            out.push_str(s);
        }
    }

    fn segment(&self) -> u32 {
        self.segments.last().map_or(0, |s| s.id)
    }

    /// Text at this point is rendered into a segment whose whitespace must
    /// be kept, whatever the HTML around it in this template.
    fn segment_sensitive(&self) -> bool {
        self.whole_template_sensitive || self.segments.last().is_some_and(|s| s.sensitive)
    }

    /// Template output at this point lands where whitespace counts.
    fn here_sensitive(&self) -> bool {
        self.segment_sensitive()
            || !self.preformatted.is_empty()
            || matches!(self.html, Html::Tag { .. } | Html::Raw { .. })
    }

    /// Scans the whole template. Returns whether any of its text lands
    /// where whitespace counts because of template code elsewhere.
    fn run(mut self) -> Result<bool, Unfollowable> {
        while self.pos < self.src.len() {
            if self.src[self.pos] == b'{'
                && matches!(self.src.get(self.pos + 1), Some(b'{' | b'%' | b'#'))
            {
                self.template_tag()?;
                continue;
            }
            self.html_step()?;
        }
        let end = self.src.len();
        if !self.segments.is_empty() {
            let keyword = self.segments.last().map(|s| s.keyword.clone());
            return Err(self.fail(
                end,
                format!("`{{% {} %}}` is not closed", keyword.unwrap_or_default()),
            ));
        }
        match self.html {
            Html::Text | Html::Comment { .. } => {}
            Html::Tag { .. } | Html::Bogus { .. } => {
                return Err(self.fail(end, "the template ends inside a tag"));
            }
            Html::Raw { element, .. } => {
                return Err(self.fail(
                    end,
                    format!("`<{}>` is not closed in this template", RAW_TEXT[element]),
                ));
            }
        }
        if let Some(&(element, _)) = self.preformatted.last() {
            return Err(self.fail(
                end,
                format!(
                    "`<{}>` is not closed in this template",
                    PREFORMATTED[element]
                ),
            ));
        }
        Ok(self.lands_sensitive)
    }

    /// One step of HTML outside template tags.
    fn html_step(&mut self) -> Result<(), Unfollowable> {
        let at = self.pos;
        let b = self.src[at];
        match self.html {
            Html::Text => {
                if is_space(b) {
                    let end = at + self.src[at..].iter().take_while(|&&c| is_space(c)).count();
                    let run = &self.text[at..end];
                    if run.contains('\n') {
                        if self.preformatted.is_empty() && !self.segment_sensitive() {
                            // Line breaks kept, so that text styled
                            // `white-space: pre-line` shows the same.
                            let breaks = run.bytes().filter(|&c| c == b'\n').count();
                            self.emit(&"\n".repeat(breaks));
                        } else {
                            self.emit(run);
                        }
                    } else {
                        self.emit(run);
                    }
                    self.pos = end;
                    return Ok(());
                }
                if b == b'<' {
                    return self.tag_start();
                }
                self.copy_char();
                self.copy_until(|c| is_space(c) || c == b'<' || c == b'{');
            }
            Html::Tag { opened_in, quote } => match quote {
                Some((q, quoted_in)) if b == q => {
                    if quoted_in != self.segment() {
                        return Err(self.fail(
                            at,
                            "a quoted attribute value starts and ends in different branches of template code",
                        ));
                    }
                    self.html = Html::Tag {
                        opened_in,
                        quote: None,
                    };
                    self.copy(1);
                }
                Some(_) => {
                    self.copy_char();
                    self.copy_until(|c| c == b'"' || c == b'\'' || c == b'{');
                }
                None if (b == b'"' || b == b'\'')
                    && matches!(
                        self.src[..at].iter().rev().find(|&&c| !is_space(c)),
                        Some(b'=' | b'}')
                    ) =>
                {
                    self.html = Html::Tag {
                        opened_in,
                        quote: Some((b, self.segment())),
                    };
                    self.copy(1);
                }
                None if b == b'>' => {
                    if opened_in != self.segment() {
                        return Err(self.fail(
                            at,
                            "a tag starts and ends in different branches of template code",
                        ));
                    }
                    self.copy(1);
                    self.html = Html::Text;
                    match self.pending.take() {
                        Some((true, element)) => self.html = Html::Raw { element, opened_in },
                        Some((false, element)) => self.preformatted.push((element, opened_in)),
                        None => {}
                    }
                }
                None => {
                    self.copy_char();
                    self.copy_until(|c| c == b'"' || c == b'\'' || c == b'>' || c == b'{');
                }
            },
            Html::Raw { element, opened_in } => {
                let name = RAW_TEXT[element];
                if b == b'<'
                    && self.src.get(at + 1) == Some(&b'/')
                    && self.src[at + 2..]
                        .get(..name.len())
                        .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                {
                    if opened_in != self.segment() {
                        return Err(self.fail(
                            at,
                            format!(
                                "`<{name}>` starts and ends in different branches of template code"
                            ),
                        ));
                    }
                    self.html = Html::Tag {
                        opened_in,
                        quote: None,
                    };
                    self.copy(2 + name.len());
                } else {
                    self.copy_char();
                    self.copy_until(|c| c == b'<' || c == b'{');
                }
            }
            Html::Comment { opened_in } => {
                let end = [&b"-->"[..], b"--!>"]
                    .into_iter()
                    .find(|e| self.src[at..].starts_with(e));
                if let Some(end) = end {
                    if opened_in != self.segment() {
                        return Err(self.fail(
                            at,
                            "a comment starts and ends in different branches of template code",
                        ));
                    }
                    self.html = Html::Text;
                    self.copy(end.len());
                } else {
                    self.copy_char();
                    self.copy_until(|c| c == b'-' || c == b'{');
                }
            }
            Html::Bogus { opened_in } => {
                if b == b'>' {
                    if opened_in != self.segment() {
                        return Err(self.fail(
                            at,
                            "a tag starts and ends in different branches of template code",
                        ));
                    }
                    self.html = Html::Text;
                    self.copy(1);
                } else {
                    self.copy_char();
                    self.copy_until(|c| c == b'>' || c == b'{');
                }
            }
        }
        Ok(())
    }

    /// At a `<` in text.
    fn tag_start(&mut self) -> Result<(), Unfollowable> {
        let at = self.pos;
        let rest = &self.src[at + 1..];
        let opened_in = self.segment();
        if rest.starts_with(b"!--") {
            // `<!-->` and `<!--->` are whole (empty) comments.
            match [&b">"[..], b"->"]
                .into_iter()
                .find(|e| rest[3..].starts_with(e))
            {
                Some(e) => self.copy(4 + e.len()),
                None => {
                    self.html = Html::Comment { opened_in };
                    self.copy(4);
                }
            }
            return Ok(());
        }
        if rest.starts_with(b"![CDATA[") {
            return Err(self.fail(at, "a CDATA section ends where the HTML parser decides"));
        }
        let doctype = rest
            .get(..8)
            .is_some_and(|r| r.eq_ignore_ascii_case(b"!doctype"));
        if (rest.first() == Some(&b'!') && !doctype) || rest.first() == Some(&b'?') {
            self.html = Html::Bogus { opened_in };
            self.copy(2);
            return Ok(());
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        let name_len = self.src[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
            .count();
        let after = self.src.get(name_start + name_len).copied();
        let starts_tag = match self.src.get(name_start) {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'{') => true,
            Some(b'!') => !closing,
            _ => false,
        };
        if !starts_tag {
            // A `<` that starts no tag is text.
            self.copy(1);
            return Ok(());
        }
        let name = self.text[name_start..name_start + name_len].to_ascii_lowercase();
        if after == Some(b'{') {
            // A tag name made by template code: safe unless it could become
            // one of the elements whose whitespace counts.
            let could_be = RAW_TEXT
                .iter()
                .chain(PREFORMATTED)
                .any(|e| e.starts_with(name.as_str()));
            if could_be {
                return Err(self.fail(
                    at,
                    "a tag name is made by template code, and could name an element that keeps its whitespace",
                ));
            }
        }
        if closing {
            if RAW_TEXT.contains(&name.as_str()) {
                return Err(self.fail(
                    at,
                    format!("`</{name}>` closes no `<{name}>` opened in the same branch of this template"),
                ));
            }
            if let Some(element) = PREFORMATTED.iter().position(|e| *e == name) {
                match self.preformatted.last() {
                    Some(&(open, segment)) if open == element && segment == opened_in => {
                        self.preformatted.pop();
                    }
                    _ => {
                        return Err(self.fail(
                            at,
                            format!(
                                "`</{name}>` does not close a `<{name}>` opened in the same branch of this template"
                            ),
                        ));
                    }
                }
            }
        } else if let Some(element) = RAW_TEXT.iter().position(|e| *e == name) {
            self.pending = Some((true, element));
        } else if let Some(element) = PREFORMATTED.iter().position(|e| *e == name) {
            self.pending = Some((false, element));
        }
        self.html = Html::Tag {
            opened_in,
            quote: None,
        };
        self.copy(1 + usize::from(closing) + name_len);
        Ok(())
    }

    /// Copies the character at the current position.
    fn copy_char(&mut self) {
        let n = self.text[self.pos..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        self.copy(n);
    }

    fn copy(&mut self, n: usize) {
        let end = (self.pos + n).min(self.src.len());
        let s = &self.text[self.pos..end];
        if let Some(out) = self.out.as_deref_mut() {
            out.push_str(s);
        }
        self.pos = end;
    }

    /// Copies bytes up to the next one `stop` accepts (all of them are
    /// ASCII, so the cut is at a character boundary).
    fn copy_until(&mut self, stop: impl Fn(u8) -> bool) {
        let n = self.src[self.pos..]
            .iter()
            .position(|&c| stop(c))
            .unwrap_or(self.src.len() - self.pos);
        self.copy(n);
    }

    /// At `{{`, `{%` or `{#`: copies the template tag and follows the
    /// template code it opens or closes.
    fn template_tag(&mut self) -> Result<(), Unfollowable> {
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

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The index just past the template tag that starts at `at`, skipping
/// string literals in it.
fn tag_end(src: &[u8], at: usize) -> Option<usize> {
    let close = match src[at + 1] {
        b'{' => b'}',
        b'%' => b'%',
        _ => b'#',
    };
    let mut i = at + 2;
    let comment = close == b'#';
    while i + 1 < src.len() {
        let c = src[i];
        if !comment && matches!(c, b'"' | b'\'' | b'`') {
            // A string literal, where `\` escapes the next character.
            i += 1;
            while *src.get(i)? != c {
                i += if src[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c == close && src[i + 1] == b'}' {
            return Some(i + 2);
        }
        i += 1;
    }
    None
}

/// The start of the `{% endraw %}` tag after `from`.
fn find_endraw(src: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(n) = src[i..].windows(2).position(|w| w == b"{%") {
        let at = i + n;
        let rest = &src[at + 2..];
        let rest = rest.strip_prefix(b"-").unwrap_or(rest);
        let skip = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        let after = &rest[skip..];
        if after.starts_with(b"endraw")
            && matches!(
                after.get(6),
                Some(b'-' | b'%' | b' ' | b'\t' | b'\n' | b'\r')
            )
        {
            return Some(at);
        }
        i = at + 2;
    }
    None
}

/// Every template, block and component that `source` prints, found from
/// its template tags alone.
fn pulled_in(source: &str, into: &mut Sensitive) {
    let src = source.as_bytes();
    let mut at = 0;
    while let Some(n) = source[at..].find('{') {
        at += n;
        if !matches!(src.get(at + 1), Some(b'{' | b'%')) {
            at += 1;
            continue;
        }
        let Some(end) = tag_end(src, at) else { return };
        let inner = source[at + 2..end - 2]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        let (code, literals) = split_strings(inner);
        into.components.extend(component_calls(&code));
        let word = code
            .split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.')))
            .filter(|w| !w.is_empty())
            .take(2)
            .collect::<Vec<_>>();
        match word.as_slice() {
            ["include", ..] => into.templates.extend(literals),
            ["block", name] => {
                into.blocks.insert(name.to_string());
            }
            _ => {}
        }
        at = end;
    }
}

/// `code` with its string literals taken out, and the literals (escapes
/// left as written).
fn split_strings(code: &str) -> (String, Vec<String>) {
    let mut rest = String::with_capacity(code.len());
    let mut literals = Vec::new();
    let mut quote: Option<(char, String)> = None;
    let mut escaped = false;
    for c in code.chars() {
        match &mut quote {
            Some((_, s)) if escaped => {
                s.push(c);
                escaped = false;
            }
            Some((_, s)) if c == '\\' => {
                s.push(c);
                escaped = true;
            }
            Some((q, s)) if c == *q => {
                literals.push(std::mem::take(s));
                quote = None;
            }
            Some((_, s)) => s.push(c),
            None if matches!(c, '"' | '\'' | '`') => quote = Some((c, String::new())),
            None => rest.push(c),
        }
    }
    (rest, literals)
}

/// The names of the components called in `code` (`<name`), and of some
/// variables compared with `<`, which costs nothing but collapsing less.
fn component_calls(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find('<') {
        let after = rest[i + 1..].trim_start();
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
        rest = &rest[i + 1..];
    }
    names
}

#[cfg(test)]
mod tests;
