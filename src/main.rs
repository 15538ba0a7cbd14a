//! The `toolrisk` binary: parse the command line and run it.

use clap::Parser;

/// mimalloc instead of the system allocator: a build allocates and frees
/// millions of short-lived strings and template values across two threads,
/// where glibc's malloc spent about a sixth of the build's CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    toolrisk::cmd::run(toolrisk::cmd::Cli::parse())
}
