import Foundation

/// The jobs' last runs a handle has yet to write to `job_runs`, and when each must be written.
///
/// A job that fires every second gets two new `job_runs` versions a fire if its outcome writes
/// the last run and its next pass the next fire: 4 index entries each, with a row lock and two
/// statements per outcome batch. So when this handle's own scheduling pass plans the job's next
/// fire within ``deferral`` of the outcome, the last run waits for that pass and goes into the
/// same row update (docs/POSTGRES.md, "Last runs"). A last run waits at most ``deferral``: then
/// the next outcome batch or pass writes it by itself, and so does a graceful shutdown.
///
/// Times are microseconds of the store's clock, as the rows hold them.
struct LastRunWrites: Sendable {
    /// How long a last run may wait for its job's next pass.
    static let deferral: Int64 = 1_000_000

    /// A last run not written yet, and when it must be at the latest.
    struct Pending: Sendable, Equatable {
        var run: LastRunRecord
        var writeBy: Int64
    }

    private(set) var pending: [UUID: Pending] = [:]
    /// When this handle's pass that plans each job's next fire runs (the fire less the
    /// look-ahead), for the jobs its passes with a local claim advanced; fires further off
    /// than two ``deferral``s are not kept.
    private var passes: [UUID: Int64] = [:]
    /// When ``passes`` was last cleared of times long past.
    private var prunedAt: Int64 = .min

    /// Notes the jobs a pass with a local claim advanced, and their next fires (`nil`: none);
    /// `horizon` is the pass's: the pass planning a fire runs that much before it.
    mutating func planned(_ advances: [(jobId: UUID, nextRunAt: Int64?)], now: Int64, horizon: Int64) {
        let lookahead = horizon - now
        for advance in advances {
            let pass = advance.nextRunAt.map { $0 - lookahead }
            if let pass, pass <= now + 2 * Self.deferral { passes[advance.jobId] = pass } else { passes[advance.jobId] = nil }
        }
        guard prunedAt <= now - Self.deferral else { return }
        prunedAt = now
        passes = passes.filter { $0.value >= now - Self.deferral }
    }

    /// Whether `run`, a final outcome written at `now`, waits for the pass that plans its job's
    /// next fire: this handle's, within ``deferral``.
    func defers(_ run: LastRunRecord, now: Int64) -> Bool {
        guard let pass = passes[run.id] else { return false }
        return pass <= now + Self.deferral
    }

    /// Adds `run`, to be written by `writeBy`: a later run of the job replaces an earlier one,
    /// and the earlier deadline stays.
    mutating func add(_ run: LastRunRecord, writeBy: Int64) {
        guard let existing = pending[run.id] else {
            pending[run.id] = Pending(run: run, writeBy: writeBy)
            return
        }
        pending[run.id] = Pending(run: LastRunRecord.later(existing.run, run), writeBy: min(existing.writeBy, writeBy))
    }

    /// The pending runs of `jobIds` (a pass writes them with the jobs' next fires).
    func runs(of jobIds: some Sequence<UUID>) -> [UUID: LastRunRecord] {
        var runs: [UUID: LastRunRecord] = [:]
        for id in jobIds { if let entry = pending[id] { runs[id] = entry.run } }
        return runs
    }

    /// The pending runs whose deadline has come, but those of `excluded`.
    func due(now: Int64, excluding excluded: Set<UUID> = []) -> [UUID: LastRunRecord] {
        var runs: [UUID: LastRunRecord] = [:]
        for (id, entry) in pending where entry.writeBy <= now && !excluded.contains(id) { runs[id] = entry.run }
        return runs
    }

    /// Every pending run (a graceful shutdown writes them all).
    var all: [UUID: LastRunRecord] { pending.mapValues(\.run) }

    /// Forgets the runs written, unless a later run of the job came meanwhile.
    mutating func written(_ runs: some Sequence<LastRunRecord>) {
        for run in runs where (pending[run.id]?.run.lastRunAt ?? .max) <= run.lastRunAt { pending[run.id] = nil }
    }
}
