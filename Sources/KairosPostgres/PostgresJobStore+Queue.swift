import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    /// One transaction: pages of queued executions in priority order, each row locked as it is
    /// read (`FOR UPDATE SKIP LOCKED`: a row another claim holds is skipped), with the running
    /// slots of their jobs (``JobSlots``), so that `maxInstances` holds across processes; then,
    /// in one statement, the slots of the rows chosen inserted (a slot another claim holds is left
    /// out) and the rows that got one marked running. The rows of a page not taken (their job at
    /// `maxInstances`, past their grace) are free again when the claim commits.
    public func claimExecutions(instanceId: String, now: Date, horizon: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedExecution] {
        guard limit > 0 else { return [] }
        return try await write { session in
            try await session.execute("SET LOCAL enable_sort = off")
            var slots = JobSlots()
            var claimed: [ClaimedExecution] = []
            // Pages in claim order, each after the last row of the one before (a candidate
            // skipped is not read again: its job at maxInstances, a waiting fire past its grace
            // left to the scheduler's sweep, a slot another claim took); a bounded number.
            let pageSize = min(max(limit, 16), 1_000)
            let maximumScanned = limit * 8 + 2_000
            var scanned = 0
            var after: QueuePosition?
            while claimed.count < limit, scanned < maximumScanned {
                let page = try await self.queuedCandidates(now: now, horizon: horizon, limit: pageSize, after: after, session: session)
                guard let last = page.last?.claimed else { break }
                slots.include(Dictionary(page.map { ($0.claimed.job.id, $0.heldSlots) }, uniquingKeysWith: { first, _ in first }), of: page.map(\.claimed.job.id))
                let candidates = page.map(\.claimed)
                // Rounds over the page: a round that lost a slot to another claim reads those
                // jobs' slots again (what others committed, and what this claim took), and the
                // rest of the page is judged again against them.
                var pending = candidates
                while claimed.count < limit {
                    var chosen: [(candidate: ClaimedExecution, slot: Int)] = []
                    var rest: [ClaimedExecution] = []
                    for candidate in pending {
                        if claimed.count + chosen.count < limit, candidate.execution.isStartable(at: now),
                            let slot = slots.take(jobId: candidate.job.id, maxInstances: candidate.job.spec.maxInstances)
                        {
                            chosen.append((candidate, slot))
                        } else {
                            rest.append(candidate)
                        }
                    }
                    guard !chosen.isEmpty else { break }
                    let taken = try await self.takeSlots(
                        chosen.map { SlotClaim(jobId: $0.candidate.job.id, slot: $0.slot, executionId: $0.candidate.execution.id) },
                        instanceId: instanceId, leaseUntil: leaseUntil, session: session)
                    for (candidate, _) in chosen where taken.contains(candidate.execution.id) {
                        claimed.append(ClaimedExecution(execution: candidate.execution.claimed(by: instanceId, leaseUntil: leaseUntil), job: candidate.job))
                    }
                    let lostJobs = Set(chosen.filter { !taken.contains($0.candidate.execution.id) }.map(\.candidate.job.id))
                    guard !lostJobs.isEmpty else { break }
                    slots.replace(try await self.heldSlots(of: Array(lostJobs), session: session).held, of: lostJobs)
                    pending = rest
                }
                scanned += candidates.count
                after = QueuePosition(last.execution)
                if candidates.count < pageSize { break }
            }
            return claimed
        }
    }

    /// Claims executions this claim read and locked, each with its slot: the slots inserted
    /// behind ``slotGate``, the rows that got one marked running (still queued: the lock taken
    /// in the read re-checked the status, and nothing else can change them until commit).
    /// Returns the executions claimed.
    private func takeSlots(_ claims: [SlotClaim], instanceId: String, leaseUntil: Date, session: Session) async throws -> Set<UUID> {
        guard !claims.isEmpty else { return [] }
        return Set(
            try await session.rows(
                """
                WITH slotted AS (
                  INSERT INTO job_slots (job_id, slot, execution_id)
                  SELECT job_id, slot, execution_id FROM unnest($3::uuid[], $4::uuid[], $5::integer[]) AS c(execution_id, job_id, slot)
                  WHERE \(Self.slotGate)
                  \(Self.takeFreeSlot)
                )
                UPDATE executions SET status = 'running', instance_id = $1, lease_expires_at = $2,
                  started_at = NULL, finished_at = NULL, duration_ms = NULL, error_reason = NULL, error_message = NULL, result = NULL
                WHERE id IN (SELECT execution_id FROM slotted)
                RETURNING id
                """,
                [
                    Bind(instanceId), Bind(Micros.from(leaseUntil)), Bind(claims.map(\.executionId)), Bind(claims.map(\.jobId)),
                    Bind(claims.map(\.slot)),
                ]
            ).map { try $0[0].decode(UUID.self) })
    }

    /// Queued executions runnable by `horizon` of live jobs, in claim order after `after` (waiting
    /// fires past their grace are left out: the scheduler's sweep records them), with their jobs
    /// and the slots their jobs hold, each row locked `FOR UPDATE SKIP LOCKED`: claims running at
    /// once take disjoint pages instead of reading the same head of the queue and losing its rows
    /// to each other at the final lock (as River and Oban claim). The page is small (about the
    /// claim's limit) and held only until the claim commits.
    ///
    /// Read in the order of `executions_claim_order`, stopping after `limit` rows, whatever the
    /// planner believes: the claim's transaction turns sorts off (`SET LOCAL enable_sort`), as
    /// with statistics that lagged a growing queue (one queued row estimated) PostgreSQL read
    /// the whole backlog through a smaller index and sorted it for every page (85–105 ms a page
    /// at 15,000 queued, docs/PERFORMANCE.md).
    private func queuedCandidates(now: Date, horizon: Date, limit: Int, after: QueuePosition?, session: Session) async throws -> [QueuedCandidate] {
        try await session.rows(
            """
            SELECT \(Self.executionColumns(alias: "e")), \(Self.jobColumns),
              ARRAY(SELECT s.slot::bigint FROM job_slots s WHERE s.job_id = e.job_id AND s.execution_id IS NOT NULL) AS held_slots
            FROM executions e JOIN \(Self.jobSource) ON j.id = e.job_id
            WHERE e.status = 'queued' AND e.run_after <= $1 AND NOT j.deleted AND (e.miss_after IS NULL OR e.miss_after >= $2)
              AND ($4::integer IS NULL OR e.priority < $4::integer
                OR (e.priority = $4::integer AND (e.run_after, e.scheduled_at, e.id) > ($5::bigint, $6::bigint, $7::uuid)))
            ORDER BY e.priority DESC, e.run_after ASC, e.scheduled_at ASC, e.id ASC
            LIMIT $3 FOR UPDATE OF e SKIP LOCKED
            """,
            [
                Bind(Micros.from(horizon)), Bind(Micros.from(now)), Bind(limit), Bind(after?.priority), Bind(after?.runAfter),
                Bind(after?.scheduledAt), Bind(after?.id),
            ]
        ).map { row in
            QueuedCandidate(
                claimed: ClaimedExecution(execution: try self.decodeExecution(row), job: try self.decodeJob(row, offset: Self.executionColumnCount)),
                heldSlots: Set(try row[Self.executionColumnCount + Self.jobColumnCount].decode([Int].self)))
        }
    }

    public func recordStarts(_ starts: [AttemptStart]) async throws {
        guard !starts.isEmpty else { return }
        let records = starts.map {
            StartRecord(id: $0.executionId, instanceId: $0.instanceId, attempt: $0.attempt, startedAt: Micros.from($0.startedAt))
        }
        try await write { session in
            try await session.execute(
                """
                UPDATE executions e SET started_at = x.started_at
                FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, instance_id text, attempt integer, started_at bigint)
                WHERE e.id = x.id AND e.status = 'running' AND e.instance_id = x.instance_id AND e.attempt = x.attempt
                """, [Bind(try RecordsEncoder.encode(records))])
        }
    }

    public func earliestQueued(after: Date) async throws -> Date? {
        try await read { session in
            let rows = try await session.rows("SELECT MIN(run_after) FROM executions WHERE status = 'queued' AND run_after > $1", [Bind(Micros.from(after))])
            return Micros.date(try rows.first?[0].decode(Int64?.self) ?? nil)
        }
    }

    public func queueDepth(now: Date) async throws -> Int {
        try await read { session in
            let rows = try await session.rows("SELECT count(*) FROM executions WHERE status = 'queued' AND run_after <= $1", [Bind(Micros.from(now))])
            return try rows.first?[0].decode(Int.self) ?? 0
        }
    }

    /// One transaction, a few statements for the whole batch: the outcomes applied to rows still
    /// running for the same instance and attempt (final, retried, released), the others
    /// acknowledged when their attempt was cancelled meanwhile (``Execution/acknowledged(_:)``),
    /// and the jobs' last runs: those whose next fire this handle plans soon wait for that pass
    /// (``LastRunWrites``), the others and those whose time has come are written here.
    @discardableResult
    public func complete(_ completions: [Completion], now: Date) async throws -> [UUID] {
        guard !completions.isEmpty else { return [] }
        var seen: Set<UUID> = []
        var records: [CompletionRecord] = []
        var duplicates: [UUID] = []
        for completion in completions {
            guard seen.insert(completion.executionId).inserted else {
                duplicates.append(completion.executionId)
                continue
            }
            records.append(try CompletionRecord(completion))
        }
        let batch = records
        let ignoredDuplicates = duplicates
        let time = Micros.from(now)
        let result = try await write { session -> (ignored: [UUID], written: [LastRunRecord], waiting: [LastRunRecord], locked: [LastRunRecord]) in
            let json = try RecordsEncoder.encode(batch)
            // Every outcome moves its row out of `running`: the statement frees the slots itself
            // (one join), and the row trigger, 33 µs a row in a plpgsql call, stands aside.
            try await session.execute("SELECT set_config('\(Self.slotsFreedSetting)', 'statement', true)")
            let applied = try await session.rows(
                """
                WITH applied AS (
                UPDATE executions e SET
                  status = CASE x.kind WHEN 'final' THEN x.status ELSE 'queued' END,
                  started_at = CASE x.kind WHEN 'release' THEN e.started_at ELSE x.started_at END,
                  finished_at = CASE x.kind WHEN 'release' THEN e.finished_at ELSE x.finished_at END,
                  duration_ms = CASE x.kind WHEN 'release' THEN e.duration_ms ELSE x.duration_ms END,
                  error_reason = CASE x.kind WHEN 'release' THEN e.error_reason ELSE x.error_reason END,
                  error_message = CASE x.kind WHEN 'release' THEN e.error_message ELSE x.error_message END,
                  result = CASE x.kind WHEN 'release' THEN e.result ELSE x.result END,
                  run_after = CASE x.kind WHEN 'final' THEN e.run_after ELSE x.run_after END,
                  attempt = CASE x.kind WHEN 'retry' THEN e.attempt + 1 ELSE e.attempt END,
                  instance_id = CASE x.kind WHEN 'final' THEN e.instance_id ELSE NULL END,
                  miss_after = CASE x.kind WHEN 'retry' THEN NULL ELSE e.miss_after END,
                  attempts = CASE x.kind WHEN 'retry'
                    THEN (COALESCE(e.attempts::jsonb, '[]'::jsonb) || jsonb_build_array(x.retried::jsonb))::text ELSE e.attempts END,
                  lease_expires_at = NULL
                FROM jsonb_to_recordset($1::jsonb) AS x(
                  id uuid, instance_id text, attempt integer, kind text, status text, started_at bigint, finished_at bigint, duration_ms bigint,
                  error_reason text, error_message text, result text, run_after bigint, retried text)
                WHERE e.id = x.id AND e.status = 'running' AND e.instance_id = x.instance_id AND e.attempt = x.attempt
                RETURNING e.id, e.job_id
                ), freed AS (
                  UPDATE job_slots s SET execution_id = NULL FROM applied a WHERE s.job_id = a.job_id AND s.execution_id = a.id
                )
                SELECT id, job_id FROM applied
                """, [Bind(json)])
            try await session.execute("SELECT set_config('\(Self.slotsFreedSetting)', '', true)")
            var jobOf: [UUID: UUID] = [:]
            for row in applied { jobOf[try row[0].decode(UUID.self)] = try row[1].decode(UUID.self) }
            let ignored = batch.filter { jobOf[$0.id] == nil }
            if !ignored.isEmpty {
                // A completion for an attempt cancelled meanwhile: its timing and result (none for a
                // release), and no more lease, so heartbeats stop reporting it.
                try await session.execute(
                    """
                    UPDATE executions e SET
                      started_at = CASE x.kind WHEN 'release' THEN e.started_at ELSE x.started_at END,
                      finished_at = CASE x.kind WHEN 'release' THEN e.finished_at ELSE x.finished_at END,
                      duration_ms = CASE x.kind WHEN 'release' THEN e.duration_ms ELSE x.duration_ms END,
                      result = CASE x.kind WHEN 'release' THEN e.result ELSE x.result END,
                      lease_expires_at = NULL
                    FROM jsonb_to_recordset($1::jsonb) AS x(
                      id uuid, instance_id text, attempt integer, kind text, started_at bigint, finished_at bigint, duration_ms bigint, result text)
                    WHERE e.id = x.id AND e.status = 'cancelled' AND e.instance_id = x.instance_id AND e.attempt = x.attempt
                    """, [Bind(try RecordsEncoder.encode(ignored))])
            }
            // The job's last run: the last final outcome of the batch for each job, written now
            // unless this handle's pass writes it with the job's next fire.
            let writes = self.lastRunWrites.withLock { $0 }
            var lastRuns = writes.due(now: time)
            var waiting: [UUID: LastRunRecord] = [:]
            for record in batch where record.kind == "final" {
                if let jobId = jobOf[record.id] {
                    let run = LastRunRecord(id: jobId, lastRunAt: record.startedAt, lastStatus: record.status ?? "")
                    if writes.defers(run, now: time) {
                        LastRunRecord.merge(run, into: &waiting)
                    } else {
                        LastRunRecord.merge(run, into: &lastRuns)
                    }
                }
            }
            let locked = try await self.recordLastRuns(lastRuns, session: session)
            try await self.notifyRunnable(batch.filter { jobOf[$0.id] != nil }, jobOf: jobOf, session: session)
            return (
                ignored.map(\.id) + ignoredDuplicates, lastRuns.values.filter { !locked.contains($0.id) }, Array(waiting.values),
                lastRuns.values.filter { locked.contains($0.id) }
            )
        }
        lastRunWrites.withLock { writes in
            writes.written(result.written)
            for run in result.locked { writes.add(run, writeBy: time) }
            for run in result.waiting { writes.add(run, writeBy: time + LastRunWrites.deferral) }
        }
        return result.ignored
    }

    /// Writes the jobs' last runs without waiting for a job row another transaction holds (a
    /// scheduling pass locks the jobs it fires, and every job that just ran is due again soon):
    /// waiting there kept the executions of the batch `running` for the length of the pass, so
    /// the next fires of those jobs found them at `maxInstances` and queued behind them. Returns
    /// the jobs whose row was locked: their runs are written with a later batch or pass
    /// (``LastRunWrites``). A last run never goes back in time.
    func recordLastRuns(_ runs: [UUID: LastRunRecord], waitingForLocks: Bool = false, session: Session) async throws -> Set<UUID> {
        guard !runs.isEmpty else { return [] }
        let locked = waitingForLocks ? Set(runs.keys) : Set(
            try await session.rows(
                "SELECT job_id FROM job_runs WHERE job_id = ANY($1::uuid[]) ORDER BY job_id FOR NO KEY UPDATE SKIP LOCKED", [Bind(Array(runs.keys))]
            ).map { try $0[0].decode(UUID.self) })
        let writable = runs.values.filter { locked.contains($0.id) }
        if !writable.isEmpty {
            try await session.execute(
                """
                UPDATE job_runs r SET last_run_at = x.last_run_at, last_status = x.last_status
                FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, last_run_at bigint, last_status text)
                WHERE r.job_id = x.id AND (r.last_run_at IS NULL OR r.last_run_at <= x.last_run_at)
                """, [Bind(try RecordsEncoder.encode(writable))])
        }
        return Set(runs.keys).subtracting(locked)
    }

    /// Writes every last run still waiting (``LastRunWrites``), for rows other transactions hold
    /// too: a graceful shutdown's last write. A failure is logged: the executions are stored, only
    /// the jobs' last runs lag until their next run.
    func writeWaitingLastRuns() async {
        let runs = lastRunWrites.withLock { $0.all }
        guard !runs.isEmpty else { return }
        do {
            _ = try await write { session in try await self.recordLastRuns(runs, waitingForLocks: true, session: session) }
            lastRunWrites.withLock { $0.written(runs.values) }
        } catch {
            logger.warning("jobs' last runs not written at shutdown", metadata: ["jobs": "\(runs.count)", "error": "\(error)"])
        }
    }

    /// After completions: work for any instance's workers when an attempt was queued again
    /// (retry, release) or a final outcome freed a slot of a job with queued executions (behind
    /// `maxInstances`). One notification per batch at most.
    private func notifyRunnable(_ applied: [CompletionRecord], jobOf: [UUID: UUID], session: Session) async throws {
        if applied.contains(where: { $0.kind != "final" }) { return try await session.notify(.work) }
        let finished = Array(Set(applied.compactMap { jobOf[$0.id] }))
        guard !finished.isEmpty else { return }
        try await session.execute(
            "SELECT pg_notify($1, $2) WHERE EXISTS (SELECT 1 FROM executions WHERE job_id = ANY($3::uuid[]) AND status = 'queued')",
            [Bind(Self.changeChannel), Bind(StoreChange.work.payload), Bind(finished)])
    }

    public func cancel(executionId: UUID, now: Date) async throws -> Execution {
        try await write { session in
            guard
                let stored = try await session.rows("SELECT \(Self.executionColumns) FROM executions WHERE id = $1 FOR UPDATE", [Bind(executionId)])
                    .first.map({ try self.decodeExecution($0) })
            else {
                throw StoreError(.notFound, "no execution with id \(executionId.uuidString)", executionId: executionId)
            }
            let execution = try stored.cancelled(now: now)
            try await session.execute(
                "UPDATE executions SET status = 'cancelled', error_reason = $1, error_message = $2, finished_at = $3, duration_ms = $4 WHERE id = $5",
                [Bind(execution.error?.reason), Bind(execution.error?.message), Bind(Micros.from(now)), Bind(execution.durationMs), Bind(executionId)])
            return execution
        }
    }
}

