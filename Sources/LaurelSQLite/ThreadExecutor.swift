import Foundation
import LaurelStore
import Synchronization

/// A thread of its own, as a `TaskExecutor`: SQLite's transactions run on one (the store's), and a
/// task that prefers it runs there too (docs/architecture.md, "The store boundary").
///
/// A transaction asked for from another thread is handed over and the caller suspends: no thread
/// of Swift's cooperative pool waits on SQLite. A task that prefers this executor (the daemon's
/// loop, `withTaskExecutorPreference`) runs here itself, so its transactions run at once, without
/// the two thread switches a hand-over costs (each about 60 µs on this project's 2-core VM;
/// docs/performance.md). The benchmarks run on one from a synchronous main, which keeps them off
/// the cooperative pool's threads, so valgrind can count their instructions.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private enum Work {
        case job(UnownedJob)
        case block(() -> Void)
    }

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var queue: [Work] = []
    private var head = 0
    private var stopping = false
    private let threadID = Mutex<pthread_t?>(nil)

    public init(name: String) {
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            threadID.withLock { $0 = pthread_self() }
            started.signal()
            loop()
        }
        thread.name = name
        thread.start()
        started.wait()
    }

    /// Stops the thread once the work handed to it is done.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// True on this executor's thread.
    var isCurrent: Bool {
        guard let id = threadID.withLock({ $0 }) else { return false }
        return pthread_equal(id, pthread_self()) != 0
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        push(.job(UnownedJob(job)))
    }

    /// Runs `work` on this thread: at once when called on it, else handed over while the caller
    /// suspends.
    func run<T: Sendable>(_ work: () throws -> T) async throws -> T {
        if isCurrent { return try work() }
        return try await withoutActuallyEscaping(work) { work in
            // The hand-over is awaited before `work` goes out of scope, and this thread lets go
            // of it before the caller resumes.
            let handed = HandedWork<Void, T>(work)
            return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
                push(.block { continuation.resume(with: Result { try handed.runOnce(()) }) })
            }
        }
    }

    private func push(_ work: Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count {
                condition.unlock()
                return
            }
            let work = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            switch work {
            case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            case .block(let block): block()
            }
        }
    }
}
