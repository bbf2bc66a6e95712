//! Thin binary: parse the command line, run the command, turn the outcome into an exit code.
//! Errors map to exit code 2 here, on purpose: `fn main() -> Result` would exit 1, which means
//! "a budget is broken" to everyone who reads our exit codes.

use clap::Parser;

use budgetgate::check::{self, EXIT_ERROR};
use budgetgate::cli::{Cli, Command};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and exit 0; usage mistakes are exit 2 (clap's own code).
            e.exit();
        }
    };
    let outcome = match &cli.command {
        Command::Check(args) => check::check(args),
        Command::Parse(args) => check::parse(args),
        Command::Validate(args) => check::validate(args),
        Command::Formats => Ok(check::formats()),
        Command::Action => check::action(),
    };
    let code = match outcome {
        Ok(code) => code,
        Err(e) => {
            // Messages quote names from result files, which may hold newlines; a line that
            // starts with `::` would be read by the Actions runner as a workflow command.
            let message = e
                .to_string()
                .lines()
                .map(|l| if l.starts_with("::") { format!(" {l}") } else { l.to_string() })
                .collect::<Vec<_>>()
                .join("\n");
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    };
    std::process::exit(code);
}
