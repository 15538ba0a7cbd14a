//! The `toolrisk` binary: parse the command line and run it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    toolrisk::cmd::run(toolrisk::cmd::Cli::parse())
}
