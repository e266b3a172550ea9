//! A verdict acknowledged to a client survives `kill -9`.
//!
//! The test re-runs this test binary as a child that records a submission,
//! says so on stdout, then waits; the parent kills it with SIGKILL the
//! moment it reads the acknowledgement, and reopens the store.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use shelfgate_contract::types::Decision;
use shelfgate_store::Store;

use crate::support::{open, submit, Upload};

const CHILD_DIR: &str = "SHELFGATE_STORE_DURABILITY_CHILD";
const ACK: &str = "verdict recorded";

/// The child's half: does nothing unless run by the parent below.
#[test]
fn durability_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let store = open(std::path::Path::new(&dir));
    let record = submit(
        &store,
        &Upload {
            id: "acked",
            decision: Decision::Reject,
            ..Upload::default()
        },
    );
    // The acknowledgement a client would get, once the call has returned.
    let mut out = std::io::stdout();
    writeln!(out, "{ACK} {}", record.verdict.seq).unwrap();
    out.flush().unwrap();
    // Wait to be killed; give up after a minute so nothing lingers.
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn an_acknowledged_verdict_survives_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "durability::durability_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked_seq = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest may have printed `test … ... ` on the same line first.
        if let Some((_, seq)) = line.split_once(ACK) {
            acked_seq = Some(seq.trim().parse::<i64>().unwrap());
            // `Child::kill` is SIGKILL on Unix: no destructor, no flush runs.
            child.kill().unwrap();
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed, not finished");
    let acked_seq = acked_seq.expect("the child acknowledged a verdict");

    let store = open(tmp.path());
    let record = store
        .submission("acked")
        .unwrap()
        .expect("the acknowledged submission");
    assert_eq!(record.verdict.seq, acked_seq);
    assert_eq!(
        record.verdict.verdict.decode().unwrap().decision,
        Decision::Reject
    );
}
