//! Every wait in these tests has a deadline: the shared waiting helpers fail the test,
//! naming what did not happen and what was seen instead, rather than blocking forever.

mod common;

use common::{output_within, read_banner, wait_until, wait_until_async, within};
use std::{
    process::{Command, Stdio},
    time::Duration,
};

#[test]
#[should_panic(expected = "timed out after 200ms waiting for a condition that never holds; \
                           last seen: value 7")]
fn wait_until_fails_naming_what_and_the_last_value_seen() {
    wait_until("a condition that never holds", Duration::from_millis(200), || {
        Err::<(), _>("value 7")
    });
}

#[test]
fn wait_until_returns_once_the_condition_holds() {
    let mut n = 0;
    let got = wait_until("n to reach 3", Duration::from_secs(5), || {
        n += 1;
        if n >= 3 { Ok(n) } else { Err(n) }
    });
    assert_eq!(got, 3);
}

#[tokio::test]
#[should_panic(expected = "timed out after 200ms waiting for an async condition; \
                           last seen: height 4")]
async fn wait_until_async_fails_naming_what_and_the_last_value_seen() {
    wait_until_async("an async condition", Duration::from_millis(200), || async {
        Err::<(), _>("height 4")
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "waiting for a hanging check; last seen: nothing (no check \
                           finished) (then a check did not return)")]
async fn wait_until_async_fails_when_a_check_hangs() {
    wait_until_async("a hanging check", Duration::from_millis(200), || {
        std::future::pending::<Result<(), String>>()
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "timed out after 100ms waiting for a future that never ends")]
async fn within_fails_when_the_future_does_not_finish() {
    within("a future that never ends", Duration::from_millis(100), std::future::pending::<()>())
        .await;
}

#[test]
#[should_panic(expected = "the ready line did not come: the output ended first")]
fn read_banner_fails_when_the_child_exits_first() {
    let mut child =
        Command::new("sh").args(["-c", "echo starting"]).stdout(Stdio::piped()).spawn().unwrap();
    read_banner(&mut child, "the ready line", Duration::from_secs(10), |l| l == "ready");
}

#[test]
#[should_panic(expected = "waiting for the ready line; last seen: output [\"starting\"]")]
fn read_banner_fails_when_the_line_never_comes() {
    let mut child = Command::new("sh")
        .args(["-c", "echo starting; exec sleep 30"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    read_banner(&mut child, "the ready line", Duration::from_millis(500), |l| l == "ready");
}

#[test]
#[should_panic(expected = "to exit; last seen: still running (killed); stdout:\nhello")]
fn output_within_kills_and_fails_a_command_that_runs_too_long() {
    output_within(
        Command::new("sh").args(["-c", "echo hello; exec sleep 30"]),
        Duration::from_millis(500),
    );
}
