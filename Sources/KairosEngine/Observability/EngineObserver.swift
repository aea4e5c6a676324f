import Foundation
import KairosCore
import Logging
import Metrics

/// Turns engine events into structured log lines (with `jobId`, `executionId`, `durationMs`)
/// and swift-metrics counters and timers (docs/API.md, metrics).
struct EngineObserver: Sendable {
    let logger: Logger
    private let counters: [ExecutionStatus: Counter]
    private let duration = Timer(label: EngineObserver.executionDuration)
    private let lag = Timer(label: EngineObserver.scheduleLag)

    init(logger: Logger) {
        self.logger = logger
        var counters: [ExecutionStatus: Counter] = [:]
        for status in ExecutionStatus.allCases {
            counters[status] = Counter(label: Self.executionsTotal, dimensions: [("status", status.rawValue)])
        }
        self.counters = counters
    }

    static let executionsTotal = "kairos_executions_total"
    static let executionDuration = "kairos_execution_duration_seconds"
    static let scheduleLag = "kairos_schedule_lag_seconds"

    func observe(_ event: EngineEvent) {
        switch event {
        case .jobAdded(let id, let key), .jobModified(let id, let key), .jobRemoved(let id, let key):
            logger.info("\(event.name)", metadata: ["jobId": "\(id)", "jobKey": "\(key)"])
        case .executionSubmitted(let execution):
            count(.queued)
            logger.debug("\(event.name)", metadata: metadata(execution))
        case .executionStarted(let execution):
            count(.running)
            if let startedAt = execution.startedAt {
                lag.recordSeconds(max(0, startedAt.timeIntervalSince(execution.runAfter)))
            }
            logger.debug("\(event.name)", metadata: metadata(execution))
        case .executionSucceeded(let execution):
            count(.succeeded)
            recordDuration(execution)
            logger.info("\(event.name)", metadata: metadata(execution))
        case .executionFailed(let execution, let willRetry):
            count(.failed)
            recordDuration(execution)
            var fields = metadata(execution)
            fields["willRetry"] = "\(willRetry)"
            logger.warning("\(event.name)", metadata: fields)
        case .executionCancelled(let execution):
            count(.cancelled)
            recordDuration(execution)
            logger.info("\(event.name)", metadata: metadata(execution))
        case .executionMissed(let execution):
            count(.missed)
            logger.warning("\(event.name)", metadata: metadata(execution))
        }
    }

    private func count(_ status: ExecutionStatus) {
        counters[status]?.increment()
    }

    private func recordDuration(_ execution: Execution) {
        if let ms = execution.durationMs { duration.recordMilliseconds(ms) }
    }

    private func metadata(_ execution: Execution) -> Logger.Metadata {
        var fields: Logger.Metadata = [
            "jobId": "\(execution.jobId)", "jobKey": "\(execution.jobKey)", "executionId": "\(execution.id)",
            "scheduledAt": "\(Timestamp.format(execution.scheduledAt))", "attempt": "\(execution.attempt)",
        ]
        if let ms = execution.durationMs { fields["durationMs"] = "\(ms)" }
        if let error = execution.error {
            fields["reason"] = "\(error.reason)"
            fields["error"] = "\(error.message)"
        }
        if let result = execution.result { fields["result"] = "\(result)" }
        return fields
    }
}
