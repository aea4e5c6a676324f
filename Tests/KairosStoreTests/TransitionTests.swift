import Foundation
import KairosCore
import KairosStore
import Testing

/// The lifecycle rules every driver shares, as pure functions of their inputs.
@Suite("Job and execution transitions")
struct TransitionTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func interval(_ key: String = "tick", seconds: Int = 60, paused: Bool = false, enabled: Bool = true) throws -> JobSpec {
        try JobSpec(key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: seconds)), enabled: enabled, paused: paused)
    }

    @Test func createdAnchorsTheIntervalAtCreationAndComputesTheFirstFire() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        #expect(job.nextRunAt == Self.t0 + 60)
        #expect(job.version == 1)
        guard case .interval(let schedule) = job.spec.schedule else { Issue.record("not an interval"); return }
        #expect(schedule.startDate == Self.t0)
    }

    @Test func createdRejectsAnInvalidSpec() throws {
        var spec = try interval()
        spec.maxInstances = 11
        #expect(throws: ValidationError.self) { try Job.created(spec, system: false, now: Self.t0) }
    }

    @Test func replacingWithTheSameIntervalKeepsTheAnchorAndTheNextFire() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        let replaced = try job.replaced(with: try interval(), now: Self.t0 + 95)
        #expect(replaced.spec.schedule == job.spec.schedule, "the creation-time anchor is kept")
        #expect(replaced.nextRunAt == job.nextRunAt)
        #expect(replaced.version == 2)
        #expect(replaced.updatedAt == Self.t0 + 95)
    }

    @Test func aChangedScheduleRecomputesTheNextFireFromNow() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        let replaced = try job.replaced(with: try interval(seconds: 10), now: Self.t0 + 95)
        #expect(replaced.nextRunAt == Self.t0 + 105)
    }

    @Test func resumingRecomputesFromNowWithoutBackfill() throws {
        let paused = try #require(try Job.created(try interval(), system: false, now: Self.t0).switched(\.paused, to: true, now: Self.t0 + 1))
        let resumed = try #require(paused.switched(\.paused, to: false, now: Self.t0 + 1000))
        #expect(resumed.nextRunAt == Self.t0 + 1020, "the next fire of the anchored interval after now")
        #expect(resumed.version == 3)
        #expect(resumed.switched(\.paused, to: false, now: Self.t0 + 2000) == nil, "already resumed: no change")
    }

    @Test(arguments: ["paused", "disabled"])
    func aRecurringJobThatIsNotRunnableStoresNoNextFire(_ switchName: String) throws {
        let (keyPath, value) = switchName == "paused" ? (\JobSpec.paused, true) : (\JobSpec.enabled, false)
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        let stopped = try #require(job.switched(keyPath, to: value, now: Self.t0 + 1))
        #expect(stopped.nextRunAt == nil, "nothing to show or sort by while it cannot fire")
        #expect(stopped.shownNextRunAt == nil)
        let edited = try stopped.replaced(with: try interval(seconds: 10, paused: stopped.spec.paused, enabled: stopped.spec.enabled), now: Self.t0 + 2)
        #expect(edited.nextRunAt == nil, "a new schedule while stopped plans nothing yet")
        let restarted = try #require(edited.switched(keyPath, to: !value, now: Self.t0 + 1000))
        #expect(restarted.nextRunAt == Self.t0 + 1002, "computed again from then")
        var pausedSpec = try interval()
        pausedSpec.paused = true
        #expect(try Job.created(pausedSpec, system: false, now: Self.t0).nextRunAt == nil, "created paused")
    }

    @Test func aPausedOneShotKeepsItsTimeButShowsNone() throws {
        let runAt = Self.t0 + 30
        let job = try Job.created(try JobSpec(key: "once", task: "system.noop", schedule: .date(DateSchedule(runAt: runAt))), system: false, now: Self.t0)
        let paused = try #require(job.switched(\.paused, to: true, now: Self.t0 + 1))
        #expect(paused.nextRunAt == runAt, "kept: it tells resume that the one-shot has not fired")
        #expect(paused.shownNextRunAt == nil)
        #expect(try #require(paused.switched(\.paused, to: false, now: Self.t0 + 100)).nextRunAt == runAt, "resumed late, the misfire rules decide")
    }

    @Test("a new schedule must fire at all: a runAt past the grace, a passed endDate, no fire before the endDate are refused", arguments: [
        ("a runAt 10 minutes ago, grace 60 s", Schedule.date(DateSchedule(runAt: t0 - 600)), "schedule.runAt", "inThePast"),
        ("an interval whose endDate has passed", Schedule.interval(try! IntervalSchedule(minutes: 5, startDate: t0 - 7200, endDate: t0 - 3600)), "schedule.endDate", "inThePast"),
        ("a cron schedule without a fire before its endDate", Schedule.cron(try! CronSchedule(expression: "0 0 1 1 *", endDate: t0 + 86_400)), "schedule.endDate", "noFire"),
    ])
    func aScheduleThatWouldNeverFireIsRefused(_ what: String, _ schedule: Schedule, _ field: String, _ code: String) throws {
        let spec = try JobSpec(key: "never", task: "system.noop", schedule: schedule)
        let error = #expect(throws: ValidationError.self, "\(what)") { try Job.created(spec, system: false, now: Self.t0) }
        #expect(error?.issues.map(\.field) == [field])
        #expect(error?.issues.map(\.code) == [code])
        let existing = try Job.created(try interval(), system: false, now: Self.t0 - 10_000)
        #expect(throws: ValidationError.self, "replacing the schedule too") { try existing.replaced(with: spec, now: Self.t0) }
    }

    @Test func aRunAtWithinTheGraceIsAcceptedAndAnUnchangedPastOneShotIsKept() throws {
        let late = try JobSpec(key: "now", task: "system.noop", schedule: .date(DateSchedule(runAt: Self.t0 - 30)), misfireGraceTime: 60)
        #expect(try Job.created(late, system: false, now: Self.t0).nextRunAt == Self.t0 - 30, "it runs at once, as a fire 30 s late would")
        let ran = try Job.created(try JobSpec(key: "once", task: "system.noop", schedule: .date(DateSchedule(runAt: Self.t0 + 10))), system: false, now: Self.t0)
        var renamed = ran.spec
        renamed.name = "renamed"
        #expect(try ran.upserted(with: ran.spec, system: false, now: Self.t0 + 86_400) == nil, "a jobs file keeps its one-shot that ran long ago")
        #expect(try ran.replaced(with: renamed, now: Self.t0 + 86_400).spec.name == "renamed", "other fields may change")
    }

    @Test func aOneShotKeepsItsTimeWhenResumedUnlessItFired() throws {
        let runAt = Self.t0 + 30
        let schedule = Schedule.date(DateSchedule(runAt: runAt))
        #expect(Schedule.resumedNextFire(schedule, current: runAt, now: Self.t0 + 100) == runAt)
        #expect(Schedule.resumedNextFire(schedule, current: nil, now: Self.t0 + 100) == nil)
    }

    @Test func upsertIsANoOpForTheSameSpec() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        #expect(try job.upserted(with: try interval(), system: false, now: Self.t0 + 5) == nil)
        #expect(try job.upserted(with: try interval(), system: true, now: Self.t0 + 5)?.system == true)
        #expect(try job.upserted(with: try interval(seconds: 30), system: false, now: Self.t0 + 5)?.version == 2)
    }

    @Test func forChangeChecksLivenessAndVersion() throws {
        let id = UUID()
        let job = try Job.created(try interval(), system: false, now: Self.t0, id: id)
        #expect(throws: StoreError(.notFound, "no job with id \(id.uuidString)", jobId: id)) { try Job.forChange(nil, id: id, expectedVersion: nil) }
        #expect(throws: StoreError.self) { try Job.forChange(job.deleted(now: Self.t0), id: id, expectedVersion: nil) }
        #expect(throws: StoreError.self) { try Job.forChange(job, id: id, expectedVersion: 7) }
        #expect(try Job.forChange(job, id: id, expectedVersion: 1) == job)
    }

    @Test func aDisabledJobCannotBeTriggeredAPausedOneCan() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        let paused = try #require(job.switched(\.paused, to: true, now: Self.t0))
        let execution = try Job.manualExecution(of: paused, id: job.id, now: Self.t0 + 3)
        #expect(execution.trigger == .manual)
        #expect(execution.missAfter == nil, "manual runs wait as long as they must")
        let disabled = try #require(job.switched(\.enabled, to: false, now: Self.t0))
        do {
            _ = try Job.manualExecution(of: disabled, id: job.id, now: Self.t0)
            Issue.record("a disabled job was triggered")
        } catch let error as StoreError {
            #expect(error.code == .invalidState)
        }
    }

    @Test func executionIdsAreTimeOrderedVersion7() {
        let early = ExecutionID.make(at: Self.t0)
        let late = ExecutionID.make(at: Self.t0 + 0.002)
        #expect(UUID.bytesPrecede(early, late))
        #expect(early.uuidString.dropFirst(14).first == "7")
    }

    // MARK: - Executions

    func running(startedAt: Date?, attempt: Int = 1) -> Execution {
        Execution(
            jobId: UUID(), jobKey: "tick", trigger: .scheduled, status: .running, scheduledAt: Self.t0, runAfter: Self.t0,
            attempt: attempt, startedAt: startedAt, instanceId: "dead", leaseExpiresAt: Self.t0 + 30, missAfter: Self.t0 + 60, createdAt: Self.t0)
    }

    @Test func aReapedAttemptThatNeverStartedIsReleasedNotFailed() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0)
        let released = running(startedAt: nil).reaped(job: job, now: Self.t0 + 31, jitterFraction: .random(in: 0...1))
        #expect(released.status == .queued)
        #expect(released.attempt == 1)
        #expect(released.error == nil)
        #expect(released.instanceId == nil && released.leaseExpiresAt == nil)
        #expect(released.missAfter == Self.t0 + 60, "the grace still bounds it")
    }

    @Test(arguments: [(0, ExecutionStatus.failed, 1), (2, ExecutionStatus.queued, 2)])
    func aReapedStartedAttemptIsLostAndRetriedWhenAllowed(maxRetries: Int, status: ExecutionStatus, attempt: Int) throws {
        var spec = try interval()
        spec.retry = try RetryPolicy(maxRetries: maxRetries)
        let job = try Job.created(spec, system: false, now: Self.t0)
        let reaped = running(startedAt: Self.t0 + 1).reaped(job: job, now: Self.t0 + 31, jitterFraction: .random(in: 0...1))
        #expect(reaped.status == status)
        #expect(reaped.attempt == attempt)
        #expect(reaped.error?.reason == ExecutionError.workerLost)
        if status == .queued { #expect(reaped.missAfter == nil, "a retry is not bounded by the fire's grace") }
    }

    @Test func aReapedClaimOfADeletedJobIsCancelled() throws {
        let job = try Job.created(try interval(), system: false, now: Self.t0).deleted(now: Self.t0)
        #expect(running(startedAt: nil).reaped(job: job, now: Self.t0 + 31, jitterFraction: .random(in: 0...1)).status == .cancelled)
    }

    @Test func completionsApplyOnlyToTheAttemptTheyReport() {
        let execution = running(startedAt: Self.t0 + 1)
        let mine = Completion(
            executionId: execution.id, instanceId: "dead", attempt: 1, startedAt: Self.t0 + 1, finishedAt: Self.t0 + 2, outcome: .succeeded(result: "ok"))
        #expect(execution.completed(mine)?.status == .succeeded)
        #expect(execution.completed(mine)?.durationMs == 1000)
        var stale = mine
        stale.attempt = 2
        #expect(execution.completed(stale) == nil)
        var retry = mine
        retry.outcome = .failed(ExecutionError(reason: "exception", message: "boom"), result: nil, retryAt: Self.t0 + 10)
        let queued = execution.completed(retry)
        #expect(queued?.status == .queued && queued?.attempt == 2 && queued?.runAfter == Self.t0 + 10)
    }

    // MARK: - Waiting fires

    func waiting(_ job: UUID, at seconds: Double, grace: Double = 10) -> Execution {
        Execution(
            jobId: job, jobKey: "k", trigger: .scheduled, status: .queued, scheduledAt: Self.t0 + seconds, runAfter: Self.t0 + seconds,
            missAfter: Self.t0 + seconds + grace, createdAt: Self.t0)
    }

    @Test func waitingFiresPastTheirGraceAreMissed() {
        let job = UUID()
        let fires = [waiting(job, at: 0), waiting(job, at: 5)].map { WaitingFires.Waiting(execution: $0, coalesce: false) }
        let missed = WaitingFires.missed(fires, now: Self.t0 + 12)
        #expect(missed.map(\.scheduledAt) == [Self.t0])
        #expect(missed.first?.status == .missed)
        #expect(missed.first?.error?.reason == ExecutionError.misfire)
        #expect(WaitingFires.missed(fires, now: Self.t0 + 10).isEmpty, "at the deadline itself it may still start")
    }

    @Test func coalescingKeepsTheNewestWaitingFirePerJob() {
        let a = UUID()
        let b = UUID()
        let fires = [waiting(a, at: 0), waiting(a, at: 1), waiting(a, at: 2), waiting(b, at: 1)]
            .map { WaitingFires.Waiting(execution: $0, coalesce: true) }
        let missed = WaitingFires.missed(fires, now: Self.t0 + 3)
        #expect(missed.filter { $0.jobId == a }.map(\.scheduledAt) == [Self.t0, Self.t0 + 1])
        #expect(!missed.contains { $0.jobId == b })
    }

    @Test func aClaimBudgetHoldsMaxInstances() {
        let job = UUID()
        var budget = ClaimBudget(running: [job: 1])
        #expect(budget.admits(jobId: job, maxInstances: 2))
        budget.record(jobId: job)
        #expect(!budget.admits(jobId: job, maxInstances: 2))
        #expect(budget.admits(jobId: UUID(), maxInstances: 1))
    }
}
