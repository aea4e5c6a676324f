import KairosCore

/// How an attempt ended, before the retry decision.
struct AttemptResult: Sendable {
    var result: Result<String?, ExecutionError>
    var failureResult: String?
    /// Stopped by a cancel request: the store already recorded the execution `cancelled`, so
    /// the attempt is neither retried nor counted as failed.
    var cancelledOnRequest = false
}
