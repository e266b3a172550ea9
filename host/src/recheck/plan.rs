//! What an incremental recheck must run again for one app.
//!
//! A stored verdict lists the policies it was made with (`policies`: id,
//! digest, mode) and each finding's `policy_id`. Since facts and listings
//! are content-addressed and a verdict names the ones it was made from, the
//! only inputs that can have changed are the policies: a policy whose id,
//! digest and mode the verdict already lists gave these findings and would
//! give them again, so its findings are carried over. A policy that is new,
//! changed, in another mode, or failed last time runs again.

use shelfgate_contract::types::Verdict;

use crate::policy_set::PolicySet;

/// Per policy of the set, in the set's order: run it again or carry over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    run: Vec<bool>,
}

impl Plan {
    /// Every policy runs (`--full`, or no usable previous verdict).
    pub fn everything(set: &PolicySet) -> Plan {
        Plan {
            run: vec![true; set.policies.len()],
        }
    }

    /// Compares the set with what made `previous`.
    pub fn against(previous: &Verdict, set: &PolicySet) -> Plan {
        let run = set
            .policies
            .iter()
            .map(|p| {
                let same = previous
                    .policies
                    .iter()
                    .any(|r| r.id == p.id() && r.digest == p.loaded.digest && r.mode == p.mode);
                let failed = previous.errors.iter().any(|e| e.policy_id == p.id());
                !same || failed
            })
            .collect();
        Plan { run }
    }

    /// Whether the policy at `index` of the set runs again.
    pub fn runs(&self, index: usize) -> bool {
        self.run.get(index).copied().unwrap_or(true)
    }

    /// How many policies run again.
    pub fn count(&self) -> usize {
        self.run.iter().filter(|r| **r).count()
    }
}
