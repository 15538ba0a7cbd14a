//! `toolrisk completions SHELL` and `toolrisk man`: what clap knows of the
//! command line, written for a shell's completion system or for `man`.

use clap::CommandFactory;

use super::{Cli, CmdResult};
use crate::error::Diagnostic;

pub fn completions(shell: clap_complete::Shell) -> CmdResult {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "toolrisk", &mut std::io::stdout());
    Ok(())
}

pub fn man() -> CmdResult {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Diagnostic::new(format!("cannot write the manual page: {e}")))?;
    use std::io::Write;
    std::io::stdout()
        .write_all(&page)
        .map_err(|e| Diagnostic::new(format!("cannot write the manual page: {e}")).into())
}
