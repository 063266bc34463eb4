//! The cost of the fork check every exported function makes on a client
//! handle (see `src/fork.rs`): the atfork generation the library uses
//! against the `getpid()` comparison it could use instead. Run with
//! `cargo bench --bench fork_check`; figures in `docs/reliability.md`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rocketmq::fork::Born;

fn fork_checks(c: &mut Criterion) {
    let born = Born::now();
    c.bench_function("fork_check/atfork_generation", |b| {
        b.iter(|| black_box(black_box(born).inherited()))
    });
    let pid = std::process::id();
    c.bench_function("fork_check/getpid", |b| {
        b.iter(|| black_box(std::process::id() != black_box(pid)))
    });
}

criterion_group!(benches, fork_checks);
criterion_main!(benches);
