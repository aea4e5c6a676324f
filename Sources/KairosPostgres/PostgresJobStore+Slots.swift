import Foundation
import KairosStore
import PostgresNIO

/// A slot a claim asks for: execution `executionId` runs as slot `slot` of job `jobId`.
struct SlotClaim {
    var jobId: UUID
    var slot: Int
    var executionId: UUID
}

extension PostgresJobStore {
    /// The slots held by running executions of these jobs (``JobSlots``), and how many of each
    /// job's belong to executions in `finishing` (``LocalClaim/finishing``: returned, outcome not
    /// written yet).
    func heldSlots(of jobIds: [UUID], finishing: [UUID: UUID] = [:], session: Session) async throws -> (held: [UUID: Set<Int>], finishing: [UUID: Int]) {
        guard !jobIds.isEmpty else { return ([:], [:]) }
        var held: [UUID: Set<Int>] = [:]
        var finishingSlots: [UUID: Int] = [:]
        for row in try await session.rows("SELECT job_id, slot, execution_id FROM job_slots WHERE job_id = ANY($1::uuid[]) AND execution_id IS NOT NULL", [Bind(jobIds)]) {
            let jobId = try row[0].decode(UUID.self)
            held[jobId, default: []].insert(try row[1].decode(Int.self))
            if finishing[try row[2].decode(UUID.self)] != nil { finishingSlots[jobId, default: 0] += 1 }
        }
        return (held, finishingSlots)
    }

    /// What a claim must hold before it inserts a slot: the slot's advisory lock, taken only when
    /// free (`pg_try_advisory_xact_lock(hashtext(job), slot)`, the two-key space that no other
    /// lock of Kairos uses), until commit. Two open claims then never insert the same slot, so an
    /// insert never waits for another claim (which waited in a cycle across the statements of a
    /// claim, and in convoys behind whole scheduling passes): a slot whose lock is taken is left
    /// out as if it were held. An insert still waits for a completion that is freeing the slot
    /// (a short transaction that waits for no claim).
    static let slotGate = "pg_try_advisory_xact_lock(hashtext(job_id::text), slot)"

    /// The setting (`set_config(…, true)`: until the transaction ends) by which a statement
    /// that frees the slots of the rows it moves out of `running` turns the row trigger off;
    /// set back to empty right after it.
    static let slotsFreedSetting = "kairos.slots_freed_by"

    /// How a claim takes a slot: the row inserted the first time the job uses that slot, its
    /// execution set when it is free (`NULL`, freed by `kairos_free_job_slot`); a slot held is
    /// left out. The rows stay (migration `v6-job-slot-rows-kept`): the update, of a column no
    /// index holds, is a HOT update.
    static let takeFreeSlot = """
        ON CONFLICT (job_id, slot) DO UPDATE SET execution_id = excluded.execution_id WHERE job_slots.execution_id IS NULL
        RETURNING execution_id
        """

    /// Takes the slots that are free, behind ``slotGate``; a slot held or being taken is left
    /// out. Returns the executions whose slots were taken.
    func insertSlots(_ claims: [SlotClaim], session: Session) async throws -> Set<UUID> {
        guard !claims.isEmpty else { return [] }
        let rows = try await session.rows(
            """
            INSERT INTO job_slots (job_id, slot, execution_id)
            SELECT job_id, slot, execution_id FROM unnest($1::uuid[], $2::integer[], $3::uuid[]) AS s(job_id, slot, execution_id)
            WHERE \(Self.slotGate)
            \(Self.takeFreeSlot)
            """, [Bind(claims.map(\.jobId)), Bind(claims.map(\.slot)), Bind(claims.map(\.executionId))])
        return Set(try rows.map { try $0[0].decode(UUID.self) })
    }

    /// Frees the slots taken for executions that were not inserted after all.
    func freeSlots(_ claims: [SlotClaim], session: Session) async throws {
        guard !claims.isEmpty else { return }
        try await session.execute(
            """
            UPDATE job_slots s SET execution_id = NULL FROM unnest($1::uuid[], $2::integer[], $3::uuid[]) AS c(job_id, slot, execution_id)
            WHERE s.job_id = c.job_id AND s.slot = c.slot AND s.execution_id = c.execution_id
            """, [Bind(claims.map(\.jobId)), Bind(claims.map(\.slot)), Bind(claims.map(\.executionId))])
    }
}
