import Foundation
import KairosStore

/// The running slots of the jobs a claim considers, as it read them from `job_slots`, and the
/// slots it takes: a running execution holds one numbered slot of its job below the job's
/// `maxInstances`, and the table's primary key (job, slot) gives each slot to one claim only, so
/// that two processes claiming at once cannot run more than `maxInstances` executions of a job.
///
/// Admission is ``ClaimBudget``'s rule (fewer running than `maxInstances`); the slot number is
/// the lowest one free. Two claims that read the same slots pick the same number: one takes the
/// slot's lock and inserts it (``PostgresJobStore/slotGate``), the other leaves it out, and
/// reads the job's slots again (``replace(_:of:)``).
struct JobSlots {
    private var held: [UUID: Set<Int>] = [:]
    /// How many of a job's held slots belong to executions that finished (their outcome not
    /// written yet, ``LocalClaim/finishing``): they do not count against `maxInstances`.
    private var finishing: [UUID: Int] = [:]

    /// The jobs whose slots were read.
    var jobs: Set<UUID> { Set(held.keys) }

    /// Adds the slots of jobs not read before, with how many of each job's are finishing; a job
    /// already read keeps what this claim knows.
    mutating func include(_ slots: [UUID: Set<Int>], finishing counts: [UUID: Int] = [:], of jobIds: some Sequence<UUID>) {
        for id in jobIds where held[id] == nil {
            held[id] = slots[id] ?? []
            finishing[id] = counts[id]
        }
    }

    /// Replaces what this claim knows of these jobs' slots with a new read.
    mutating func replace(_ slots: [UUID: Set<Int>], of jobIds: some Sequence<UUID>) {
        for id in jobIds { held[id] = slots[id] ?? [] }
    }

    /// Takes the lowest free slot of the job when one more execution of it may run, or nil. A
    /// slot freed only in memory (finishing) is not reused: the number taken is past every
    /// held one, so the job counts as full for everyone until the old slot is written free.
    mutating func take(jobId: UUID, maxInstances: Int) -> Int? {
        let taken = held[jobId, default: []]
        let running = taken.count - finishing[jobId, default: 0]
        guard ClaimBudget(running: [jobId: running]).admits(jobId: jobId, maxInstances: maxInstances),
            let slot = (0..<(maxInstances + taken.count)).first(where: { !taken.contains($0) })
        else { return nil }
        held[jobId, default: []].insert(slot)
        return slot
    }
}
