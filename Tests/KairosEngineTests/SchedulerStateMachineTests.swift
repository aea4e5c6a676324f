import Foundation
import Testing

@testable import KairosEngine

/// The scheduler's decisions, driven with explicit instants: no clock, no sleeping.
@Suite("Scheduler decisions")
struct SchedulerStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let machine = SchedulerStateMachine(batchSize: 100, lookahead: 0.5, idlePollInterval: 5)

    @Test("a pass claims fires up to the look-ahead horizon")
    func claimHorizon() {
        #expect(machine.start(now: t0) == .claim(now: t0, horizon: t0 + 0.5, limit: 100))
    }

    @Test("a full batch means more may be due: claim again at once")
    func fullBatch() {
        #expect(machine.passFinished(jobsClaimed: 100, earliestNextRun: nil, now: t0) == .claim(now: t0, horizon: t0 + 0.5, limit: 100))
    }

    @Test("otherwise sleep until the earliest next fire minus the look-ahead", arguments: [
        (3.0, 2.5),  // next fire in 3 s: wake 0.5 s before it
        (60.0, 5.0),  // far away: wake at the idle poll interval to see other processes' changes
        (0.3, 0.0),  // inside the look-ahead already: claim now
    ])
    func sleepUntilNextFire(nextIn: Double, wakeIn: Double) {
        let action = machine.passFinished(jobsClaimed: 3, earliestNextRun: t0 + nextIn, now: t0)
        if wakeIn == 0 {
            #expect(action == .claim(now: t0, horizon: t0 + 0.5, limit: 100))
        } else {
            #expect(action == .sleep(until: t0 + wakeIn))
        }
    }

    @Test("a pass that took nothing though a fire is within the look-ahead looks again shortly, not at once (the store left it: held elsewhere, or its job's slots are full)")
    func heldFire() {
        #expect(machine.passFinished(jobsClaimed: 0, earliestNextRun: t0 + 0.3, now: t0) == .sleep(until: t0 + 0.05))
        #expect(machine.passFinished(jobsClaimed: 0, earliestNextRun: t0 + 0.01, now: t0) == .sleep(until: t0 + 0.01), "never past the fire")
        #expect(machine.passFinished(jobsClaimed: 0, earliestNextRun: t0 - 1, now: t0) == .claim(now: t0, horizon: t0 + 0.5, limit: 100), "a fire already due: at once")
        #expect(machine.passFinished(jobsClaimed: 1, earliestNextRun: t0 + 0.3, now: t0) == .claim(now: t0, horizon: t0 + 0.5, limit: 100))
    }

    @Test("with no scheduled job it sleeps for the idle poll interval")
    func nothingScheduled() {
        #expect(machine.passFinished(jobsClaimed: 0, earliestNextRun: nil, now: t0) == .sleep(until: t0 + 5))
    }

    @Test("a failed pass backs off for at most a second")
    func failure() {
        #expect(machine.passFailed(now: t0) == .sleep(until: t0 + 1))
    }

    @Test("bounded by the workers' room, a pass takes no more than they can take", arguments: [
        (nil as Int?, 100),  // not bounded: the batch size
        (250, 100),  // more room than a batch: the batch size
        (40, 40),  // less room: the room
    ])
    func passLimitedByRoom(room: Int?, limit: Int) {
        #expect(machine.start(now: t0, room: room) == .claim(now: t0, horizon: t0 + 0.5, limit: limit))
    }

    @Test("with no room it waits for the workers to make some (they wake it), at most the idle poll interval")
    func noRoom() {
        #expect(machine.start(now: t0, room: 0) == .waitForRoom(until: t0 + 5))
        #expect(machine.passFinished(jobsClaimed: 40, limit: 40, earliestNextRun: t0, now: t0, room: 0) == .waitForRoom(until: t0 + 5))
    }

    @Test("a pass that took all its room means more may be due: claim again as room allows")
    func fullRoom() {
        #expect(machine.passFinished(jobsClaimed: 40, limit: 40, earliestNextRun: nil, now: t0, room: 10) == .claim(now: t0, horizon: t0 + 0.5, limit: 10))
        #expect(machine.passFinished(jobsClaimed: 39, limit: 40, earliestNextRun: t0 + 60, now: t0, room: 10) == .sleep(until: t0 + 5), "fewer than the room: nothing more is due")
    }

    @Test("after shutdown every decision is stop")
    func shutdown() {
        var machine = machine
        machine.shutdown()
        #expect(machine.start(now: t0) == .stop)
        #expect(machine.passFinished(jobsClaimed: 100, earliestNextRun: t0, now: t0) == .stop)
        #expect(machine.passFailed(now: t0) == .stop)
        #expect(machine.start(now: t0, room: 0) == .stop)
    }
}
