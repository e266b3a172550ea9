//! `shelfgate dev`: tools for developing and measuring shelfgate.

use std::time::{Instant, SystemTime};

use super::args::{DevCommand, PopulateArgs};
use super::recheck::open_store;
use super::{Failure, Result, EXIT_PASS};
use crate::populate::{populate, Distributions, PopulateOptions};

pub fn run(cmd: DevCommand) -> Result<u8> {
    match cmd {
        DevCommand::Populate(a) => populate_cmd(a),
    }
}

fn populate_cmd(args: PopulateArgs) -> Result<u8> {
    let started = Instant::now();
    let dist = if args.corpus.is_dir() {
        Distributions::from_corpus(&args.corpus)
    } else {
        eprintln!(
            "corpus `{}` not found: drawing from the built-in seed table",
            args.corpus.display()
        );
        Distributions::seed()
    };
    eprintln!(
        "distributions from {} corpus APKs and the seed table",
        dist.corpus_apks
    );
    let store = open_store(&args.data)?;
    let every = (args.apps / 20).max(1000);
    let made = populate(
        store.as_ref(),
        dist,
        &PopulateOptions {
            apps: args.apps,
            seed: args.seed,
            at: SystemTime::now(),
        },
        |done| {
            if done % every < 1000 || done == args.apps {
                eprintln!("  {done}/{} apps", args.apps);
            }
        },
    )
    .map_err(|e| Failure::other(format!("populating `{}`: {e}", args.data.display())))?;
    println!(
        "populated {} apps ({} listed, {} shelved) in {:.1}s",
        made.apps,
        made.listed,
        made.shelved,
        started.elapsed().as_secs_f64()
    );
    Ok(EXIT_PASS)
}
