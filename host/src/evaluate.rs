//! Facts + listing × a policy set → verdict.
//!
//! The policies of one upload run concurrently on a bounded pool (one
//! thread per core): a slow policy delays the verdict, never the others'
//! findings, and the machine is never oversubscribed however many uploads
//! arrive at once.

use std::sync::Arc;
use std::time::Instant;

use shelfgate_contract::types::Verdict;

use crate::engine::{Engine, EvalInput};
use crate::policy_set::{Policy, PolicySet};
use crate::verdict::{assemble, Outcome, Subject};

pub struct Evaluator {
    engine: Arc<Engine>,
    pool: rayon::ThreadPool,
}

impl Evaluator {
    /// An evaluator running up to `threads` policies at once (0: one per core).
    pub fn new(engine: Arc<Engine>, threads: usize) -> anyhow::Result<Evaluator> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("shelfgate-eval-{i}"))
            .build()?;
        Ok(Evaluator { engine, pool })
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Evaluate every policy of `set` on `input`, concurrently on the pool.
    pub fn evaluate(
        &self,
        set: &PolicySet,
        input: &Arc<EvalInput>,
        listing_sha256: &str,
    ) -> Verdict {
        use rayon::prelude::*;
        let outcomes = self.pool.install(|| {
            set.policies
                .par_iter()
                .map(|p| self.outcome(p, input))
                .collect()
        });
        self.assemble(set, outcomes, input, listing_sha256)
    }

    /// Evaluate on the calling thread only (benchmarks, single-threaded use).
    pub fn evaluate_serial(
        &self,
        set: &PolicySet,
        input: &Arc<EvalInput>,
        listing_sha256: &str,
    ) -> Verdict {
        let outcomes = set
            .policies
            .iter()
            .map(|p| self.outcome(p, input))
            .collect();
        self.assemble(set, outcomes, input, listing_sha256)
    }

    fn outcome<'a>(&self, policy: &'a Policy, input: &Arc<EvalInput>) -> Outcome<'a> {
        let start = Instant::now();
        let result = self.engine.evaluate(&policy.loaded, input);
        Outcome {
            policy,
            result,
            micros: u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        }
    }

    fn assemble(
        &self,
        set: &PolicySet,
        outcomes: Vec<Outcome<'_>>,
        input: &EvalInput,
        listing_sha256: &str,
    ) -> Verdict {
        assemble(
            set,
            outcomes,
            &Subject {
                apk_sha256: &input.facts.sha256,
                listing_sha256,
                date: &input.context.date,
                default_deadline: input.context.default_deadline_working_days,
            },
        )
    }
}
