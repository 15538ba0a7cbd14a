//! The build state: what `toolrisk build` keeps between runs so that the
//! next build of the same site into the same output redoes only what
//! changed.
//!
//! Owns the state file (`.public.toolrisk-state` beside an output folder
//! called `public`), the stamps of the inputs it was built from, and telling what changed
//! since. The state holds the classified servers, the indexes, the
//! warnings and the catalogue's date; site.toml, the attack entries and the
//! pages are read again (they are small), and a change to any of them, to a
//! template, to a static file, to the set of server files, to the program
//! or to the output folder means a full build.
//!
//! A file is taken as unchanged when its length and modification time are
//! those it had when the state was written. A file modified within
//! two seconds (`inputs::RACY`) of being stamped could change again without its time moving
//! (git's "racy clean" problem): such a file is stamped with a hash of its
//! bytes too, read before the build reads it, and is unchanged only while
//! its bytes hash the same. Whether a page changed is then told by its
//! bytes: the incremental build rewrites only pages whose bytes differ.
//!
//! What two sets of stamps say changed is told where the other changes are
//! (`incremental::Changes::from_stamps`).
//!
//! The file is written to a temporary name and renamed into place after the
//! new output is swapped in. The header names the output folder's identity
//! (device, inode, modification time), which every swap changes: a build
//! stopped between its swap and its state leaves a state that no longer
//! matches, and the next build is a full one.
//!
//! The parts: `inputs` stamps the input files (and tells whether one
//! stamp's file is the other's unchanged), and this module reads and
//! writes the state file.

mod inputs;

pub use inputs::{Inputs, RACY_HASH_LIMIT, Stamp};

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Index, Server};
use crate::error::Diagnostic;
use crate::search::Postings;

/// Bumped whenever the layout of the file changes.
const FORMAT: u32 = 3;

/// Servers per separately encoded block: blocks are encoded and decoded in
/// parallel.
const SERVERS_PER_BLOCK: usize = 256;

/// What must match for a state to describe this build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    format: u32,
    version: String,
    /// The program that wrote the state: a new build of it may model or
    /// render differently.
    program: Option<Stamp>,
    base_url: Option<String>,
    site: PathBuf,
    output: PathBuf,
    /// The output folder's device, inode and modification time after the
    /// build: a folder replaced by something else, or one whose entries
    /// were added or removed since, is not the one the state describes.
    output_id: (u64, u64, u128),
}

/// What the summary of an up-to-date build needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub servers: usize,
    pub tools: usize,
    pub warnings: Vec<Diagnostic>,
}

/// The catalogue parts the state keeps besides the servers.
#[derive(Serialize, Deserialize)]
struct Rest {
    index: Index,
    date: Option<String>,
    search: Option<Postings>,
}

/// The same, borrowed, for writing.
#[derive(Serialize)]
struct RestRef<'a> {
    index: &'a Index,
    date: &'a Option<String>,
    search: Option<&'a Postings>,
}

/// A state file whose header matched, read but not yet decoded past the
/// inputs and the summary.
pub struct Opened {
    bytes: FileBytes,
    pub inputs: Inputs,
    pub summary: Summary,
}

/// A state read back: its catalogue parts.
pub struct Saved {
    pub servers: Vec<Server>,
    pub index: Index,
    pub date: Option<String>,
    pub warnings: Vec<Diagnostic>,
    /// The search postings, when the site has search.
    pub search: Option<Postings>,
    /// The servers as they were encoded, to write again unchanged.
    pub blocks: Blocks,
}

/// The encoded server blocks of a state read back: a block none of whose
/// servers changed is written again as it was, not encoded again.
#[derive(Default)]
pub struct Blocks {
    bytes: FileBytes,
    ranges: Vec<std::ops::Range<usize>>,
}

/// The bytes of a state file: mapped into memory where the system allows,
/// so that tens of megabytes are neither copied nor given fresh memory
/// (the file's pages are already in the page cache when it was just
/// written); read into memory otherwise.
pub enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Default for FileBytes {
    fn default() -> FileBytes {
        FileBytes::Read(Vec::new())
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

/// The file starts with this, then holds sections, each a little-endian
/// `u64` length and that many bytes: the header, the inputs, the summary,
/// the rest, and the server blocks.
const MAGIC: &[u8; 8] = b"toolrsk\x01";

/// The state file of the output folder `output`: beside it, named after it.
pub fn state_path(output: &Path) -> PathBuf {
    crate::output::beside(output, "state")
}

fn program_stamp() -> Option<Stamp> {
    let meta = std::env::current_exe().ok()?.metadata().ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta
            .modified()
            .ok()?
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_nanos(),
        hash: None,
    })
}

