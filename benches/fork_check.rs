//! The cost of the fork check every exported function makes on a client
//! handle (see `src/fork.rs`): the atfork generation the library uses
//! against the `getpid()` comparison it could use instead. A plain timing
//! loop (best of 5 rounds of 10 million checks each, ns per check), quick
//! enough for this noisy machine: `cargo bench --bench fork_check`;
//! figures in `docs/reliability.md`.

use std::hint::black_box;
use std::time::Instant;

use rocketmq::fork::Born;

const N: u32 = 10_000_000;

fn best_ns(mut check: impl FnMut() -> bool) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            let mut hits = 0u32;
            for _ in 0..N {
                hits += black_box(check()) as u32;
            }
            black_box(hits);
            t.elapsed().as_nanos() as f64 / N as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let born = Born::now();
    let generation = best_ns(|| black_box(born).inherited());
    let pid = std::process::id();
    let getpid = best_ns(|| std::process::id() != black_box(pid));
    println!("fork check, atfork generation: {:.2} ns", generation);
    println!("fork check, getpid() compare:  {:.2} ns", getpid);
}
