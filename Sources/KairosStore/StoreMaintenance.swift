/// A driver with background work of its own, which must run while the store is used and which
/// the engine runs among its services (the SQLite driver: WAL checkpoints off the writer's
/// path, docs/STORE.md). A store whose maintenance does not run stays correct; it is only slower.
public protocol StoreMaintenance: Sendable {
    /// Runs the background work until the task is cancelled, then undoes what it changed.
    func runMaintenance() async throws
}