fn folder_id(path: &Path) -> Option<(u64, u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some((dev, ino, modified))
}

fn header(site_dir: &Path, output: &Path, base_url: Option<&str>) -> Option<Header> {
    Some(Header {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_string(),
        program: program_stamp(),
        base_url: base_url.map(str::to_string),
        site: std::path::absolute(site_dir).ok()?,
        output: std::path::absolute(output).ok()?,
        output_id: folder_id(output)?,
    })
}

/// Writes the state of a build of `cat` from `inputs` into `output`.
pub fn save(
    site_dir: &Path,
    output: &Path,
    base_url: Option<&str>,
    inputs: &Inputs,
    cat: &Catalogue,
    search: Option<&Postings>,
    reuse: Option<(&Blocks, &[usize])>,
) -> Result<(), Diagnostic> {
    let path = state_path(output);
    let fail = |e: &dyn std::fmt::Display| {
        Diagnostic::in_file(&path, format!("cannot write the build state: {e}"))
            .help("the build itself succeeded; the next build will be a full one")
    };
    let header =
        header(site_dir, output, base_url).ok_or_else(|| fail(&"the output folder is gone"))?;
    let summary = Summary {
        servers: cat.servers.len(),
        tools: cat.tool_count(),
        warnings: cat.warnings.clone(),
    };
    let rest = RestRef {
        index: &cat.index,
        date: &cat.date,
        search,
    };
    let block_count = cat.servers.len().div_ceil(SERVERS_PER_BLOCK);
    let reuse = reuse.filter(|(blocks, _)| blocks.ranges.len() == block_count);
    let blocks: Result<Vec<Cow<[u8]>>, postcard::Error> = cat
        .servers
        .par_chunks(SERVERS_PER_BLOCK)
        .enumerate()
        .map(|(b, servers)| match reuse {
            Some((old, changed)) if !changed.iter().any(|&si| si / SERVERS_PER_BLOCK == b) => {
                Ok(Cow::Borrowed(&old.bytes[old.ranges[b].clone()]))
            }
            _ => postcard::to_stdvec(servers).map(Cow::Owned),
        })
        .collect();
    let blocks = blocks.map_err(|e| fail(&e))?;
    let head = [
        postcard::to_stdvec(&header).map_err(|e| fail(&e))?,
        postcard::to_stdvec(inputs).map_err(|e| fail(&e))?,
        postcard::to_stdvec(&summary).map_err(|e| fail(&e))?,
    ];

    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".toolrisk-state-")
        .tempfile_in(dir)
        .map_err(|e| fail(&e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
    out.write_all(MAGIC).map_err(|e| fail(&e))?;
    for bytes in &head {
        write_section(&mut out, bytes).map_err(|e| fail(&e))?;
    }
    // The rest (the indexes and the search postings, tens of megabytes) is
    // encoded straight into the file, not into memory first; its length is
    // written in front of it once known.
    let rest_at = MAGIC.len() + head.iter().map(|h| 8 + h.len()).sum::<usize>();
    out.write_all(&0u64.to_le_bytes()).map_err(|e| fail(&e))?;
    let mut counted = Counted {
        inner: &mut out,
        written: 0,
    };
    postcard::to_io(&rest, &mut counted).map_err(|e| fail(&e))?;
    let rest_len = counted.written;
    for bytes in &blocks {
        write_section(&mut out, bytes).map_err(|e| fail(&e))?;
    }
    out.flush().map_err(|e| fail(&e))?;
    drop(out);
    {
        use std::io::{Seek, SeekFrom};
        let f = file.as_file_mut();
        f.seek(SeekFrom::Start(rest_at as u64))
            .and_then(|_| f.write_all(&rest_len.to_le_bytes()))
            .map_err(|e| fail(&e))?;
    }
    file.persist(&path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// Writes one section: its length, then its bytes.
fn write_section(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

/// A writer that counts what passes through it.
struct Counted<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Splits the file into its sections.
fn sections(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (len, after) = rest.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if after.len() < len {
            return None;
        }
        let (section, after) = after.split_at(len);
        out.push(section);
        rest = after;
    }
    Some(out)
}

/// Reads the file at `path` when its first section (the header) passes
/// `wanted`; reads nothing past the header otherwise.
fn read_if(path: &Path, wanted: impl FnOnce(&[u8]) -> bool) -> Option<FileBytes> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let prefix = MAGIC.len() + 8;
    let mut head = Vec::new();
    (&mut file)
        .take(prefix as u64)
        .read_to_end(&mut head)
        .ok()?;
    let len = head
        .strip_prefix(MAGIC.as_slice())?
        .first_chunk::<8>()
        .map(|b| u64::from_le_bytes(*b))?;
    if len > size {
        return None;
    }
    (&mut file).take(len).read_to_end(&mut head).ok()?;
    if !wanted(head.get(prefix..)?) {
        return None;
    }
    // SAFETY: the mapping is only read, and nothing writes into a state
    // file in place: a build writes a new file and renames it over the old
    // one, so the mapped file keeps its bytes. Only another program
    // truncating the file while it is mapped could make a read fault.
    if let Ok(map) = unsafe { memmap2::Mmap::map(&file) }
        && map.len() as u64 == size
        && map.starts_with(&head)
    {
        return Some(FileBytes::Mapped(map));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).ok()?);
    bytes.extend_from_slice(&head);
    file.read_to_end(&mut bytes).ok()?;
    Some(FileBytes::Read(bytes))
}

/// Reads the state of the last build of this site into `output`, when it
/// describes it: written by this program, with the same base URL, into the
/// same folder, still in place. `None` otherwise, or when the file is
/// missing or cannot be read.
pub fn open(site_dir: &Path, output: &Path, base_url: Option<&str>) -> Option<Opened> {
    // The output folder gone, or the header another build's: the rest of
    // the file (tens of megabytes) is never read.
    let expected = header(site_dir, output, base_url)?;
    let bytes = read_if(&state_path(output), |head| {
        postcard::from_bytes::<Header>(head).is_ok_and(|saved| saved == expected)
    })?;
    let sections = sections(&bytes)?;
    let [_, inputs, summary, ..] = sections[..] else {
        return None;
    };
    let inputs = postcard::from_bytes(inputs).ok()?;
    let summary = postcard::from_bytes(summary).ok()?;
    Some(Opened {
        bytes,
        inputs,
        summary,
    })
}

impl Opened {
    /// Decodes the catalogue parts; `None` when the file is damaged.
    pub fn decode(self) -> Option<Saved> {
        let sections = sections(&self.bytes)?;
        let [_, _, _, rest, ref blocks @ ..] = sections[..] else {
            return None;
        };
        let (rest, decoded) = rayon::join(
            || postcard::from_bytes::<Rest>(rest).ok(),
            || {
                blocks
                    .par_iter()
                    .map(|b| postcard::from_bytes::<Vec<Server>>(b).ok())
                    .collect::<Option<Vec<Vec<Server>>>>()
            },
        );
        let rest = rest?;
        let servers: Vec<Server> = decoded?.into_iter().flatten().collect();
        let start = self.bytes.as_ptr() as usize;
        let ranges = blocks
            .iter()
            .map(|b| {
                let from = b.as_ptr() as usize - start;
                from..from + b.len()
            })
            .collect();
        (servers.len() == self.summary.servers).then_some(Saved {
            servers,
            index: rest.index,
            date: rest.date,
            warnings: self.summary.warnings,
            search: rest.search,
            blocks: Blocks {
                bytes: self.bytes,
                ranges,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_read_past_its_header_only_when_the_header_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let mut file = MAGIC.to_vec();
        for section in [&b"head"[..], &b"rest of the state"[..]] {
            file.extend((section.len() as u64).to_le_bytes());
            file.extend(section);
        }
        std::fs::write(&path, &file).unwrap();
        let mut seen = Vec::new();
        let read = read_if(&path, |head| {
            seen = head.to_vec();
            true
        });
        assert_eq!(read.as_deref(), Some(&file[..]));
        // Mapped, not copied, where the system maps files.
        #[cfg(unix)]
        assert!(matches!(read, Some(FileBytes::Mapped(_))));
        assert_eq!(seen, b"head");
        assert_eq!(read_if(&path, |_| false).as_deref(), None);
        // A header longer than the file, or another format's file.
        let mut long = file.clone();
        long[MAGIC.len()..MAGIC.len() + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        std::fs::write(&path, &long).unwrap();
        assert_eq!(read_if(&path, |_| true).as_deref(), None);
        std::fs::write(&path, b"not a state").unwrap();
        assert_eq!(read_if(&path, |_| true).as_deref(), None);
        assert_eq!(
            read_if(&dir.path().join("missing"), |_| true).as_deref(),
            None
        );
    }
}