/// A queued execution a claim may take, with the slots its job held when the page was read.
struct QueuedCandidate {
    var claimed: ClaimedExecution
    var heldSlots: Set<Int>
}

/// A queued execution's place in claim order (priority first, then due time, fire, id).
struct QueuePosition {
    var priority: Int
    var runAfter: Int64
    var scheduledAt: Int64
    var id: UUID

    init(_ execution: Execution) {
        priority = execution.priority
        runAfter = Micros.from(execution.runAfter)
        scheduledAt = Micros.from(execution.scheduledAt)
        id = execution.id
    }
}

/// An attempt's start (`jsonb_to_recordset` of ``PostgresJobStore/recordStarts(_:)``).
struct StartRecord: Encodable {
    var id: UUID
    var instanceId: String
    var attempt: Int
    var startedAt: Int64
}

/// One outcome as the batch update of ``PostgresJobStore/complete(_:now:)`` reads it: `kind`
/// `final` (succeeded, or failed for good), `retry` (queued again, the attempt kept in
/// `retried`) or `release` (queued again, not counted).
struct CompletionRecord: Encodable, Sendable {
    var id: UUID
    var instanceId: String
    var attempt: Int
    var kind: String
    var status: String?
    var startedAt: Int64
    var finishedAt: Int64
    var durationMs: Int
    var errorReason: String?
    var errorMessage: String?
    var result: String?
    var runAfter: Int64?
    var retried: String?

