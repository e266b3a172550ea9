//! `shelfgate policy test`: table-driven cases for policies, as `opa test`.
//!
//! A case is facts + listing + context with the expected decision and rule
//! ids. Cases are JSON merge patches (RFC 7386) over a shared `_base.json`,
//! so each states only what it changes; the base is the nearest
//! `_base.json` in the cases directory or its ancestors.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use shelfgate_contract::json;
use shelfgate_contract::types::{ApkFacts, Decision, EvaluationContext, Listing, Verdict};

use crate::engine::EvalInput;
use crate::evaluate::Evaluator;
use crate::policy_set::PolicySet;

/// One case file.
#[derive(Debug)]
pub struct Case {
    pub path: PathBuf,
    pub note: String,
    /// The rule the case exercises (for coverage).
    pub rule: Option<String>,
    pub input: Result<Arc<EvalInput>, String>,
    pub want: Want,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Want {
    pub decision: String,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub sdk: Option<Vec<String>>,
    #[serde(default)]
    pub errors: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    note: String,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    facts: Value,
    #[serde(default)]
    listing: Value,
    #[serde(default)]
    context: Value,
    want: Want,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("reading `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid case: {reason}")]
    Invalid { path: String, reason: String },
    #[error("no `_base.json` in `{0}` or its ancestors")]
    NoBase(String),
}

/// The result of one case.
#[derive(Debug)]
pub struct CaseResult {
    pub problems: Vec<String>,
    pub verdict: Option<Verdict>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn read(path: &Path) -> Result<String, CaseError> {
    std::fs::read_to_string(path).map_err(|source| CaseError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn find_base(dir: &Path) -> Result<(PathBuf, Value), CaseError> {
    let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for d in start.ancestors() {
        let p = d.join("_base.json");
        if p.is_file() {
            let v = serde_json::from_str(&read(&p)?).map_err(|e| CaseError::Invalid {
                path: p.display().to_string(),
                reason: e.to_string(),
            })?;
            return Ok((p, v));
        }
    }
    Err(CaseError::NoBase(dir.display().to_string()))
}

/// Every `*.json` case in `dir` (not `_base.json`), sorted by file name.
pub fn load_cases(dir: &Path) -> Result<Vec<Case>, CaseError> {
    let (_, base) = find_base(dir)?;
    let io = |source| CaseError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "_base.json")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file: CaseFile =
                serde_json::from_str(&read(&path)?).map_err(|e| CaseError::Invalid {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
            let input = build_input(&base, &file);
            Ok(Case {
                path,
                note: file.note,
                rule: file.rule,
                input,
                want: file.want,
            })
        })
        .collect()
}

/// The input a `_base.json` describes by itself.
pub fn input_from_base(base_json: &str) -> Result<Arc<EvalInput>, String> {
    let base: Value = serde_json::from_str(base_json).map_err(|e| format!("_base.json: {e}"))?;
    build_input(
        &base,
        &CaseFile {
            note: String::new(),
            rule: None,
            facts: Value::Null,
            listing: Value::Null,
            context: Value::Null,
            want: Want {
                decision: "pass".into(),
                rules: Vec::new(),
                sdk: None,
                errors: 0,
            },
        },
    )
}

fn build_input(base: &Value, file: &CaseFile) -> Result<Arc<EvalInput>, String> {
    let part = |name: &str, patch: &Value| {
        let mut v = base.get(name).cloned().unwrap_or(Value::Null);
        if !patch.is_null() {
            merge_patch(&mut v, patch);
        }
        v
    };
    let facts: ApkFacts =
        json::from_value(&part("facts", &file.facts)).map_err(|e| format!("facts: {e}"))?;
    let listing: Listing =
        json::from_value(&part("listing", &file.listing)).map_err(|e| format!("listing: {e}"))?;
    let context: EvaluationContext =
        json::from_value(&part("context", &file.context)).map_err(|e| format!("context: {e}"))?;
    Ok(Arc::new(EvalInput {
        facts: Arc::new(facts),
        listing: Arc::new(listing),
        context,
    }))
}

/// Evaluate one case and compare with what it wants.
pub fn run(evaluator: &Evaluator, set: &PolicySet, case: &Case) -> CaseResult {
    let input = match &case.input {
        Ok(i) => i,
        Err(e) => {
            return CaseResult {
                problems: vec![format!("invalid input: {e}")],
                verdict: None,
            }
        }
    };
    let verdict = evaluator.evaluate(set, input, "case");
    let mut problems = Vec::new();
    let decision = json::to_value(&verdict.decision);
    if decision.as_str() != Some(case.want.decision.as_str()) {
        problems.push(format!(
            "decision: want {}, got {decision}",
            case.want.decision
        ));
    }
    let got: BTreeSet<&str> = verdict
        .findings
        .iter()
        .map(|f| f.finding.rule_id.as_str())
        .collect();
    let want: BTreeSet<&str> = case.want.rules.iter().map(String::as_str).collect();
    if got != want {
        problems.push(format!("rules: want {want:?}, got {got:?}"));
    }
    if let Some(sdk) = &case.want.sdk {
        let got: BTreeSet<&str> = verdict
            .findings
            .iter()
            .filter_map(|f| f.finding.sdk_attribution.as_deref())
            .collect();
        let want: BTreeSet<&str> = sdk.iter().map(String::as_str).collect();
        if got != want {
            problems.push(format!("sdk: want {want:?}, got {got:?}"));
        }
    }
    if verdict.errors.len() != case.want.errors {
        let msgs: Vec<&str> = verdict.errors.iter().map(|e| e.message.as_str()).collect();
        problems.push(format!("errors: want {}, got {msgs:?}", case.want.errors));
    }
    CaseResult {
        problems,
        verdict: Some(verdict),
    }
}

/// The decision named in a case, if it is one.
pub fn parse_decision(text: &str) -> Option<Decision> {
    json::from_value(&Value::String(text.to_string())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7386() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}, "l": [3]}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}, "l": [3]}));
    }
}
