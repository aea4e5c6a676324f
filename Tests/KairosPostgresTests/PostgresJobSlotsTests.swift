import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import Testing

/// `maxInstances` across processes through numbered running slots (`job_slots`,
/// migration `v4-job-slots`), not a lock per job.
@Suite("PostgreSQL running slots")
struct PostgresJobSlotsTests {
    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private static func manualSpec(_ key: String, maxInstances: Int) throws -> JobSpec {
        try JobSpec(
            key: key, task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 0 1 1 *")), maxInstances: maxInstances,
            retry: try RetryPolicy(maxRetries: 1))
    }

    /// A job due every second from t0 + 1 s.
    private static func everySecondSpec() throws -> JobSpec {
        try JobSpec(key: "every-second", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1, startDate: at(1))))
    }

    /// A scheduling pass of instance "a" at t0 + `seconds`, 0.8 s of look-ahead, taking fires for
    /// its workers; `finishing` as its worker pool would report it.
    private static func localPass(_ store: any JobStore, at seconds: Double, finishing: [UUID: UUID] = [:]) async throws -> FireBatch {
        try await store.claimDueFires(
            now: at(seconds), horizon: at(seconds + 0.8), limit: 10,
            localClaim: LocalClaim(instanceId: "a", leaseUntil: at(seconds + 30), limit: 10, finishing: finishing))
    }

    /// `count` manual runs of a new job (at most `maxInstances` at once) claimed by instance "w"
    /// at t0 + 1 s, leased until t0 + 31 s.
    private static func claimedManualRuns(
        _ store: any JobStore, key: String, count: Int, maxInstances: Int
    ) async throws -> [ClaimedExecution] {
        let job = try await store.createJob(try manualSpec(key, maxInstances: maxInstances), now: t0)
        for index in 0..<count { _ = try await store.trigger(jobId: job.id, now: at(Double(index) / 100)) }
        return try await store.claimExecutions(instanceId: "w", now: at(1), horizon: at(1), limit: count, leaseUntil: at(31))
    }

    /// The slots held and the executions running, which must always be the same number.
    private static func slotsAndRunning(_ configuration: PostgresStoreConfiguration) async throws -> (slots: Int, running: Int) {
        let slots = try await adminInteger(configuration, "SELECT count(*) FROM job_slots WHERE execution_id IS NOT NULL") ?? -1
        let running = try await adminInteger(configuration, "SELECT count(*) FROM executions WHERE status = 'running'") ?? -1
        let orphans = try await adminInteger(
            configuration,
            "SELECT count(*) FROM job_slots s LEFT JOIN executions e ON e.id = s.execution_id AND e.status = 'running' WHERE s.execution_id IS NOT NULL AND e.id IS NULL")
        #expect(orphans == 0, "every slot belongs to a running execution")
        return (slots, running)
    }

    @Test("four handles claiming one job's queue at once, round after round: exactly maxInstances run, never more, never fewer")
    func racingClaims() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let stores = [try await handles.open(), try await handles.open(), try await handles.open(), try await handles.open()]
            let job = try await stores[0].createJob(try Self.manualSpec("racing", maxInstances: 3), now: Self.t0)
            for index in 0..<200 { _ = try await stores[0].trigger(jobId: job.id, now: Self.at(Double(index) / 1_000)) }
            for round in 1...12 {
                let now = Self.at(Double(round))
                let claims = try await withThrowingTaskGroup(of: [ClaimedExecution].self) { group in
                    for (index, store) in stores.enumerated() {
                        group.addTask {
                            try await store.claimExecutions(instanceId: "w\(index)", now: now, horizon: now, limit: 2, leaseUntil: now + 30)
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(claims.count == 3, "round \(round): the four claims together take exactly maxInstances")
                #expect(Set(claims.map(\.execution.id)).count == claims.count)
                let (slots, running) = try await Self.slotsAndRunning(configuration)
                #expect(slots == 3 && running == 3, "round \(round): \(slots) slots, \(running) running")
                _ = try await stores[1].complete(claims.map { $0.succeeded(by: $0.execution.instanceId ?? "", at: now) }, now: now)
                let after = try await Self.slotsAndRunning(configuration)
                #expect(after.slots == 0 && after.running == 0, "round \(round): completions free every slot")
            }
        } }
    }

    @Test("every way out of running frees the slot: completion, retry, cancel, reaped lease, deletion")
    func everyExitFreesTheSlot() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let claimed = try await Self.claimedManualRuns(store, key: "exits", count: 6, maxInstances: 10)
            #expect(claimed.count == 6)
            #expect(try await Self.slotsAndRunning(configuration) == (6, 6))

            _ = try await store.complete([claimed[0].succeeded(by: "w", at: Self.at(2))], now: Self.at(2))
            #expect(try await Self.slotsAndRunning(configuration) == (5, 5), "succeeded")

            let retried = Completion(
                executionId: claimed[1].execution.id, instanceId: "w", attempt: 1, startedAt: Self.at(2), finishedAt: Self.at(3),
                outcome: .failed(ExecutionError(reason: "boom", message: "failed"), result: nil, retryAt: Self.at(60)))
            _ = try await store.complete([retried], now: Self.at(3))
            #expect(try await Self.slotsAndRunning(configuration) == (4, 4), "queued again for a retry")

            _ = try await store.cancel(executionId: claimed[2].execution.id, now: Self.at(4))
            #expect(try await Self.slotsAndRunning(configuration) == (3, 3), "cancelled")

            let reaped = try await store.reapExpiredLeases(now: Self.at(40), deadAfter: 60, limit: 2)
            #expect(reaped.count == 2)
            #expect(try await Self.slotsAndRunning(configuration) == (1, 1), "reaped")

            try await adminQuery(configuration, "DELETE FROM executions WHERE status = 'running'")
            #expect(try await Self.slotsAndRunning(configuration) == (0, 0), "deleted")

            let again = try await store.claimExecutions(instanceId: "w", now: Self.at(61), horizon: Self.at(61), limit: 10, leaseUntil: Self.at(91))
            #expect(again.count == 3, "the freed slots are claimed again: the retry and the two reaped attempts")
            #expect(try await Self.slotsAndRunning(configuration) == (3, 3))
        } }
    }

    @Test("with a local claim, a job whose every slot is held is not planned ahead: its next fire waits for the slot (then runs locally) or for its time (then is queued)")
    func heldSlotLeavesTheFireUntilDue() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            _ = try await store.createJob(try Self.everySecondSpec(), now: Self.t0)
            func pass(at seconds: Double) async throws -> FireBatch { try await Self.localPass(store, at: seconds) }

            let first = try await pass(at: 0.5)
            #expect(first.claimed.map(\.execution.scheduledAt) == [Self.at(1)] && first.queued.isEmpty, "planned ahead, taken locally")

            let held = try await pass(at: 1.5)
            #expect(held.jobsClaimed == 0 && held.claimed.isEmpty && held.queued.isEmpty, "the next fire is not planned while the first holds the slot")

            _ = try await store.complete([first.claimed[0].succeeded(by: "a", at: Self.at(1.6))], now: Self.at(1.6))
            let next = try await pass(at: 1.6)
            #expect(next.claimed.map(\.execution.scheduledAt) == [Self.at(2)] && next.queued.isEmpty, "the slot free: planned ahead, taken locally")

            let due = try await pass(at: 3)
            #expect(due.jobsClaimed == 1 && due.claimed.isEmpty, "due, the slot still held: planned all the same")
            #expect(due.queued.map(\.scheduledAt) == [Self.at(3)], "and queued behind the running one")

            let unbounded = try await store.claimDueFires(now: Self.at(3.5), horizon: Self.at(4.3), limit: 10)
            #expect(unbounded.queued.map(\.scheduledAt) == [Self.at(4)], "without a local claim, planned ahead as before")
        } }
    }

    @Test("a run of this instance that returned, its outcome not written yet, does not hold back the job's next fire: taken locally in the next slot, the job still full for other instances")
    func returnedRunLeavesTheNextFireLocal() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let other = try await handles.open()
            let job = try await store.createJob(try Self.everySecondSpec(), now: Self.t0)
            func pass(at seconds: Double, finishing: [UUID: UUID]) async throws -> FireBatch {
                try await Self.localPass(store, at: seconds, finishing: finishing)
            }

            let first = try await pass(at: 0.5, finishing: [:])
            #expect(first.claimed.count == 1)
            let next = try await pass(at: 1.5, finishing: [first.claimed[0].execution.id: job.id])
            #expect(next.claimed.map(\.execution.scheduledAt) == [Self.at(2)] && next.queued.isEmpty, "planned ahead and taken locally")
            #expect(try await Self.slotsAndRunning(configuration) == (2, 2))
            #expect(try await adminInteger(configuration, "SELECT max(slot) FROM job_slots WHERE execution_id IS NOT NULL") == 1, "in the slot past the held one")

            _ = try await other.trigger(jobId: job.id, now: Self.at(1.6))
            let claim = { (seconds: Double) in
                try await other.claimExecutions(instanceId: "b", now: Self.at(seconds), horizon: Self.at(seconds), limit: 5, leaseUntil: Self.at(seconds + 30))
            }
            #expect(try await claim(1.7).isEmpty, "another instance finds the job full")
            _ = try await store.complete([first.claimed[0].succeeded(by: "a", at: Self.at(1.01))], now: Self.at(1.8))
            #expect(try await Self.slotsAndRunning(configuration) == (1, 1))
            #expect(try await claim(1.9).isEmpty, "still full: the next fire holds its slot")
            _ = try await store.complete([next.claimed[0].succeeded(by: "a", at: Self.at(2.01))], now: Self.at(2.1))
            #expect(try await claim(2.2).count == 1, "free again: the manual run is claimed")
        } }
    }

    @Test("a job's slot row is kept and used again, run after run (v6): one row for a one-slot job, its execution cleared once the outcome is written")
    func slotRowsAreKept() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let job = try await store.createJob(try Self.everySecondSpec(), now: Self.t0)
            for second in 1...5 {
                let pass = try await Self.localPass(store, at: Double(second) - 0.5)
                #expect(pass.claimed.map(\.execution.scheduledAt) == [Self.at(Double(second))], "fire \(second) taken locally")
                #expect(try await Self.slotsAndRunning(configuration) == (1, 1))
                _ = try await store.complete(pass.claimed.map { $0.succeeded(by: "a", at: Self.at(Double(second))) }, now: Self.at(Double(second)))
                #expect(try await Self.slotsAndRunning(configuration) == (0, 0), "freed by the outcome's statement")
            }
            #expect(try await adminInteger(configuration, "SELECT count(*) FROM job_slots WHERE job_id = '\(job.id.uuidString)'") == 1, "one row, five runs")
        } }
    }

    @Test("a heartbeat skips a running execution another transaction holds (an outcome being written) instead of waiting: it renews the others now, that one at the next heartbeat")
    func heartbeatSkipsHeldRows() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let claimed = try await Self.claimedManualRuns(store, key: "leased", count: 3, maxInstances: 5)
            #expect(claimed.count == 3)
            let held = claimed[0].execution.id
            let renewed = "SELECT count(*) FROM executions WHERE lease_expires_at = \(Int64(Self.at(60).timeIntervalSince1970 * 1_000_000))"
            try await withRowsLocked(configuration, "SELECT 1 FROM executions WHERE id = '\(held.uuidString)' FOR UPDATE") {
                let started = ContinuousClock.now
                _ = try await store.heartbeat(instanceId: "w", now: Self.at(5), leaseUntil: Self.at(60))
                #expect(ContinuousClock.now - started < .seconds(5), "did not wait for the held row")
                #expect(try await adminInteger(configuration, renewed) == 2, "the two rows nobody holds are renewed")
            }
            _ = try await store.heartbeat(instanceId: "w", now: Self.at(10), leaseUntil: Self.at(60))
            #expect(try await adminInteger(configuration, renewed) == 3, "the next heartbeat renews the one that was held")
        } }
    }

    @Test("v4-job-slots gives the executions already running a slot each, numbered per job from 0")
    func migrationBackfill() async throws {
        try await withFreshDatabase { configuration in
            try await withHandles(configuration) { handles in
                let store = try await handles.open()
                let first = try await store.createJob(try Self.manualSpec("first", maxInstances: 3), now: Self.t0)
                let second = try await store.createJob(try Self.manualSpec("second", maxInstances: 1), now: Self.t0)
                for index in 0..<3 { _ = try await store.trigger(jobId: first.id, now: Self.at(Double(index) / 100)) }
                for index in 0..<2 { _ = try await store.trigger(jobId: second.id, now: Self.at(Double(index) / 100)) }
                let claimed = try await store.claimExecutions(instanceId: "w", now: Self.at(1), horizon: Self.at(1), limit: 10, leaseUntil: Self.at(31))
                #expect(claimed.count == 4, "3 of the first job, 1 of the second")
            }
            // The database as a version before v4 left it: running executions, no slots.
            for statement in [
                "DROP TRIGGER executions_free_slot_update ON executions", "DROP TRIGGER executions_free_slot_delete ON executions",
                "DROP FUNCTION kairos_free_job_slot()", "DROP TABLE job_slots", "DROP INDEX executions_claim_order",
                "CREATE INDEX executions_queue_order ON executions (priority DESC, run_after, scheduled_at) WHERE status = 'queued'",
                "DELETE FROM kairos_migrations WHERE id IN ('v4-job-slots', 'v6-job-slot-rows-kept')",
            ] {
                try await adminQuery(configuration, statement)
            }
            try await withHandles(configuration) { handles in
                let store = try await handles.open()
                #expect(try await store.appliedMigrations().contains("v4-job-slots"), "v4 applied again")
                #expect(try await store.appliedMigrations().contains("v6-job-slot-rows-kept"), "and v6 over it")
                #expect(try await Self.slotsAndRunning(configuration) == (4, 4))
                #expect(try await adminInteger(configuration, "SELECT max(slot) FROM job_slots") == 2, "slots 0, 1, 2 of the first job and 0 of the second")
                let more = try await store.claimExecutions(instanceId: "w", now: Self.at(2), horizon: Self.at(2), limit: 10, leaseUntil: Self.at(32))
                #expect(more.isEmpty, "both jobs are at maxInstances after the migration")
            }
        }
    }
}
