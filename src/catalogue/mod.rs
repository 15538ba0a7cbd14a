//! The catalogue: loading records, the model built from them, and its indexes.
//!
//! `load` reads and checks files, `model` classifies and builds servers and
//! tools, `index` computes the cross-links (category and risk lists, attack
//! links, related tools). [`Catalogue`] owns the result and answers lookups;
//! after [`Catalogue::assemble`] it is read-only.

pub mod changes;
pub use crate::history;
pub mod index;
pub mod load;
pub mod model;
pub mod record_text;
mod references;

use crate::config::Config;
use crate::content::{Attack, Page};
use crate::error::Diagnostic;

/// The records moved to the top level ([`crate::record`]): classification
/// reads them, and the model here is built from what it says. Kept under
/// this name too, for the paths that reach them through the catalogue.
pub use crate::record;

pub use index::Index;
pub use model::{Server, Tool, ToolId};
pub use references::check_references;

/// Everything a build renders.
#[derive(Debug)]
pub struct Catalogue {
    pub config: Config,
    /// Sorted by slug.
    pub servers: Vec<Server>,
    /// Sorted by slug.
    pub attacks: Vec<Attack>,
    /// Sorted by slug.
    pub pages: Vec<Page>,
    /// The catalogue's date: site.toml's `date`, else the newest `checked`.
    pub date: Option<String>,
    pub index: Index,
    pub warnings: Vec<Diagnostic>,
}

/// The catalogue's date: site.toml's `date`, else the newest `checked`.
pub fn catalogue_date(config: &Config, servers: &[Server]) -> Option<String> {
    config
        .date
        .clone()
        .or_else(|| servers.iter().filter_map(|s| s.checked.clone()).max())
}

impl Catalogue {
    /// Puts the parts together and computes the indexes.
    pub fn assemble(
        config: Config,
        servers: Vec<Server>,
        mut attacks: Vec<Attack>,
        mut pages: Vec<Page>,
        warnings: Vec<Diagnostic>,
    ) -> Catalogue {
        attacks.sort_by(|a, b| a.slug.cmp(&b.slug));
        pages.sort_by(|a, b| a.slug.cmp(&b.slug));
        let date = catalogue_date(&config, &servers);
        let index = Index::build(&config, &servers, &attacks);
        Catalogue {
            config,
            servers,
            attacks,
            pages,
            date,
            index,
            warnings,
        }
    }

    /// The tool with this id.
    pub fn tool(&self, id: ToolId) -> &Tool {
        &self.servers[id.server as usize].tools[id.tool as usize]
    }

    /// The server with this index.
    pub fn server(&self, id: ToolId) -> &Server {
        &self.servers[id.server as usize]
    }

    /// Finds a server by slug.
    pub fn find_server(&self, slug: &str) -> Option<usize> {
        self.servers
            .binary_search_by(|s| s.slug.as_str().cmp(slug))
            .ok()
    }

    /// Finds a tool by `server-slug/tool-name` (or tool URL segment).
    pub fn find_tool(&self, reference: &str) -> Option<ToolId> {
        let (server, tool) = reference.split_once('/')?;
        let s = self.find_server(server)?;
        let t = self.servers[s].tool(tool)?;
        Some(ToolId {
            server: s as u32,
            tool: t as u32,
        })
    }

    /// A reference close to a `server-slug/tool-name` (or `server-slug`)
    /// that names nothing: the likely intended one, for a "did you mean".
    /// The server slug is corrected first, then the tool name within it.
    pub fn suggest_reference(&self, reference: &str) -> Option<String> {
        let slugs = || self.servers.iter().map(|s| s.slug.as_str());
        let Some((server, tool)) = reference.split_once('/') else {
            return crate::text::closest(reference, slugs()).map(str::to_string);
        };
        let si = match self.find_server(server) {
            Some(si) => si,
            None => self.find_server(crate::text::closest(server, slugs())?)?,
        };
        let s = &self.servers[si];
        let name = if s.tool(tool).is_some() {
            tool
        } else {
            crate::text::closest(tool, s.tools.iter().map(|t| t.name.as_str()))?
        };
        Some(format!("{}/{name}", s.slug))
    }

    /// How many tools the catalogue holds.
    pub fn tool_count(&self) -> usize {
        self.servers.iter().map(|s| s.tools.len()).sum()
    }

    /// Every tool id, in server then record order.
    pub fn tool_ids(&self) -> impl Iterator<Item = ToolId> + '_ {
        self.servers.iter().enumerate().flat_map(|(si, s)| {
            (0..s.tools.len()).map(move |ti| ToolId {
                server: si as u32,
                tool: ti as u32,
            })
        })
    }
}
