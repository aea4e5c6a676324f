import Foundation
import KairosCore
import KairosStore
import KairosTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ServeFleetTests {
    /// The chaos test's lease (`--lease-duration`), renewed every second.
    static let chaosLease: TimeInterval = 5

    @Test("chaos: kill -9 a random one of three instances every few seconds and start another: no fire lost or run twice, every attempt a killed instance left is failed 'worker lost' within two lease periods and retried, nothing left running")
    func chaos() async throws {
        try await ExecutionSink.with { sink in
            try await ServeFleet.withFleet { fleet, configuration in
                let retry = ", retry: {maxRetries: 5, backoff: {initial: 0.2, max: 1}}"
                let (ticks, naps, hooks) = (jobKeys("tick", 60), jobKeys("nap", 8), jobKeys("hook", 6))
                let jobs = try fleet.write(
                    "jobs.yaml",
                    "jobs:\n" + Self.jobs("tick", 60, every: 1, extra: retry)
                        + Self.jobs("nap", 8, every: 2, task: "system.sleep", args: "{seconds: 1}", extra: retry)
                        + Self.jobs("hook", 6, every: 1, task: "http.request", args: "{method: POST, url: '\(sink.url)'}", extra: retry))
                let flags = ["--jobs", jobs, "--lease-duration", "\(Self.chaosLease)", "--heartbeat-interval", "1", "--shutdown-grace", "5"]
                var live = try await fleet.start(Array(repeating: "api,scheduler,worker", count: 3), flags)
                var killedAt: [String: Date] = [:]
                let end = Date().addingTimeInterval(Soak.chaosSeconds)
                while Date() < end {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 2_000...4_000)))
                    let victim = live.remove(at: Int.random(in: live.indices))
                    victim.signal(SIGKILL)
                    killedAt[victim.instanceId ?? "?"] = Date()
                    #expect(try await victim.waitForExit(within: 10) == 128 + SIGKILL, "the victim died of SIGKILL")
                    live += try await fleet.start(["api,scheduler,worker"], flags)
                }
                let chaosEnd = Date()
                let all = ticks.union(naps).union(hooks)
                // The survivors reap the last victim's attempts and run their retries.
                #expect(try await Self.settled(configuration, keys: all, upTo: chaosEnd, within: 60), "the fires up to the last kill ran")
                #expect(try await fleet.stopAll(), "every instance still running stops with exit 0")

                let everything = try await Self.history(configuration)
                let running = everything.executions.filter { $0.status == .running }
                #expect(running.isEmpty, "nothing left running: \(running.prefix(3))")
                let audit = everything.upTo(chaosEnd)
                #expect(audit.duplicateFires.isEmpty, "no fire has two executions: \(audit.duplicateFires.prefix(5))")
                let gaps = audit.gaps(keys: ticks.union(hooks), every: 1) + audit.gaps(keys: naps, every: 2)
                #expect(gaps.isEmpty, "every fire has an execution, run or missed: \(gaps)")
                #expect(audit.silent(keys: all, since: chaosEnd.addingTimeInterval(-3)).isEmpty, "every job fired until the end")
                let failed = audit.executions.filter { $0.status == .failed }
                #expect(failed.isEmpty, "no execution ran out of retries: \(failed.prefix(3).map(\.attempts))")

                // Every attempt lost with a killed instance: failed `worker lost` and queued again
                // within two lease periods of the kill, and run again (after the job's earlier
                // queued fires: a job runs one at a time, so its retry may wait behind them).
                // A live instance whose heartbeat came later than its lease (a stall: two cores
                // shared with other builds) loses its attempts the same way: they must be retried.
                var lost = 0
                for execution in audit.executions {
                    let attempts = execution.attempts
                    for (index, attempt) in attempts.enumerated() where attempt.error?.reason == ExecutionError.workerLost {
                        lost += 1
                        guard let instance = attempt.instanceId, let killed = killedAt[instance] else {
                            #expect(index + 1 < attempts.count, "an attempt of a stalled instance, lost, is retried: \(execution)")
                            continue
                        }
                        let reaped = (attempt.finishedAt ?? .distantFuture).timeIntervalSince(killed)
                        #expect(reaped <= 2 * Self.chaosLease, "attempt \(attempt.attempt) of \(execution.jobKey) reaped \(reaped) s after the kill")
                        // When the retry runs depends on the job's earlier queued fires and on how
                        // busy the machine is; that it ran is what must hold.
                        #expect(index + 1 < attempts.count, "attempt \(attempt.attempt) of \(execution.jobKey) was retried (status \(execution.status))")
                    }
                }
                #expect(lost > 0 || Soak.chaosSeconds < 20, "the kills hit running attempts (\(killedAt.count) kills)")

                // At the receiving server: an attempt in flight at a kill is failed `worker lost`
                // and retried as a new attempt (http.request records its start before it sends),
                // so no attempt arrives twice.
                #expect(sink.repeatedAttempts.isEmpty, "no attempt delivered twice: \(sink.repeatedAttempts.prefix(3))")
                let ids = Set(everything.executions.map { $0.id.uuidString.lowercased() })
                #expect(sink.deliveries.allSatisfy { ids.contains($0.executionId) }, "every delivery is an execution in history")
            }
        }
    }
}
