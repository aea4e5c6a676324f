import Foundation
import Testing

@testable import KairosPostgres

/// `JobSlots`: admission by `maxInstances` over the slots a claim read, the lowest free number,
/// and slots of runs that returned (their outcome not written yet) not counted.
@Suite("Job slots")
struct JobSlotsTests {
    private static let job = UUID()

    @Test("which slot a claim takes", arguments: [
        ([], 0, 1, 0 as Int?),  // nothing held: slot 0
        ([0], 0, 1, nil),  // the one slot held
        ([0], 1, 1, 1),  // held by a run that returned: the next number, never the held one
        ([0, 1], 1, 1, nil),  // that next number taken already: full again
        ([0], 0, 2, 1),  // two allowed: the lowest free
        ([1], 0, 2, 0),
        ([0, 2], 1, 2, 1),  // a slot past maxInstances (taken that way earlier) is kept clear of
    ] as [(Set<Int>, Int, Int, Int?)])
    func take(held: Set<Int>, finishing: Int, maxInstances: Int, expected: Int?) {
        var slots = JobSlots()
        slots.include([Self.job: held], finishing: [Self.job: finishing], of: [Self.job])
        #expect(slots.take(jobId: Self.job, maxInstances: maxInstances) == expected)
    }
}
