//! The scanner: one pass over a template in source order, copying it with
//! the whitespace between tags collapsed, and keeping track of the HTML
//! element it is in and of the template code around it (`template`), so
//! that it knows where whitespace is text that collapses.

use super::{Sensitive, Unfollowable};

mod template;

/// Elements whose content is not HTML text (no tags inside).
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "xmp", "plaintext", "title"];
/// Elements whose text keeps its whitespace.
const PREFORMATTED: &[&str] = &["pre", "listing"];

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

pub(super) struct Scan<'a> {
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
    pub(super) fn new(
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
    pub(super) fn run(mut self) -> Result<bool, Unfollowable> {
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
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
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
