//! Which pages a partial render writes.
//!
//! A full render writes every page. After a change to one server record,
//! `serve` renders only what the change reaches: that server's pages, the
//! tool pages whose related tools moved, the list pages whose slice of
//! tools changed, and the few small global pages (home, indexes, the
//! catalogue API document). [`Selection`] says which; [`changed_pages`] is
//! the pure rule for one paginated list.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::catalogue::ToolId;

/// A paginated list of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    /// `/servers/`.
    Servers,
    /// `/categories/<name>/`, by category index.
    Category(usize),
    /// `/risk/<level>/`, by risk as a number (low = 0).
    Risk(usize),
    /// `/attacks/<slug>/`, by attack index.
    Attack(usize),
    /// `/flagged/`.
    Flagged,
    /// `/review/`.
    Review,
    /// `/changes/`.
    Changes,
}

/// Which pages of one list to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pages {
    All,
    /// Page numbers, counted from 1.
    Some(BTreeSet<usize>),
}

impl Pages {
    pub fn contains(&self, n: usize) -> bool {
        match self {
            Pages::All => true,
            Pages::Some(set) => set.contains(&n),
        }
    }
}

/// The pages a partial render writes besides the small global ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Servers (by index) whose page, API document and every tool page are written.
    pub servers: BTreeSet<usize>,
    /// Further tool pages (with their embeds and policy files).
    pub tools: BTreeSet<ToolId>,
    /// List pages; a list not named here is not written.
    pub lists: HashMap<List, Pages>,
    /// Whether the sitemap and robots.txt are written.
    pub sitemap: bool,
    /// Whether `/api/catalogue.json` is written.
    pub catalogue_json: bool,
}

impl Selection {
    /// Whether page `n` (from 1) of `list` is written.
    pub fn wants(&self, list: List, n: usize) -> bool {
        self.lists.get(&list).is_some_and(|p| p.contains(n))
    }

    /// Adds the pages of `list` that changed, if any.
    pub fn add_list(&mut self, list: List, pages: Option<Pages>) {
        if let Some(p) = pages {
            self.lists.insert(list, p);
        }
    }
}

/// The servers of `changed`, sorted: changed tools belong to a few
/// servers, so a look at the server first spares most hash lookups when a
/// long list is scanned for them.
pub fn servers_of(changed: &HashSet<ToolId>) -> Vec<u32> {
    let mut servers: Vec<u32> = changed.iter().map(|id| id.server).collect();
    servers.sort_unstable();
    servers.dedup();
    servers
}

/// Whether `id` is in `changed`, whose servers are `servers`.
pub fn is_changed(servers: &[u32], changed: &HashSet<ToolId>, id: &ToolId) -> bool {
    servers.binary_search(&id.server).is_ok() && changed.contains(id)
}

/// The pages of a list of `per_page` items per page that differ between
/// `old` and `new`: every page when the length changed (each page states
/// the total, and the page count may move), else the pages holding a
/// position whose tool differs or is one of `changed`. `None` when none.
pub fn changed_pages(
    old: &[ToolId],
    new: &[ToolId],
    changed: &HashSet<ToolId>,
    per_page: usize,
) -> Option<Pages> {
    changed_pages_of(old.iter().copied(), new.iter().copied(), changed, per_page)
}

/// [`changed_pages`] over lists that are walked, not stored.
pub fn changed_pages_of(
    old: impl Iterator<Item = ToolId> + Clone,
    new: impl Iterator<Item = ToolId> + Clone,
    changed: &HashSet<ToolId>,
    per_page: usize,
) -> Option<Pages> {
    if old.clone().count() != new.clone().count() {
        return Some(Pages::All);
    }
    let per_page = per_page.max(1);
    let servers = servers_of(changed);
    let pages: BTreeSet<usize> = old
        .zip(new)
        .enumerate()
        .filter(|(_, (a, b))| a != b || is_changed(&servers, changed, b))
        .map(|(i, _)| i / per_page + 1)
        .collect();
    (!pages.is_empty()).then_some(Pages::Some(pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(server: u32, tool: u32) -> ToolId {
        ToolId { server, tool }
    }

    #[test]
    fn lists_of_equal_tools_need_nothing() {
        let a = vec![id(0, 0), id(1, 0), id(2, 0)];
        assert_eq!(changed_pages(&a, &a, &HashSet::new(), 2), None);
    }

    #[test]
    fn a_changed_tool_redoes_only_its_page() {
        let a: Vec<ToolId> = (0..10).map(|s| id(s, 0)).collect();
        let changed = HashSet::from([id(5, 0)]);
        assert_eq!(
            changed_pages(&a, &a, &changed, 3),
            Some(Pages::Some(BTreeSet::from([2])))
        );
        // A changed tool that is not in the list touches nothing.
        let elsewhere = HashSet::from([id(50, 0)]);
        assert_eq!(changed_pages(&a, &a, &elsewhere, 3), None);
    }

    #[test]
    fn moved_tools_redo_every_page_they_cross() {
        let old: Vec<ToolId> = (0..9).map(|s| id(s, 0)).collect();
        let mut new = old.clone();
        new.swap(1, 7);
        assert_eq!(
            changed_pages(&old, &new, &HashSet::new(), 3),
            Some(Pages::Some(BTreeSet::from([1, 3])))
        );
    }

    #[test]
    fn a_new_length_redoes_the_whole_list() {
        let old: Vec<ToolId> = (0..9).map(|s| id(s, 0)).collect();
        let new: Vec<ToolId> = (0..10).map(|s| id(s, 0)).collect();
        assert_eq!(
            changed_pages(&old, &new, &HashSet::new(), 3),
            Some(Pages::All)
        );
        assert_eq!(
            changed_pages(&[], &new, &HashSet::new(), 3),
            Some(Pages::All)
        );
    }

    #[test]
    fn selections_answer_per_page() {
        let mut s = Selection::default();
        s.add_list(List::Flagged, Some(Pages::All));
        s.add_list(List::Servers, Some(Pages::Some(BTreeSet::from([2]))));
        s.add_list(List::Category(1), None);
        assert!(s.wants(List::Flagged, 7));
        assert!(s.wants(List::Servers, 2));
        assert!(!s.wants(List::Servers, 1));
        assert!(!s.wants(List::Category(1), 1));
        assert!(!s.wants(List::Risk(0), 1));
    }
}
