//! Which tools an attack entry applies to: the ones it names, then the
//! tools of the categories it names, and where a tool stands in that list.

use crate::catalogue::model::{Server, ToolId};
use crate::config::Config;
use crate::content::Attack;

/// [`Index::attack_tools`] over given lists, without building the list:
/// serve compares an entry's tools before and after a change from the
/// category lists it kept, not from a copy of every entry's list.
pub fn attack_tools_in<'a>(
    explicit: &'a [ToolId],
    by_category: &'a [Vec<ToolId>],
    attack: &Attack,
    config: &Config,
) -> impl Iterator<Item = ToolId> + Clone + 'a {
    let named = named_tools(explicit);
    // Explicit lists are short: a sorted copy answers "named already?".
    let mut sorted = named.clone();
    sorted.sort_unstable();
    let sorted = std::sync::Arc::new(sorted);
    named.into_iter().chain(
        attack_categories(attack, config)
            .into_iter()
            .flat_map(move |ci| {
                let sorted = sorted.clone();
                by_category[ci]
                    .iter()
                    .copied()
                    .filter(move |id| sorted.is_empty() || sorted.binary_search(id).is_err())
            }),
    )
}

/// Where `id` is in [`attack_tools_in`]'s sequence, worked out from the
/// category lists (each sorted by id) instead of walking the sequence.
pub fn attack_position(
    explicit: &[ToolId],
    by_category: &[Vec<ToolId>],
    attack: &Attack,
    config: &Config,
    id: ToolId,
) -> Option<usize> {
    let named = named_tools(explicit);
    if let Some(p) = named.iter().position(|&n| n == id) {
        return Some(p);
    }
    let mut offset = named.len();
    for ci in attack_categories(attack, config) {
        let list = &by_category[ci];
        let named_in = |n: &&ToolId| list.binary_search(n).is_ok();
        match list.binary_search(&id) {
            Ok(p) => {
                let skipped = named.iter().filter(named_in).filter(|&&n| n < id).count();
                return Some(offset + p - skipped);
            }
            Err(_) => offset += list.len() - named.iter().filter(named_in).count(),
        }
    }
    None
}

/// The tools an entry names, each once, in the entry's order.
fn named_tools(explicit: &[ToolId]) -> Vec<ToolId> {
    let mut named: Vec<ToolId> = Vec::new();
    for &id in explicit {
        if !named.contains(&id) {
            named.push(id);
        }
    }
    named
}

/// The indices of an entry's categories, each once, in the entry's order.
pub fn attack_categories(attack: &Attack, config: &Config) -> Vec<usize> {
    let mut categories: Vec<usize> = Vec::new();
    for c in &attack.categories {
        if let Some(ci) = config.category_index(c)
            && !categories.contains(&ci)
        {
            categories.push(ci);
        }
    }
    categories
}

pub(super) fn find(servers: &[Server], reference: &str) -> Option<ToolId> {
    let (server, tool) = reference.split_once('/')?;
    let si = servers
        .binary_search_by(|s| s.slug.as_str().cmp(server))
        .ok()?;
    let ti = servers[si].tool(tool)?;
    Some(ToolId {
        server: si as u32,
        tool: ti as u32,
    })
}
