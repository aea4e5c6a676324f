import Foundation
import KairosCore
import KairosStore
import Testing

/// The keys page: admins only; a new key's secret is shown once; revoking ends the key's sessions.
@Suite struct DashboardKeysTests {
    @Test func anAdminCreatesAKeyThatIsShownOnceAndSignsIn() async throws {
        try await DashboardServer.with { server in
            let admin = try await server.signIn(.admin)
            let created = try await server.request(.POST, "/keys", cookies: admin.cookies, form: [("_csrf", admin.csrf), ("name", "deploy <bot>"), ("role", "operator")])
            #expect(created.status == 201)
            #expect(created.body.contains("deploy &lt;bot&gt;"))
            let secret = try #require(created.body.range(of: "value=\"kairos_").map { range in
                "kairos_" + created.body[range.upperBound...].prefix { $0 != "\"" }
            })
            let list = try await server.request(.GET, "/keys", cookies: admin.cookies)
            #expect(list.status == 200)
            #expect(list.body.contains("deploy &lt;bot&gt;"))
            #expect(!list.body.contains(secret))

            let form = try await server.request(.GET, "/sign-in")
            let signIn = try await server.request(.POST, "/sign-in", cookies: form.cookies, form: [("_csrf", form.csrfToken ?? ""), ("key", secret)])
            #expect(signIn.status == 303)
        }
    }

    @Test func revokingAKeyEndsItsSessions() async throws {
        try await DashboardServer.with { server in
            let admin = try await server.signIn(.admin)
            let viewer = try await server.signIn(.viewer)
            #expect(try await server.request(.GET, "/", cookies: viewer.cookies).status == 200)
            let keys = try await server.engine.store.listAPIKeys(includeRevoked: false)
            let viewerKey = try #require(keys.first { $0.role == .viewer })
            let revoked = try await server.request(.POST, "/keys/\(viewerKey.id)/revoke", cookies: admin.cookies, form: [("_csrf", admin.csrf)])
            #expect(revoked.status == 303)
            let after = try await server.request(.GET, "/", cookies: viewer.cookies)
            #expect(after.status == 303)
            #expect(after.headers.first(name: "Location")?.hasPrefix("/sign-in") == true)
        }
    }

    @Test func theLastAdminKeyCannotBeRevokedAndOthersCannotManageKeys() async throws {
        try await DashboardServer.with { server in
            let admin = try await server.signIn(.admin)
            let adminKey = try #require(try await server.engine.store.listAPIKeys(includeRevoked: false).first { $0.role == .admin })
            let refused = try await server.request(.POST, "/keys/\(adminKey.id)/revoke", cookies: admin.cookies, form: [("_csrf", admin.csrf)])
            #expect(refused.status == 409)
            let invalid = try await server.request(.POST, "/keys", cookies: admin.cookies, form: [("_csrf", admin.csrf), ("name", ""), ("role", "root")])
            #expect(invalid.status == 422)
            #expect(invalid.body.contains("id=\"key-name-error\"") && invalid.body.contains("id=\"key-role-error\""))

            let operatorSession = try await server.signIn(.operator)
            #expect(try await server.request(.GET, "/keys", cookies: operatorSession.cookies).status == 403)
            let forged = try await server.request(
                .POST, "/keys", cookies: operatorSession.cookies, form: [("_csrf", operatorSession.csrf), ("name", "sneaky"), ("role", "admin")])
            #expect(forged.status == 403)
            #expect(try await server.engine.store.listAPIKeys(includeRevoked: true).count == 3)
            let page = try await server.request(.GET, "/", cookies: operatorSession.cookies)
            #expect(!page.body.contains("href=\"/keys\""))
        }
    }
}
