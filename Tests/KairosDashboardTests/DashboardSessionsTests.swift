import Foundation
import HTTPTypes
import Hummingbird
import KairosHTTP
import KairosStore
import MemoryJobStore
import NIOCore
import Testing

@testable import KairosDashboard

/// Sessions are stored (only as hashes), survive a restart, and end after their lifetime or
/// when idle, whichever comes first.
@Suite struct DashboardSessionsTests {
    let store = MemoryJobStore()
    let configuration = DashboardConfiguration(sessionLifetime: 3600, idleTimeout: 600)
    var sessions: DashboardSessions { DashboardSessions(store: store, configuration: configuration) }
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let keyHash = APIKeySecret.hash("kairos_secret")

    func request(_ session: DashboardSession?) -> Request {
        var fields = HTTPFields()
        if let session { fields[.cookie] = "other=1; \(DashboardSessions.cookieName)=\(session.id)" }
        return Request(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/", headerFields: fields), body: .init(buffer: ByteBuffer()))
    }

    @Test func aSessionIsStoredAsHashesOnlyAndFoundAgainAfterARestart() async throws {
        let session = try await sessions.create(keyHash: keyHash, now: start)
        let stored = try #require(try await store.webSession(hash: APIKeySecret.hash(session.id)))
        #expect(stored.hash != session.id && stored.keyHash == keyHash)
        let restarted = DashboardSessions(store: store, configuration: configuration)
        let found = try #require(try await restarted.session(for: request(session), now: start.addingTimeInterval(10)))
        #expect(found.id == session.id && found.keyHash == keyHash && found.csrfToken == session.csrfToken)
        #expect(try await restarted.session(for: request(nil), now: start) == nil)
    }

    @Test func aRequestWritesItsTimeOnlyWhenTheStoredOneIsAMinuteOld() async throws {
        let session = try await sessions.create(keyHash: keyHash, now: start)
        let hash = APIKeySecret.hash(session.id)
        _ = try await sessions.session(for: request(session), now: start.addingTimeInterval(59))
        #expect(try await store.webSession(hash: hash)?.lastSeenAt == start, "no write within the minute")
        _ = try await sessions.session(for: request(session), now: start.addingTimeInterval(60))
        #expect(try await store.webSession(hash: hash)?.lastSeenAt == start.addingTimeInterval(60))
    }

    @Test func aSessionUsedWithinItsIdleTimeoutLivesUntilItsLifetime() async throws {
        let session = try await sessions.create(keyHash: keyHash, now: start)
        for minutes in stride(from: 5, through: 55, by: 5) {
            #expect(try await sessions.session(for: request(session), now: start.addingTimeInterval(Double(minutes) * 60)) != nil, "\(minutes) min")
        }
        #expect(try await sessions.session(for: request(session), now: start.addingTimeInterval(3600)) == nil)
        #expect(try await store.webSession(hash: APIKeySecret.hash(session.id)) == nil, "an ended session is deleted when seen")
    }

    @Test func anIdleSessionEnds() async throws {
        let session = try await sessions.create(keyHash: keyHash, now: start)
        #expect(sessions.isExpired(session, now: start.addingTimeInterval(599)) == false)
        #expect(sessions.isExpired(session, now: start.addingTimeInterval(600)))
        #expect(try await sessions.session(for: request(session), now: start.addingTimeInterval(600)) == nil)
    }

    @Test func signingOutEndsTheSessionAndSigningInDeletesEndedOnes() async throws {
        let first = try await sessions.create(keyHash: keyHash, now: start)
        let second = try await sessions.create(keyHash: keyHash, now: start)
        try await sessions.end(first)
        #expect(try await sessions.session(for: request(first), now: start) == nil)
        #expect(try await sessions.session(for: request(second), now: start) != nil)
        _ = try await sessions.create(keyHash: keyHash, now: start.addingTimeInterval(601))
        #expect(try await store.webSession(hash: APIKeySecret.hash(second.id)) == nil, "idle since 600 s: deleted at the next sign-in")
    }

    @Test func sessionIdsAndTokensAreRandomAndDistinct() async throws {
        let a = try await sessions.create(keyHash: keyHash, now: start)
        let b = try await sessions.create(keyHash: keyHash, now: start)
        #expect(a.id != b.id)
        #expect(a.csrfToken != b.csrfToken && a.csrfToken != a.id)
        #expect(a.id.count == 43)
        #expect(!CSRFToken.matches(a.csrfToken, b.csrfToken))
        #expect(CSRFToken.matches(a.csrfToken, a.csrfToken))
        #expect(!CSRFToken.matches("", ""))
    }
}
