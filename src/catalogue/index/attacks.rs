//! Which tools an attack entry applies to: the ones it names, then the
//! tools it reaches through their evidence ([`super::signals`]), and where
//! a tool stands in that list.

use crate::catalogue::model::{Server, ToolId};
use crate::config::Config;
use crate::content::Attack;

/// [`super::Index::attack_tools`] over given lists, without building the list:
/// serve compares an entry's tools before and after a change from the
/// lists it kept. `applied` is the entry's [`super::Index::applied`] (id order).
pub fn attack_tools_in<'a>(
    explicit: &'a [ToolId],
    applied: &'a [ToolId],
) -> impl Iterator<Item = ToolId> + Clone + 'a {
    let named = named_tools(explicit);
    // Explicit lists are short: a sorted copy answers "named already?".
    let mut sorted = named.clone();
    sorted.sort_unstable();
    named.into_iter().chain(
        applied
            .iter()
            .copied()
            .filter(move |id| sorted.is_empty() || sorted.binary_search(id).is_err()),
    )
}

/// Where `id` is in [`attack_tools_in`]'s sequence, worked out by binary
/// search instead of walking the sequence.
pub fn attack_position(explicit: &[ToolId], applied: &[ToolId], id: ToolId) -> Option<usize> {
    let named = named_tools(explicit);
    if let Some(p) = named.iter().position(|&n| n == id) {
        return Some(p);
    }
    let p = applied.binary_search(&id).ok()?;
    let skipped = named
        .iter()
        .filter(|&&n| n < id && applied.binary_search(&n).is_ok())
        .count();
    Some(named.len() + p - skipped)
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
