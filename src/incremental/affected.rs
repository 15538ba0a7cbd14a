//! The pages a change to some server records reaches: from the lists as
//! they were before the change ([`ListsBefore`]) and the catalogue after
//! it, the server's own pages, the tool pages whose related tools moved,
//! the list pages whose slice changed, and the small global pages.

use crate::routes::Route;
use std::collections::{BTreeSet, HashSet};

use crate::catalogue::index::{attack_position, attack_tools_in};
use crate::catalogue::{Catalogue, ToolId};
use crate::render::selection::{
    List, Pages, Selection, changed_pages, changed_pages_of, is_changed, servers_of,
};

/// The lists a server change can move, taken before the change.
pub(super) struct ListsBefore {
    by_category: Vec<Vec<ToolId>>,
    by_risk: Vec<Vec<ToolId>>,
    flagged: Vec<ToolId>,
    review: Vec<ToolId>,
    /// The tools each attack entry names; with `applied`, its list.
    explicit_tools: Vec<Vec<ToolId>>,
    /// The tools each attack entry reaches through their evidence.
    applied: Vec<Vec<ToolId>>,
}

impl ListsBefore {
    pub(super) fn of(cat: &Catalogue) -> ListsBefore {
        ListsBefore {
            by_category: cat.index.by_category.clone(),
            by_risk: cat.index.by_risk.clone(),
            flagged: crate::render::flagged_ids(cat),
            review: crate::render::review_ids(cat),
            explicit_tools: cat.index.explicit_tools.clone(),
            applied: cat.index.applied.clone(),
        }
    }
}

/// The site path of a list's first page.
pub(super) fn list_path(cat: &Catalogue, list: List) -> Option<String> {
    Some(match list {
        List::Servers => Route::Servers.path(),
        List::Flagged => Route::Flagged.path(),
        List::Review => Route::Review.path(),
        List::Changes => Route::Changes.path(),
        List::Category(ci) => Route::Category(&cat.config.categories.get(ci)?.name).path(),
        List::Risk(r) => Route::Risk(crate::config::Risk::ALL.get(r)?.as_str()).path(),
        List::Attack(ai) => Route::Attack(&cat.attacks.get(ai)?.slug).path(),
    })
}

/// The pages a change to the servers `changed` (index, old version) reaches,
/// given the lists before the change, the catalogue after it, the other
/// tools whose related list moved, and the tools whose list row changed.
pub(super) fn affected_pages(
    before: &ListsBefore,
    cat: &Catalogue,
    changed: &[(usize, &crate::catalogue::Server)],
    related_moved: &HashSet<ToolId>,
    rows_changed: &HashSet<ToolId>,
) -> Selection {
    let per_page = cat.config.per_page;
    let mut selection = Selection {
        tools: related_moved.iter().copied().collect(),
        ..Selection::default()
    };
    // Tool pages that show a changed row among their related tools.
    if !rows_changed.is_empty() {
        let servers = servers_of(rows_changed);
        for id in cat.index.tools_listing(&servers) {
            let list = &cat.index.related[id.server as usize][id.tool as usize];
            if list.iter().any(|r| is_changed(&servers, rows_changed, r)) {
                selection.tools.insert(id);
            }
        }
    }
    let touched = rows_changed;
    let mut server_pages = BTreeSet::new();
    for &(si, old) in changed {
        let new = &cat.servers[si];
        selection.servers.insert(si);
        server_pages.insert(si / per_page.max(1) + 1);
        let slugs = |s: &crate::catalogue::Server| {
            s.tools.iter().map(|t| t.slug.clone()).collect::<Vec<_>>()
        };
        if slugs(old) != slugs(new) {
            selection.sitemap = true;
        }
    }
    selection
        .lists
        .insert(List::Servers, Pages::Some(server_pages));
    for (ci, old) in before.by_category.iter().enumerate() {
        let pages = changed_pages(old, &cat.index.by_category[ci], touched, per_page);
        selection.add_list(List::Category(ci), pages);
    }
    for (r, old) in before.by_risk.iter().enumerate() {
        let pages = changed_pages(old, &cat.index.by_risk[r], touched, per_page);
        selection.add_list(List::Risk(r), pages);
    }
    // The flagged list also shows each tool's findings, which can change
    // while its row stays the same.
    let mut with_findings = touched.clone();
    for &(si, old) in changed {
        let count = old.tools.len().max(cat.servers[si].tools.len());
        with_findings.extend((0..count).map(|ti| ToolId {
            server: si as u32,
            tool: ti as u32,
        }));
    }
    let flagged = crate::render::flagged_ids(cat);
    selection.add_list(
        List::Flagged,
        changed_pages(&before.flagged, &flagged, &with_findings, per_page),
    );
    // The review queue shows each tool's confidence and evidence, which can
    // likewise change while its row stays the same.
    let review = crate::render::review_ids(cat);
    selection.add_list(
        List::Review,
        changed_pages(&before.review, &review, &with_findings, per_page),
    );
    // Each entry's list is its named tools and the tools it reaches. When
    // neither moved, the list is the same and only the pages showing a
    // changed row are redone: their places are worked out, not searched.
    for ai in 0..cat.attacks.len() {
        let explicit = &cat.index.explicit_tools[ai];
        let applied = &cat.index.applied[ai];
        let unchanged = before.explicit_tools[ai] == *explicit && before.applied[ai] == *applied;
        if unchanged {
            let pages: BTreeSet<usize> = touched
                .iter()
                .filter_map(|&id| attack_position(explicit, applied, id))
                .map(|p| p / per_page.max(1) + 1)
                .collect();
            selection.add_list(
                List::Attack(ai),
                (!pages.is_empty()).then_some(Pages::Some(pages)),
            );
            continue;
        }
        let old = attack_tools_in(&before.explicit_tools[ai], &before.applied[ai]);
        let new = attack_tools_in(explicit, applied);
        selection.add_list(
            List::Attack(ai),
            changed_pages_of(old, new, touched, per_page),
        );
    }
    // A list whose length moved may have gained or lost a page, which the
    // sitemap lists.
    if selection.lists.values().any(|p| *p == Pages::All) {
        selection.sitemap = true;
    }
    // `/changes/` and its feed are small and read every server's history:
    // written whole on every render. When a changed record gained or lost
    // changes, `/changes/` may have gained or lost a page.
    selection.lists.insert(List::Changes, Pages::All);
    if changed
        .iter()
        .any(|&(si, old)| change_count(old) != change_count(&cat.servers[si]))
    {
        selection.sitemap = true;
    }
    selection
}

/// How many entries a server puts on `/changes/`.
fn change_count(s: &crate::catalogue::Server) -> usize {
    let tools: usize = s
        .tools
        .iter()
        .filter_map(|t| t.history.as_ref())
        .map(|h| h.changes.len())
        .sum();
    tools
        + s.history
            .iter()
            .map(|e| e.added.len() + e.removed.len())
            .sum::<usize>()
}
