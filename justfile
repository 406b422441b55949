# Bifrost-rs developer recipes. None of them is needed to build, run or test:
# `cargo run --release -p bifrost-http -- --app-dir ./data` and `cargo test --workspace` suffice.

# Run the gateway on ./data
run *ARGS:
    cargo run --release -p bifrost-http -- --app-dir ./data {{ARGS}}

# The workspace tests (README's test command)
test:
    cargo test --workspace

# Everything CI runs: format, lints, tests, SDK suites
test-all:
    bash .ci/run

# The load benchmark (gateway vs nginx vs direct) and the micro-benchmarks
bench *ARGS:
    bash bench/run.sh {{ARGS}}
    cargo bench -p bifrost-core

# Format the code
fmt:
    cargo fmt --all

# Lints as CI runs them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
