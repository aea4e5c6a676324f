import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import KairosTestSupport
import Testing

/// Many `kairos serve` processes on one PostgreSQL database (issue #12): exactly once across
/// instances, split roles, kill -9 chaos and a database restart. One case at a time: each
/// runs several processes on a 2-core machine. The short variants run in scripts/test; the
/// environment variables of ``Soak`` lengthen them (scripts/chaos).
@Suite("many kairos serve on one PostgreSQL (processes)", .serialized, .timeLimit(.minutes(15)))
struct ServeFleetTests {
    /// Jobs file entries `prefix-1` … `prefix-count`, each firing every `seconds` and never
    /// coalescing, so that every nominal fire time gets an execution of its own (run or missed).
    static func jobs(
        _ prefix: String, _ count: Int, every seconds: Int, task: String = "system.noop", args: String = "{}", extra: String = ""
    ) -> String {
        (1...count).map { index in
            "  - {key: \(prefix)-\(index), task: \(task), args: \(args), schedule: {type: interval, seconds: \(seconds)}, coalesce: false\(extra)}\n"
        }.joined()
    }

    /// Every execution on `configuration`'s database, read through a handle of the test's own.
    static func history(_ configuration: PostgresStoreConfiguration) async throws -> FireAudit {
        var audit = FireAudit(executions: [])
        try await withHandles(configuration) { handles in
            audit = FireAudit(executions: try await allExecutions(try await handles.open()))
        }
        return audit
    }

    /// Waits up to `seconds` until every job of `keys` has a fire scheduled after `instant` and
    /// no fire up to it is still queued or running: on a busy 2-core machine the fleet may run a
    /// burst late, and the checks are about what ran, not how fast. True when that happened;
    /// the jobs keep firing meanwhile.
    static func settled(_ configuration: PostgresStoreConfiguration, keys: Set<String>, upTo instant: Date, within seconds: Double) async throws -> Bool {
        var settled = false
        try await withHandles(configuration) { handles in
            let reader = try await handles.open()
            settled = try await eventually(within: seconds, every: .milliseconds(500)) {
                let audit = FireAudit(executions: try await allExecutions(reader))
                return audit.silent(keys: keys, since: instant.addingTimeInterval(0.001)).isEmpty
                    && audit.upTo(instant).executions.allSatisfy { $0.status != .queued && $0.status != .running }
            }
        }
        return settled
    }
}
