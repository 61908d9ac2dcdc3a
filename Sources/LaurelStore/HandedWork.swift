/// A store's body handed to a thread of the backend's own: the thread lets go of the body as
/// soon as it has run, before the caller resumes. So a backend can take the protocol's
/// non-escaping body through `withoutActuallyEscaping` and hand it to a thread pool, whatever
/// that pool keeps of the closure it was given afterwards.
public final class HandedWork<Input, Output>: @unchecked Sendable {
    private var work: ((Input) throws -> Output)?

    public init(_ work: @escaping (Input) throws -> Output) {
        self.work = work
    }

    /// Runs the work; a second call is a programming error.
    public func runOnce(_ input: Input) throws -> Output {
        let work = self.work!
        self.work = nil
        return try work(input)
    }
}
