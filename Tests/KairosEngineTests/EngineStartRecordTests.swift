import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import MemoryJobStore
import Testing

/// A task whose effects leave the process (`recordsStartBeforeRunning`) runs only once its
/// attempt's start is in the store: an instance killed while it runs leaves a started attempt
/// (failed `worker lost`, retried only as the job allows), never a claim that looks unstarted
/// and is released to run again as the same attempt.
@Suite("Attempt starts recorded before the task runs", .timeLimit(.minutes(1)))
struct EngineStartRecordTests {
    let t0 = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z

    /// `test.outside`: reads its own execution from the store as it runs and reports whether
    /// the store knew it had started.
    struct OutsideTask: KairosTask {
        let name = "test.outside"
        let store: Locked<(any JobStore)?>
        var recordsStartBeforeRunning: Bool { true }

        func validate(args: JSONValue) throws(ValidationError) {}

        func run(args: JSONValue, context: TaskContext) async throws -> String? {
            let stored = try await store.withLock { $0 }?.execution(id: context.executionId)
            return stored?.startedAt == nil ? "start not recorded" : "start recorded"
        }
    }

    @Test("a task whose effects leave the process finds its start in the store when it runs")
    func startRecordedFirst() async throws {
        let clock = ManualClock(t0)
        let shared = Locked<(any JobStore)?>(nil)
        try await withManualEngine(
            clock: clock, prepare: { store in shared.withLock { $0 = store } }, register: { $0.register(OutsideTask(store: shared)) }
        ) { run in
            let job = try await run.engine.jobs.create(
                try JobSpec(key: "outside", task: "test.outside", schedule: .date(DateSchedule(runAt: t0 + 365 * 86_400))))
            for _ in 1...3 { _ = try await run.engine.jobs.trigger(id: job.id) }
            let succeeded = try await run.log.wait(for: "execution.succeeded", count: 3)
            #expect(succeeded.map { $0.execution?.result } == Array(repeating: "start recorded", count: 3))
        }
    }

    @Test("http.request and shell.command record their starts first; system.noop and system.sleep do not wait for a write")
    func builtInTasks() {
        #expect(HTTPRequestTask(httpClient: HTTPRequestTask.defaultClient).recordsStartBeforeRunning)
        #expect(ShellCommandTask(allowed: true).recordsStartBeforeRunning)
        #expect(!NoopTask().recordsStartBeforeRunning)
        #expect(!SleepTask().recordsStartBeforeRunning)
    }
}
