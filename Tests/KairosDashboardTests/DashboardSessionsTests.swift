import Foundation
import Testing

@testable import KairosDashboard

/// Sessions end after their lifetime or when idle, whichever comes first.
@Suite struct DashboardSessionsTests {
    let sessions = DashboardSessions(configuration: DashboardConfiguration(sessionLifetime: 3600, idleTimeout: 600))
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSessionUsedWithinItsIdleTimeoutLivesUntilItsLifetime() {
        var session = sessions.create(secret: "kairos_secret", now: start)
        for minutes in stride(from: 5, through: 55, by: 5) {
            session.lastSeenAt = start.addingTimeInterval(Double(minutes) * 60)
            #expect(!sessions.isExpired(session, now: session.lastSeenAt.addingTimeInterval(60)))
        }
        #expect(sessions.isExpired(session, now: start.addingTimeInterval(3600)))
    }

    @Test func anIdleSessionEnds() {
        let session = sessions.create(secret: "kairos_secret", now: start)
        #expect(!sessions.isExpired(session, now: start.addingTimeInterval(599)))
        #expect(sessions.isExpired(session, now: start.addingTimeInterval(600)))
    }

    @Test func sessionIdsAndTokensAreRandomAndDistinct() {
        let a = sessions.create(secret: "kairos_secret", now: start)
        let b = sessions.create(secret: "kairos_secret", now: start)
        #expect(a.id != b.id)
        #expect(a.csrfToken != b.csrfToken)
        #expect(a.id.count == 43)
        #expect(!CSRFToken.matches(a.csrfToken, b.csrfToken))
        #expect(CSRFToken.matches(a.csrfToken, a.csrfToken))
        #expect(!CSRFToken.matches("", ""))
    }
}
