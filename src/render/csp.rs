//! The Content-Security-Policy of the site's pages and of the embed cards,
//! which the pages carry as `<meta>` and `_headers` repeats for the host.

use sha2::{Digest, Sha256};

/// The policy of every site page: scripts and styles from the site only, no
/// inline script, no `eval`; `connect-src 'self'` lets the search box fetch
/// the index.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

/// The embed card's only style, inlined so the card needs no requests.
pub const EMBED_CSS: &str = include_str!("../builtin/static/embed.css");

/// The embed card's policy: no scripts at all, only its own hashed style.
/// Hashed once: every embed page carries the same policy.
pub fn embed_csp() -> String {
    static CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let hash = Sha256::digest(EMBED_CSS.as_bytes());
        format!(
            "default-src 'none'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
            base64(&hash)
        )
    });
    CSP.clone()
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
