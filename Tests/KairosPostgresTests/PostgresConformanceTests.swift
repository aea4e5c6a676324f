import Foundation
import KairosPostgres
import KairosStore
import KairosStoreConformance
import Testing

@Suite("PostgreSQL store conformance")
struct PostgresConformanceTests {
    /// Each case on a new database; each handle a new `PostgresJobStore` with its own
    /// `PostgresClient` on it, as two processes would be.
    @Test(arguments: StoreConformance.cases)
    func conformance(_ check: StoreConformanceCase) async throws {
        try await withFreshDatabase { configuration in
            try await withHandles(configuration) { handles in try await check.run(handles) }
        }
    }
}
