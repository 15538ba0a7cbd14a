//! Trains the classifier's shipped weights on the whole labelled corpus and
//! writes them to `src/builtin/classifier.json`.
//!
//!     cargo run --release --example classify_train
//!
//! Deterministic: the same corpus gives the same file, byte for byte (a test
//! holds the shipped file to that). Run it after the labels change, then
//! `classify_eval` to see the figures.

use std::path::Path;

use toolrisk::config::Config;
use toolrisk::corpus;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tools = corpus::load(&manifest.join("corpus")).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let config = Config::parse("title = \"Training\"\nbase_url = \"https://e.com/\"\n")
        .expect("the default settings parse");
    let all: Vec<_> = tools.iter().collect();
    let text = corpus::trained_weights_json(&all, &config);
    let out = manifest.join("src/builtin/classifier.json");
    std::fs::write(&out, &text).expect("write the weights");
    println!(
        "{} tools; {} bytes written to {}",
        all.len(),
        text.len(),
        out.display()
    );
}
