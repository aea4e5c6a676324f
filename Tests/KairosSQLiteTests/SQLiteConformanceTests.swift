import Foundation
import KairosSQLite
import KairosStore
import KairosStoreConformance
import Testing

@Suite("SQLite store conformance")
struct SQLiteConformanceTests {
    /// Each handle is a new `SQLiteJobStore` on the same file: as two processes on it would be.
    @Test(arguments: StoreConformance.cases)
    func conformance(_ check: StoreConformanceCase) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("kairos.db")
        try await check.run(StoreHandles { try SQLiteJobStore(path: path) })
    }
}
