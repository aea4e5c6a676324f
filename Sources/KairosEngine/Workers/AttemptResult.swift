import KairosCore

/// How an attempt ended, before the retry decision.
struct AttemptResult: Sendable {
    var result: Result<String?, ExecutionError>
    var failureResult: String?
}
