//! The JSON API: `/api/servers/<server>.json` and `/api/catalogue.json`,
//! exactly as docs/content-format.md describes them. Built as data with serde_json.

use crate::routes::Route;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use serde::Serialize;

use crate::catalogue::{Catalogue, Server};
use crate::classify::arguments::ArgumentRisk;
use crate::classify::{Evidence, Finding};
use crate::config::Risk;
use crate::output::Sink;
use crate::render::pages::SiteRenderer;
use crate::render::urls::Urls;

/// Writes `/api/servers/<server>.json`.
pub fn server_json(r: &SiteRenderer, sink: &dyn Sink, si: usize) {
    // Typed views borrowing the model: no evidence is copied into a JSON
    // tree first; the policy is built for this file.
    #[derive(Serialize)]
    struct ApiTool<'a> {
        name: &'a str,
        url: String,
        category: &'a str,
        risk: &'static str,
        /// How sure the category is, 0 to 1.
        confidence: f64,
        evidence: Vec<&'a Evidence>,
        findings: &'a [Finding],
        /// The input schema's arguments (at most
        /// [`crate::classify::arguments::MAX_ARGUMENTS`]) and how many there are.
        arguments: Vec<ApiArgument<'a>>,
        argument_count: usize,
        policy: Value,
    }
    #[derive(Serialize)]
    struct ApiArgument<'a> {
        name: &'a str,
        #[serde(rename = "type")]
        ty: &'a str,
        required: bool,
        description: &'a str,
        values: &'a [String],
        /// Why the argument carries risk, when it does.
        risk: Option<ApiRisk>,
    }
    #[derive(Serialize)]
    struct ApiRisk {
        kind: ArgumentRisk,
        reason: &'static str,
    }
    #[derive(Serialize)]
    struct ApiServer<'a> {
        slug: &'a str,
        name: &'a str,
        repository: &'a Option<String>,
        tools: Vec<ApiTool<'a>>,
    }
    let s = &r.cat.servers[si];
    let tools = s
        .tools
        .iter()
        .map(|t| ApiTool {
            name: &t.name,
            url: r.urls.abs(
                &Route::Tool {
                    server: &s.slug,
                    tool: &t.slug,
                }
                .path(),
            ),
            category: &r.cat.config.categories[t.class.category].name,
            risk: t.risk().as_str(),
            confidence: t.class.confidence,
            evidence: t
                .class
                .category_evidence
                .iter()
                .chain(&t.class.risk_evidence)
                .collect(),
            findings: &t.class.findings,
            arguments: t
                .arguments
                .iter()
                .map(|a| ApiArgument {
                    name: &a.name,
                    ty: &a.ty,
                    required: a.required,
                    description: &a.description,
                    values: &a.values,
                    risk: a.risk.map(|kind| ApiRisk {
                        kind,
                        reason: kind.reason(),
                    }),
                })
                .collect(),
            argument_count: t.argument_count,
            policy: t.policy(&r.cat.config),
        })
        .collect();
    let doc = ApiServer {
        slug: &s.slug,
        name: &s.name,
        repository: &s.repository,
        tools,
    };
    let bytes = serde_json::to_vec_pretty(&doc).expect("API document serialises");
    r.file(sink, &Route::ApiServer(&s.slug).path(), &bytes);
}

/// Writes `/api/catalogue.json`.
pub fn catalogue_json(r: &SiteRenderer, sink: &dyn Sink) {
    let cat = r.cat;
    let servers: Vec<Value> = cat
        .servers
        .par_iter()
        .map(|s| catalogue_entry(&r.urls, cat, s))
        .collect();
    let doc = json!({
        "date": cat.date,
        "servers": servers,
    });
    let bytes = serde_json::to_vec_pretty(&doc).expect("API document serialises");
    r.file(sink, &Route::ApiCatalogue.path(), &bytes);
}

/// A server's entry in `/api/catalogue.json`.
pub fn catalogue_entry(urls: &Urls, cat: &Catalogue, s: &Server) -> Value {
    let mut by_category = Map::new();
    for c in &cat.config.categories {
        by_category.insert(c.name.clone(), json!(0));
    }
    let mut by_risk = Map::new();
    for level in Risk::ALL {
        by_risk.insert(level.as_str().into(), json!(0));
    }
    for t in &s.tools {
        let c = &cat.config.categories[t.class.category].name;
        *by_category.get_mut(c).expect("category") =
            json!(by_category[c].as_u64().unwrap_or(0) + 1);
        let l = t.risk().as_str();
        *by_risk.get_mut(l).expect("risk") = json!(by_risk[l].as_u64().unwrap_or(0) + 1);
    }
    json!({
        "slug": s.slug,
        "name": s.name,
        "url": urls.abs(&Route::Server(&s.slug).path()),
        "api": urls.abs(&Route::ApiServer(&s.slug).path()),
        "tools": s.tools.len(),
        "categories": by_category,
        "risk": by_risk,
    })
}
