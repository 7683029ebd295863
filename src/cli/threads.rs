//! Starting rayon's global thread pool, which parses, resolves and analyses large rulesets in
//! parallel.
//!
//! rayon starts its global pool on first use and panics when it cannot start the threads (a
//! container's process limit, for instance); it also tries only once, so a failed try leaves
//! it unusable. So the pool is started here, before any work, with the most threads that can
//! be started: every core's, else one thread of its own, else none beyond the current thread.
//! Threads never change what Carel finds, only how fast.

use rayon::ThreadPoolBuilder;

/// How the global pool was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Started {
    /// rayon's default: one thread per core (or `RAYON_NUM_THREADS`).
    Default,
    /// One worker thread of its own: threads could be started, but not one per core.
    One,
    /// No thread could be started: everything runs on the current thread.
    Current,
}

/// Start the global pool (see the module documentation).
pub fn start() -> Started {
    start_with(
        |kind| builder(kind).build().is_ok(),
        |kind| {
            // Threads that started a moment ago rarely fail now; if they do, rayon's own
            // fallback is all that is left.
            let _ = builder(kind).build_global();
        },
    )
}

/// The builder of each kind of pool.
fn builder(kind: Started) -> ThreadPoolBuilder {
    match kind {
        Started::Default => ThreadPoolBuilder::new(),
        Started::One => ThreadPoolBuilder::new().num_threads(1),
        // With the current thread as the only worker, no thread is started.
        Started::Current => ThreadPoolBuilder::new().num_threads(1).use_current_thread(),
    }
}

/// [`start`], with `try_pool` telling whether a pool of a kind can be built (as a pool of its
/// own, which may fail harmlessly), and `build_global` building the global one.
fn start_with(try_pool: impl Fn(Started) -> bool, build_global: impl FnOnce(Started)) -> Started {
    let kind = [Started::Default, Started::One]
        .into_iter()
        .find(|&kind| try_pool(kind))
        .unwrap_or(Started::Current);
    build_global(kind);
    kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    /// Builds pools of each kind where only the first `allowed` threads of a pool of four
    /// can start; gives the number of threads and the sum of a parallel pass.
    fn limited(kind: Started, allowed: usize) -> Result<(usize, u64), rayon::ThreadPoolBuildError> {
        let pool = match kind {
            Started::Current => builder(kind).build()?,
            _ => builder(kind)
                .num_threads(if kind == Started::One { 1 } else { 4 })
                .spawn_handler(move |thread| {
                    if thread.index() >= allowed {
                        return Err(std::io::Error::other("no more threads"));
                    }
                    std::thread::Builder::new().spawn(|| thread.run())?;
                    Ok(())
                })
                .build()?,
        };
        let sum = pool.install(|| (0..10_000u64).into_par_iter().sum::<u64>());
        Ok((pool.current_num_threads(), sum))
    }

    fn run(allowed: usize) -> (Started, Option<(usize, u64)>) {
        let mut built = None;
        let started = start_with(
            |kind| limited(kind, allowed).is_ok(),
            |kind| built = limited(kind, allowed).ok(),
        );
        (started, built)
    }

    #[test]
    fn without_threads_the_pool_runs_on_the_current_thread() {
        assert_eq!(run(0), (Started::Current, Some((1, 49_995_000))));
    }

    #[test]
    fn one_thread_when_not_every_thread_starts() {
        assert_eq!(run(2), (Started::One, Some((1, 49_995_000))));
    }

    #[test]
    fn every_thread_when_they_start() {
        assert_eq!(run(4), (Started::Default, Some((4, 49_995_000))));
    }
}
