//! Where serve's preview folder goes, and the cleanup of the folders that
//! killed serves left behind.

use std::path::{Path, PathBuf};

/// A folder in memory, on Linux, for the preview when `TMPDIR` is not set.
const MEMORY_TEMP: &str = "/dev/shm";

/// Bytes of output per byte of server records, with room to spare (a
/// synthetic catalogue of 80,000 tools gives 36).
const OUTPUT_PER_RECORD_BYTE: u64 = 48;

/// Where the preview folder goes. A preview of a big catalogue is hundreds
/// of thousands of files, rewritten as the writer saves: on a disk, creating
/// and replacing them is most of a rebuild's time. So when `TMPDIR` does not
/// say where temporary files go, the preview goes to memory (`/dev/shm`)
/// if that has room for twice the estimated preview; else to the system's
/// temporary folder.
pub fn parent(site_dir: &Path) -> PathBuf {
    let memory = Path::new(MEMORY_TEMP);
    let tmpdir_set = std::env::var_os("TMPDIR").is_some_and(|v| !v.is_empty());
    let memory_free = if !tmpdir_set && cfg!(target_os = "linux") && memory.is_dir() {
        crate::fs::free_bytes(memory)
    } else {
        None
    };
    choose_parent(memory_free, || estimate_preview_bytes(site_dir))
        .unwrap_or_else(std::env::temp_dir)
}

/// The memory folder when it has room for twice the estimate.
fn choose_parent(memory_free: Option<u64>, estimate: impl FnOnce() -> u64) -> Option<PathBuf> {
    let free = memory_free?;
    (free / 2 >= estimate()).then(|| PathBuf::from(MEMORY_TEMP))
}

/// The size a preview of the site will have, from its server records.
fn estimate_preview_bytes(site_dir: &Path) -> u64 {
    let records: u64 = walkdir::WalkDir::new(site_dir.join(crate::layout::SERVERS))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    records.saturating_mul(OUTPUT_PER_RECORD_BYTE) + (64 << 20)
}

/// Deletes, in the background, the preview folders that earlier serves
/// left beside `ours` (or in the other folder a preview may go to) when
/// they were killed (a killed process cannot clean
/// up, and at 100,000 tools a preview holds some 370,000 files): folders
/// named `toolrisk-serve-<pid>-…`, of the same owner as `ours`, whose
/// process is gone. Only where `/proc` tells which processes run.
pub fn sweep_stale(ours: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let proc = Path::new("/proc");
        let (Some(parent), Ok(own)) = (ours.parent(), std::fs::metadata(ours)) else {
            return;
        };
        if !proc.join("self").exists() {
            return;
        }
        // Beside ours, and in the other place a preview may have gone.
        let mut parents = vec![parent.to_path_buf(), std::env::temp_dir()];
        if Path::new(MEMORY_TEMP).is_dir() {
            parents.push(PathBuf::from(MEMORY_TEMP));
        }
        parents.sort();
        parents.dedup();
        let stale: Vec<PathBuf> = parents
            .iter()
            .filter_map(|p| std::fs::read_dir(p).ok())
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(pid) = name
                    .strip_prefix("toolrisk-serve-")
                    .and_then(|rest| rest.split_once('-'))
                    .map(|(pid, _)| pid.to_string())
                else {
                    return false;
                };
                !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && pid != std::process::id().to_string()
                    && !proc.join(&pid).exists()
                    && e.path() != ours
                    && std::fs::symlink_metadata(e.path())
                        .is_ok_and(|m| m.is_dir() && m.uid() == own.uid())
            })
            .map(|e| e.path())
            .collect();
        drop(crate::output::remove_in_background(stale));
    }
    #[cfg(not(unix))]
    let _ = ours;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_goes_to_memory_only_with_room_for_twice_its_size() {
        assert_eq!(
            choose_parent(Some(1000), || 500),
            Some(PathBuf::from(MEMORY_TEMP))
        );
        assert_eq!(choose_parent(Some(999), || 500), None);
        assert_eq!(choose_parent(None, || unreachable!()), None);
    }

    #[test]
    fn the_preview_is_estimated_from_the_server_records() {
        let site = tempfile::tempdir().unwrap();
        let servers = site.path().join("content/servers");
        std::fs::create_dir_all(&servers).unwrap();
        std::fs::write(servers.join("a.json"), vec![b' '; 1000]).unwrap();
        std::fs::write(servers.join("b.json"), vec![b' '; 24]).unwrap();
        assert_eq!(
            estimate_preview_bytes(site.path()),
            1024 * OUTPUT_PER_RECORD_BYTE + (64 << 20)
        );
    }
}
