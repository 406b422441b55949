//! Tests of the standalone `bifrost-mock-upstream` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn spawn(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bifrost-mock-upstream"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn binary");
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("read first line");
        let base = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        assert_ne!(base, "http://127.0.0.1:0");
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
        });
        Server { child, base }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "binary ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn binary_serves_and_stops_on_sigterm() {
    let server = Server::spawn(&[]);
    let client = common::client();
    let v: Value = client
        .post(format!("{}/v1/chat/completions", server.base))
        .bearer_auth("sk-test")
        .json(&common::chat("gpt-4o", "from python"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: from python");

    // Flaky counters can be reset out of process.
    let flaky = json!({"model": "flaky-1", "messages": [{"role": "user", "content": "x"}]});
    let url = format!("{}/v1/chat/completions", server.base);
    assert_eq!(
        client
            .post(&url)
            .json(&flaky)
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    assert_eq!(
        client
            .post(&url)
            .json(&flaky)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let listed: Value = client
        .get(format!("{}/__mock/requests", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    client
        .post(format!("{}/__mock/reset", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .post(&url)
            .json(&flaky)
            .send()
            .await
            .unwrap()
            .status(),
        500
    );

    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn binary_latency_option() {
    let server = Server::spawn(&["--latency-ms", "200", "--max-recorded", "0"]);
    let client = common::client();
    let start = Instant::now();
    let resp = client
        .get(format!("{}/v1/models", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(start.elapsed() >= Duration::from_millis(200));
    let listed: Value = client
        .get(format!("{}/__mock/requests", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
    drop(server);
}
