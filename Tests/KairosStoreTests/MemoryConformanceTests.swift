import Foundation
import KairosStore
import KairosStoreConformance
import MemoryJobStore
import Testing

@Suite("Memory store conformance")
struct MemoryConformanceTests {
    @Test(arguments: StoreConformance.cases)
    func conformance(_ check: StoreConformanceCase) async throws {
        let store = MemoryJobStore()
        try await check.run(StoreHandles { store })
    }
}
