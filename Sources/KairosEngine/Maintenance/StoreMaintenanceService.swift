import KairosStore
import ServiceLifecycle

/// Runs a driver's own background work (``StoreMaintenance``: the SQLite driver's WAL
/// checkpoints) for as long as the engine runs. First among the engine's services, so the
/// group stops it last, once the workers have written their last outcomes.
public struct StoreMaintenanceService: Service {
    let store: any StoreMaintenance

    public init(store: any StoreMaintenance) {
        self.store = store
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await store.runMaintenance()
        }
    }
}
