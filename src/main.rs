//! The `initlab` command line: a thin layer over the library. Each subcommand lives in
//! `initlab::cli`; errors are printed as one line and the exit code is 1.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use initlab::cli;

#[derive(Parser)]
#[command(
    name = "initlab",
    version,
    about = "See what weight initialization does to a network: compare inits, probe signal propagation, check gradients against PyTorch"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One forward and backward of a checkpoint on a batch; writes output, loss, gradients, buffers.
    Grad(cli::grad::Args),
    /// Train one model from several inits and seeds; metrics, symmetry, summary, plots, report.
    Compare(cli::compare::Args),
    /// Combine the shards of `compare --shard K/N` into one comparison's outputs.
    Merge(cli::merge::Args),
    /// Signal propagation at init: per-layer activation and gradient statistics for each init.
    Probe(cli::probe::Args),
    /// Build a model, apply init rules, write a checkpoint and print per-parameter statistics.
    Init(cli::init::Args),
    /// Mean-field theory: q*, χ₁, c*, depth scales, phase, critical σ_w², per-layer predictions.
    Theory(cli::theory::Args),
    /// Trainability against depth over σ_w² for Gaussian-initialized MLPs, with k·ξ_c over it.
    Phase(cli::phase::Args),
    /// Symmetric and nearly symmetric starts: distinct units and their spread per layer and epoch.
    Symmetry(cli::symmetry::Args),
    /// SP beside μP as an MLP widens: mup's coord check (--coord-check), lr transfer (--lr-sweep).
    Width(cli::width::Args),
    /// The live playground: a local web page that trains as you watch (pick inits, race them).
    Serve(cli::serve::Args),
}

/// Dies quietly on a closed pipe (`initlab … | head`), as other command-line tools do, instead
/// of panicking inside `println!`.
#[cfg(unix)]
fn default_sigpipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: restores the default disposition of one signal before any thread is started.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

/// clap's own messages in the voice of every other error: help and version print as usual; a
/// parse error becomes one `error: …` line (clap's tip kept, its usage block dropped), exit 1.
fn parse_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        eprint!("{}", e.render());
        std::process::exit(1);
    }
    eprintln!("error: {}", cli::one_line(&cli::clap_one_line(&e.render().to_string())));
    std::process::exit(1);
}

/// A number after a flag that takes a value is that value, negative or not (`--threads -1`,
/// `--test-split -0.1`), so the flag's own check answers ("needs a whole number >= 0") rather than
/// clap's "unexpected argument '-1'".
fn negative_numbers(c: clap::Command) -> clap::Command {
    c.mut_args(|a| if a.get_action().takes_values() { a.allow_negative_numbers(true) } else { a })
        .mut_subcommands(negative_numbers)
}

fn main() {
    #[cfg(unix)]
    default_sigpipe();
    let parsed = negative_numbers(Cli::command()).try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => parse_error(e),
    };
    let r = match &cli.command {
        Command::Grad(a) => cli::grad::run(a),
        Command::Compare(a) => cli::compare::run(a),
        Command::Merge(a) => cli::merge::run(a),
        Command::Init(a) => cli::init::run(a),
        Command::Probe(a) => cli::probe::run(a),
        Command::Theory(a) => cli::theory::run(a),
        Command::Phase(a) => cli::phase::run(a),
        Command::Symmetry(a) => cli::symmetry::run(a),
        Command::Width(a) => cli::width::run(a),
        Command::Serve(a) => cli::serve::run(a),
    };
    match r {
        Ok(()) => {}
        Err(initlab::Error::Interrupted(msg)) => {
            eprintln!("interrupted: {}", cli::one_line(&msg));
            std::process::exit(130);
        }
        Err(e) => {
            eprintln!("error: {}", cli::one_line(&e.to_string()));
            std::process::exit(1);
        }
    }
}