    init(_ completion: Completion) throws {
        id = completion.executionId
        instanceId = completion.instanceId
        attempt = completion.attempt
        startedAt = Micros.from(completion.startedAt)
        finishedAt = Micros.from(completion.finishedAt)
        durationMs = completion.durationMs
        switch completion.outcome {
        case .succeeded(let result):
            kind = "final"
            status = ExecutionStatus.succeeded.rawValue
            self.result = result
        case .failed(let error, let result, let retryAt?):
            kind = "retry"
            errorReason = error.reason
            errorMessage = error.message
            self.result = result
            runAfter = Micros.from(retryAt)
            retried = try AttemptsColumn.encode(ExecutionAttempt(retried: completion, error: error, result: result))
        case .failed(let error, let result, nil):
            kind = "final"
            status = ExecutionStatus.failed.rawValue
            errorReason = error.reason
            errorMessage = error.message
            self.result = result
        case .released(let releasedUntil):
            kind = "release"
            runAfter = Micros.from(releasedUntil)
        }
    }
}

/// A job's last run (`jsonb_to_recordset` of the jobs update after completions).
struct LastRunRecord: Encodable, Sendable, Equatable {
    var id: UUID
    var lastRunAt: Int64
    var lastStatus: String

    /// Keeps the later of `run` and the one already in `runs` for its job.
    static func merge(_ run: LastRunRecord, into runs: inout [UUID: LastRunRecord]) {
        runs[run.id] = runs[run.id].map { later($0, run) } ?? run
    }

    /// The later of two runs of a job, `b` on a tie: a last run never goes back in time.
    static func later(_ a: LastRunRecord, _ b: LastRunRecord) -> LastRunRecord {
        a.lastRunAt > b.lastRunAt ? a : b
    }
}
