import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    /// The most waiting fires one pass records as missed (the rest go in the next pass).
    static let waitingSweepLimit = 5_000

    /// This instance's look-ahead share (`$5`: its id), as a common table expression `share`
    /// (`position`, `total`; no row for an instance that has none): the live instances that
    /// schedule and work, in id order. A job is in the share at `position` when
    /// `uuid_hash(job_id)` modulo `total` is that position (docs/POSTGRES.md, "Look-ahead shares").
    static let lookaheadShare = """
        WITH peers AS (
          SELECT id, (row_number() OVER (ORDER BY id) - 1)::integer AS position, (count(*) OVER ())::integer AS total FROM instances
          WHERE stopped_at IS NULL AND ',' || roles || ',' LIKE '%,scheduler,%' AND ',' || roles || ',' LIKE '%,worker,%'
        ), share AS (SELECT position, total FROM peers WHERE id = $5)
        """

    /// Whether job `r.job_id` is in ``lookaheadShare``'s share (true without a share).
    static let inLookaheadShare = "COALESCE((uuid_hash(r.job_id) & 1073741823) % (SELECT total FROM share) = (SELECT position FROM share), true)"

    /// What the scheduling pass decided for one fire, in the order it decided it (so that
    /// `FireBatch.missed` lists fires as the SQLite driver does).
    private enum Step {
        case missed(Execution)
        /// A queued run of a coalescing job: it supersedes the job's older waiting fires.
        case coalescing(Execution)
    }

    /// One transaction, a constant number of statements per batch: the sweep of waiting fires,
    /// the due jobs locked `FOR NO KEY UPDATE SKIP LOCKED` (a job another scheduler holds is
    /// skipped: it is that scheduler's; with a local claim, a fire not due yet is left to the
    /// instance whose look-ahead share holds the job), the running slots of the runs it hands
    /// to its own workers (``JobSlots``), one insert of every new execution (a fire that has one
    /// already is left out by the unique (job, fire) index), the coalesced fires, one update of
    /// every job.
    ///
    /// The update of the jobs carries the last runs this handle kept for them (``LastRunWrites``),
    /// and the pass writes those kept for other jobs longer than they may wait.
    public func claimDueFires(now: Date, horizon: Date, limit: Int, localClaim: LocalClaim?) async throws -> FireBatch {
        let limit = max(limit, 0)
        let time = Micros.from(now)
        let pass = try await write { session -> (batch: FireBatch, written: [LastRunRecord], advances: [JobAdvance]) in
            var batch = FireBatch()
            try await self.recordMissed(try await self.expiredWaitingFires(now: now, session: session), now: now, into: &batch, session: session)
            guard limit > 0 else { return (batch, [], []) }
            // With a local claim, a job whose every slot is held (and none by a run of this
            // instance that returned: its slot is free but for the write) is left until its fire
            // is due instead of planned ahead: planned now, its run could not be taken for the
            // local workers and would be queued, a second write; a few passes later (its
            // previous run written) it can (docs/POSTGRES.md, "Scheduling"). And with a local
            // claim, a fire not due yet is planned only by the instance whose look-ahead share
            // holds its job; a due one by any, its own share's first: instances that fell behind
            // each work their own share instead of racing for the same rows, and take the others'
            // (a stopped instance's) once theirs is done.
            let jobs = try await session.rows(
                """
                \(Self.lookaheadShare)
                SELECT \(Self.jobColumns) FROM \(Self.jobSource)
                WHERE \(Self.dueCondition) AND r.next_run_at <= $1
                  AND ($3::bigint IS NULL OR r.next_run_at <= $3::bigint
                    OR (\(Self.inLookaheadShare)
                      AND (r.job_id = ANY($4::uuid[])
                        OR (SELECT count(*) FROM (SELECT 1 FROM job_slots s WHERE s.job_id = r.job_id AND s.execution_id IS NOT NULL LIMIT j.max_instances) h) < j.max_instances)))
                ORDER BY \(Self.inLookaheadShare) DESC, r.next_run_at LIMIT $2 FOR NO KEY UPDATE OF r SKIP LOCKED
                """,
                [
                    Bind(Micros.from(horizon)), Bind(limit), Bind(localClaim.map { _ in Micros.from(now) }),
                    Bind(Array(Set((localClaim?.finishing ?? [:]).values))), Bind(localClaim?.instanceId),
                ]
            ).map { try self.decodeJob($0) }
            batch.jobsClaimed = jobs.count
            let jobIds = jobs.map(\.id)
            let writes = self.lastRunWrites.withLock { $0 }
            let overdue = writes.due(now: time, excluding: Set(jobIds))
            let locked = try await self.recordLastRuns(overdue, session: session)
            var written = overdue.values.filter { !locked.contains($0.id) }
            guard !jobs.isEmpty else { return (batch, written, []) }
            let carried = writes.runs(of: jobIds)
            var slots: JobSlots?
            var localRoom = 0
            if let localClaim, localClaim.limit > 0, try await !self.hasRunnableQueued(now: now, session: session) {
                localRoom = localClaim.limit
                let read = try await self.heldSlots(of: jobIds, finishing: localClaim.finishing, session: session)
                var held = JobSlots()
                held.include(read.held, finishing: read.finishing, of: jobIds)
                slots = held
            }
            let plans = jobs.compactMap { job in job.nextRunAt.map { (job: job, plan: DueJobPlan(job: job, nextRunAt: $0, now: now, horizon: horizon)) } }
            var local: [SlotClaim] = []
            for (job, plan) in plans {
                for run in plan.runs where localRoom > 0 {
                    guard let slot = slots?.take(jobId: job.id, maxInstances: job.spec.maxInstances) else { continue }
                    localRoom -= 1
                    local.append(SlotClaim(jobId: job.id, slot: slot, executionId: run.id))
                }
            }
            // The local claims' slots first: a run whose slot another claim took meanwhile (a
            // worker claiming an older fire of the job) goes through the queue instead.
            let claimedRuns = try await self.insertSlots(local, session: session)
            var inserts: [Execution] = []
            var steps: [Step] = []
            var finished = 0
            var advances: [JobAdvance] = []
            for (job, plan) in plans {
                for execution in plan.missed {
                    inserts.append(execution)
                    steps.append(.missed(execution))
                }
                for run in plan.runs {
                    if let localClaim, claimedRuns.contains(run.id) {
                        let execution = run.claimed(by: localClaim.instanceId, leaseUntil: localClaim.leaseUntil)
                        inserts.append(execution)
                        batch.claimed.append(ClaimedExecution(execution: execution, job: job))
                    } else {
                        inserts.append(run)
                        if job.spec.coalesce { steps.append(.coalescing(run)) }
                        batch.queued.append(run)
                    }
                }
                if plan.nextRunAt == nil { finished += 1 }
                advances.append(JobAdvance(id: job.id, nextRunAt: Micros.optional(plan.nextRunAt), lastMissed: Micros.optional(plan.lastMissed), carried: carried[job.id]))
            }
            // No read of the fires that exist already (the job rows are locked, so none should
            // appear): the unique (job, fire) index leaves them out, and a local slot taken for
            // one is freed. That read cost more than any other statement of an overloaded pass.
            let inserted = try await self.insertExecutions(inserts, session: session)
            try await self.freeSlots(local.filter { claimedRuns.contains($0.executionId) && !inserted.contains($0.executionId) }, session: session)
            batch.queued.removeAll { !inserted.contains($0.id) }
            batch.claimed.removeAll { !inserted.contains($0.execution.id) }
            try await self.applyCoalescing(steps.filter { step in
                if case .coalescing(let run) = step { return inserted.contains(run.id) }
                if case .missed(let execution) = step { return inserted.contains(execution.id) }
                return false
            }, now: now, into: &batch, session: session)
            // A missed fire is the last run as it is (as SQLite records it); a carried run only
            // when it is not older than the one stored.
            try await session.execute(
                """
                UPDATE job_runs r SET next_run_at = x.next_run_at,
                  last_run_at = CASE WHEN x.missed OR r.last_run_at IS NULL OR r.last_run_at <= x.last_run_at
                    THEN COALESCE(x.last_run_at, r.last_run_at) ELSE r.last_run_at END,
                  last_status = CASE WHEN x.missed OR r.last_run_at IS NULL OR r.last_run_at <= x.last_run_at
                    THEN COALESCE(x.last_status, r.last_status) ELSE r.last_status END
                FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, next_run_at bigint, last_run_at bigint, last_status text, missed boolean)
                WHERE r.job_id = x.id
                """, [Bind(try RecordsEncoder.encode(advances))])
            written += advances.compactMap { carried[$0.id] }
            // Due jobs are active; those left without a next fire are now finished (no trigger
            // watches next_run_at, which every fire moves).
            if finished > 0 {
                try await session.execute(
                    "UPDATE job_counts SET jobs = jobs + CASE state WHEN 'finished' THEN $1::bigint ELSE -$1::bigint END WHERE state IN ('active', 'finished')",
                    [Bind(finished)])
            }
            // One notification for the whole pass: queued fires are any instance's to claim.
            if !batch.queued.isEmpty { try await session.notify(.work) }
            return (batch, written, advances)
        }
        lastRunWrites.withLock { writes in
            writes.written(pass.written)
            // With a local claim this handle plans its share's fires ahead: their jobs' next
            // outcomes may wait for those passes.
            if localClaim != nil {
                writes.planned(pass.advances.map { ($0.id, $0.nextRunAt) }, now: time, horizon: Micros.from(horizon))
            }
        }
        return pass.batch
    }

    /// Whether queued work without a grace deadline (a retry, a manual run) is runnable at
    /// `now`: then new fires go through the queue, behind it (``FireScheduling``).
    func hasRunnableQueued(now: Date, session: Session) async throws -> Bool {
        try await !session.rows(
            "SELECT 1 FROM executions WHERE status = 'queued' AND miss_after IS NULL AND run_after <= $1 LIMIT 1", [Bind(Micros.from(now))]
        ).isEmpty
    }

    /// The waiting fires past their grace, oldest deadline first; a fire a worker is claiming
    /// right now (locked) is left to that claim.
    private func expiredWaitingFires(now: Date, session: Session) async throws -> [WaitingFires.Waiting] {
        try await session.rows(
            """
            SELECT \(Self.executionColumns(alias: "e")), j.coalesce_fires
            FROM executions e JOIN jobs j ON j.id = e.job_id
            WHERE e.status = 'queued' AND e.miss_after IS NOT NULL AND e.miss_after < $1
            ORDER BY e.miss_after LIMIT $2 FOR UPDATE OF e SKIP LOCKED
            """, [Bind(Micros.from(now)), Bind(Self.waitingSweepLimit)]
        ).map { row in
            WaitingFires.Waiting(execution: try self.decodeExecution(row), coalesce: try row[Self.executionColumnCount].decode(Bool.self))
        }
    }

    /// Replays the pass's steps: the missed fires it inserted, and for each new queued run of a
    /// coalescing job the job's older waiting fires it supersedes (``WaitingFires``), one after
    /// the other as the SQLite driver does, from one read of those jobs' waiting fires.
    private func applyCoalescing(_ steps: [Step], now: Date, into batch: inout FireBatch, session: Session) async throws {
        let coalescingJobs = Set(steps.compactMap { step -> UUID? in
            if case .coalescing(let run) = step { return run.jobId }
            return nil
        })
        var waiting: [UUID: [Execution]] = [:]
        if !coalescingJobs.isEmpty {
            let rows = try await session.rows(
                """
                SELECT \(Self.executionColumns) FROM executions
                WHERE job_id = ANY($1::uuid[]) AND status = 'queued' AND miss_after IS NOT NULL
                ORDER BY job_id, scheduled_at FOR UPDATE SKIP LOCKED
                """, [Bind(Array(coalescingJobs))])
            for row in rows {
                let execution = try decodeExecution(row)
                waiting[execution.jobId, default: []].append(execution)
            }
        }
        var missed: [Execution] = []
        for step in steps {
            switch step {
            case .missed(let execution):
                batch.missed.append(execution)
            case .coalescing(let run):
                let older = (waiting[run.jobId] ?? []).filter { $0.scheduledAt < run.scheduledAt }
                guard !older.isEmpty else { continue }
                let superseded = WaitingFires.missed(
                    older.map { WaitingFires.Waiting(execution: $0, coalesce: true) } + [WaitingFires.Waiting(execution: run, coalesce: true)], now: now)
                let ids = Set(superseded.map(\.id))
                waiting[run.jobId]?.removeAll { ids.contains($0.id) }
                missed += superseded
                batch.missed += superseded
            }
        }
        try await updateMissed(missed, session: session)
    }

    /// Records the waiting fires ``WaitingFires`` says are missed.
    private func recordMissed(_ waiting: [WaitingFires.Waiting], now: Date, into batch: inout FireBatch, session: Session) async throws {
        guard !waiting.isEmpty else { return }
        let missed = WaitingFires.missed(waiting, now: now)
        let changed = try await updateMissed(missed, session: session)
        batch.missed += missed.filter { changed.contains($0.id) }
    }

    /// Marks queued executions missed as `executions` say; returns the ids changed.
    @discardableResult
    private func updateMissed(_ executions: [Execution], session: Session) async throws -> Set<UUID> {
        guard !executions.isEmpty else { return [] }
        let records = executions.map {
            MissedRecord(id: $0.id, finishedAt: Micros.optional($0.finishedAt), errorReason: $0.error?.reason, errorMessage: $0.error?.message)
        }
        let rows = try await session.rows(
            """
            UPDATE executions e SET status = 'missed', finished_at = x.finished_at, error_reason = x.error_reason, error_message = x.error_message
            FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, finished_at bigint, error_reason text, error_message text)
            WHERE e.id = x.id AND e.status = 'queued'
            RETURNING e.id
            """, [Bind(try RecordsEncoder.encode(records))])
        return Set(try rows.map { try $0[0].decode(UUID.self) })
    }

    public func trigger(jobId: UUID, now: Date) async throws -> Execution {
        try await write { session in
            let execution = try Job.manualExecution(of: try await self.fetchJob(id: jobId, session: session), id: jobId, now: now)
            try await self.insertExecutions([execution], session: session)
            try await session.notify(.work)
            return execution
        }
    }
}

/// A job's new scheduler state after a pass (`jsonb_to_recordset` of the jobs update): its next
/// fire, and its last run when the pass recorded a miss or carries a run (the later of the two).
struct JobAdvance: Encodable {
    var id: UUID
    var nextRunAt: Int64?
    var lastRunAt: Int64?
    var lastStatus: String?
    /// The last run is a fire the pass recorded missed.
    var missed: Bool

    init(id: UUID, nextRunAt: Int64?, lastMissed: Int64?, carried: LastRunRecord?) {
        self.id = id
        self.nextRunAt = nextRunAt
        if let carried, carried.lastRunAt > lastMissed ?? .min {
            (lastRunAt, lastStatus, missed) = (carried.lastRunAt, carried.lastStatus, false)
        } else {
            (lastRunAt, lastStatus, missed) = (lastMissed, lastMissed.map { _ in ExecutionStatus.missed.rawValue }, lastMissed != nil)
        }
    }
}

/// A waiting fire recorded missed.
struct MissedRecord: Encodable {
    var id: UUID
    var finishedAt: Int64?
    var errorReason: String?
    var errorMessage: String?
}
