//! Precompressed twins: with `compress = true` in site.toml, every text
//! file of the output gets a `.br` and a `.gz` beside it, for hosts and
//! for nginx's `brotli_static` and `gzip_static`.
//!
//! Owns which files are text and the two encoders' settings. Both encoders
//! are deterministic and the gzip header carries no time and no name, so
//! the twins of the same bytes are the same bytes on every build (an
//! incremental build rewrites only the twins whose file changed). Writes go
//! through the sink it wraps; it never touches the disk itself.

use std::io::Write;

use super::Sink;
use crate::error::Diagnostic;

/// Extensions of the files that get twins: what a site writes as text.
const TEXT: [&str; 9] = [
    "html", "css", "js", "json", "xml", "txt", "svg", "md", "map",
];

/// Files smaller than this are sent as they are: the twin saves nothing.
const MIN_BYTES: usize = 256;

/// Brotli's quality (0 to 11) and window (log2 bytes). 11 is the smallest
/// output but several times slower on pages of this size; 9 keeps a
/// compressed build within a small factor of a plain one.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;

/// True for a path whose file gets twins.
pub fn compressible(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && !stem.ends_with('/') && TEXT.contains(&ext))
}

/// `bytes` as gzip: best compression, no time, no file name.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// `bytes` as brotli.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY as i32,
        lgwin: BROTLI_WINDOW as i32,
        size_hint: bytes.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}

/// A sink that writes, beside every text file, its `.br` and `.gz` twins.
pub struct Compressed<'s> {
    pub sink: &'s dyn Sink,
}

impl Sink for Compressed<'_> {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.sink.write(path, bytes)?;
        if bytes.len() >= MIN_BYTES && compressible(path) {
            let (br, gz) = rayon::join(|| brotli(bytes), || gzip(bytes));
            self.sink.write(&format!("{path}.br"), &br)?;
            self.sink.write(&format!("{path}.gz"), &gz)?;
        }
        Ok(())
    }
    fn count_page(&self) {
        self.sink.count_page();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_files_get_twins_and_others_do_not() {
        for yes in [
            "index.html",
            "a/b/policy.json",
            "sitemap.xml",
            "llms.txt",
            "x/index.md",
        ] {
            assert!(compressible(yes), "{yes}");
        }
        for no in [
            "logo.png",
            "index.html.br",
            "a.gz",
            "_headers",
            ".html",
            "a/.css",
            "README",
        ] {
            assert!(!compressible(no), "{no}");
        }
    }

    #[test]
    fn twins_are_the_same_bytes_every_time_and_decode_to_the_file() {
        let text = "<p>tool risk</p>\n".repeat(200);
        let (gz, br) = (gzip(text.as_bytes()), brotli(text.as_bytes()));
        assert_eq!(gz, gzip(text.as_bytes()));
        assert_eq!(br, brotli(text.as_bytes()));
        // No time (bytes 4 to 7) and no name flag (byte 3) in the header.
        assert_eq!(&gz[3..8], &[0, 0, 0, 0, 0]);
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)
            .unwrap();
        assert_eq!(back, text);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, text.as_bytes());
    }
}
