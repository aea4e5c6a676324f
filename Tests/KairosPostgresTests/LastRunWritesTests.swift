import Foundation
import Testing

@testable import KairosPostgres

/// `LastRunWrites`: which last runs wait for the handle's next pass, for how long, and which
/// one of a job's runs is kept.
@Suite("Last run writes")
struct LastRunWritesTests {
    private static let job = UUID()
    private static let second: Int64 = 1_000_000

    private static func run(at seconds: Int64, _ status: String = "succeeded") -> LastRunRecord {
        LastRunRecord(id: job, lastRunAt: seconds * second, lastStatus: status)
    }

    /// A pass at 10 s with 0.8 s of look-ahead planned the job's next fire at `next` seconds.
    private static func planned(next: Double?) -> LastRunWrites {
        var writes = LastRunWrites()
        writes.planned([(job, next.map { Int64($0 * Double(second)) })], now: 10 * second, horizon: 10 * second + 800_000)
        return writes
    }

    @Test("an outcome at 10.1 s waits when the pass that plans the job's next fire comes within a second", arguments: [
        (11.0 as Double?, true),  // planned at 10.2 s
        (11.5, true),  // planned at 10.7 s
        (12.0, false),  // planned at 11.2 s: past the second
        (nil, false),  // no next fire
    ])
    func defers(next: Double?, waits: Bool) {
        #expect(Self.planned(next: next).defers(Self.run(at: 10), now: 10 * Self.second + 100_000) == waits)
    }

    @Test("a job this handle did not plan is written at once, and so is a job whose plan is long past")
    func unplanned() {
        #expect(!LastRunWrites().defers(Self.run(at: 10), now: 10 * Self.second))
        var writes = Self.planned(next: 11)
        writes.planned([], now: 14 * Self.second, horizon: 14 * Self.second)
        #expect(!writes.defers(Self.run(at: 14), now: 14 * Self.second), "pruned: the pass at 10.2 s is more than a second past")
    }

    @Test("a job's later run replaces an earlier one, and the earlier deadline stays")
    func keepsLaterRun() {
        var writes = LastRunWrites()
        writes.add(Self.run(at: 5, "failed"), writeBy: 6 * Self.second)
        writes.add(Self.run(at: 7), writeBy: 8 * Self.second)
        writes.add(Self.run(at: 6, "missed"), writeBy: 9 * Self.second)
        #expect(writes.pending[Self.job] == LastRunWrites.Pending(run: Self.run(at: 7), writeBy: 6 * Self.second))
        #expect(writes.due(now: 5 * Self.second).isEmpty)
        #expect(writes.due(now: 6 * Self.second)[Self.job] == Self.run(at: 7))
        #expect(writes.due(now: 6 * Self.second, excluding: [Self.job]).isEmpty, "a pass that holds the job writes it with the job's fire")
    }

    @Test("a write forgets the runs it wrote, not a later run that came meanwhile")
    func written() {
        var writes = LastRunWrites()
        writes.add(Self.run(at: 7), writeBy: 8 * Self.second)
        writes.written([Self.run(at: 6)])
        #expect(writes.runs(of: [Self.job])[Self.job] == Self.run(at: 7))
        writes.written([Self.run(at: 7)])
        #expect(writes.all.isEmpty)
    }
}
