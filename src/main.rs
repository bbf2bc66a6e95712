//! Thin binary: parse the command line, run the command, turn the outcome into an exit code.
//! Errors map to exit code 2 here, on purpose: `fn main() -> Result` would exit 1, which means
//! "a budget is broken" to everyone who reads our exit codes.

use clap::Parser;

use budgetgate::cli::{Cli, Command};
use budgetgate::error::{Error, Result};
use budgetgate::github::actions::{annotation, Level};
use budgetgate::outcome::{EXIT_ERROR, EXIT_PASS};
use budgetgate::{action, check, escape};

/// The static musl binary we ship allocates through mimalloc (Cargo.toml says why).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print and exit 0; usage mistakes are exit 2 (clap's own code).
        Err(e) => e.exit(),
    };
    let code = match run(cli.command) {
        Ok(code) => code,
        // `budgetgate parse … | head -c1`: the reader has all it wants; end quietly, as `cat` does.
        Err(Error::OutputClosed) => EXIT_PASS,
        Err(e) => {
            // Messages quote names from result files, which may hold newlines and workflow
            // commands: each line is made inert for the Actions runner.
            eprintln!("error: {}", escape::log_text(&e.to_string()));
            if let Error::Budgets { file, problems } = &e {
                annotate_budget_problems(file, problems);
            }
            EXIT_ERROR
        }
    };
    std::process::exit(code);
}

/// Inside GitHub Actions, one `::error file=…,line=…` per budgets-file problem, so each shows
/// at its own line of the file in the PR's diff view.
fn annotate_budget_problems(file: &std::path::Path, problems: &[budgetgate::error::Problem]) {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return;
    }
    let ctx = budgetgate::github::Context::from_vars(|name| std::env::var(name).ok()).unwrap_or_default();
    let file = ctx.repo_path(file);
    for p in problems {
        let line = (p.line > 0).then_some(p.line);
        println!("{}", annotation(Level::Error, Some(&file), line, "budgetgate: budgets file", &p.message));
    }
}

fn run(command: Command) -> Result<i32> {
    match command {
        Command::Check(args) => check::check(&args),
        Command::Parse(args) => check::parse(&args),
        Command::Validate(args) => check::validate(&args),
        Command::Init(args) => budgetgate::init::init(&args),
        Command::Formats => check::formats(),
        Command::Action => run_action(),
        Command::Baseline(command) => budgetgate::store_commands::run(&command),
        Command::Dashboard(args) => budgetgate::store_commands::dashboard(&args),
    }
}

/// `budgetgate action`: the Docker action's entry point. The inputs become a `check` command
/// line and go through the same parser, so an input is checked exactly like its flag.
fn run_action() -> Result<i32> {
    let (argv, workdir) = action::check_argv(|name| std::env::var(name).ok())?;
    if let Some(dir) = workdir {
        std::env::set_current_dir(&dir).map_err(|e| Error::io(&dir, "cannot change to the working-directory", e))?;
    }
    let cli = Cli::try_parse_from(&argv).map_err(|e| Error::Usage(format!("action inputs: {}", e.render())))?;
    match cli.command {
        Command::Check(args) => check::check(&args),
        _ => Err(Error::Usage("the action inputs did not make a `check` command line".into())),
    }
}
