//! The callback thread of a client engine: the one thread that runs user
//! code (send callbacks, transaction checkers, reply callbacks), in the
//! order the I/O thread handed it over, each task isolated so that a
//! panicking one cannot end the thread. The I/O thread never runs user code.

use std::cell::Cell;

use crossbeam_channel::{Receiver, Sender};

/// User code to run on the callback thread.
pub(crate) type Task = Box<dyn FnOnce() + Send + 'static>;

/// What the callback thread is sent.
pub(crate) enum CallbackTask {
    /// Run this.
    Run(Task),
    /// Run what is queued, then end the thread.
    Stop,
}

thread_local! {
    /// On a callback thread: the id of the engine it belongs to; else 0.
    static CALLBACK_THREAD_OF: Cell<usize> = const { Cell::new(0) };
}

/// Hands tasks to one engine's callback thread. Cloned freely (the I/O
/// thread, reply completions and roles each keep one).
#[derive(Clone)]
pub(crate) struct CallbackSender {
    tx: Sender<CallbackTask>,
}

impl CallbackSender {
    /// Queues `task`; runs it on the current thread (panics contained) if the
    /// callback thread is gone, so that no outcome is ever lost.
    pub(crate) fn run(&self, task: Task) {
        if let Err(crossbeam_channel::SendError(CallbackTask::Run(task))) =
            self.tx.send(CallbackTask::Run(task))
        {
            run_contained(task);
        }
    }

    /// Asks the thread to end after what is queued.
    pub(crate) fn stop(&self) {
        let _ = self.tx.send(CallbackTask::Stop);
    }
}

/// Starts the callback thread of engine `engine_id`.
///
/// Errors: the I/O error of `std::thread::Builder::spawn`.
pub(crate) fn spawn(
    engine_id: usize,
) -> std::io::Result<(CallbackSender, std::thread::JoinHandle<()>)> {
    let (tx, rx) = crossbeam_channel::unbounded::<CallbackTask>();
    let thread = std::thread::Builder::new()
        .name("rocketmq-callback".into())
        .spawn(move || {
            CALLBACK_THREAD_OF.with(|c| c.set(engine_id));
            run(rx)
        })?;
    Ok((CallbackSender { tx }, thread))
}

/// Whether the current thread is the callback thread of engine `engine_id`.
pub(crate) fn on_callback_thread(engine_id: usize) -> bool {
    CALLBACK_THREAD_OF.with(|c| c.get()) == engine_id
}

/// Runs tasks in order until [`CallbackTask::Stop`] (after running what was
/// queued before it) or until every sender is gone.
fn run(rx: Receiver<CallbackTask>) {
    while let Ok(task) = rx.recv() {
        match task {
            CallbackTask::Run(task) => run_contained(task),
            CallbackTask::Stop => {
                while let Ok(CallbackTask::Run(task)) = rx.try_recv() {
                    run_contained(task);
                }
                return;
            }
        }
    }
}

/// Runs `task`, containing a panic.
fn run_contained(task: Task) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
}
