import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the API cannot listen on its address, in words an operator can act on.
public struct ListenError: Error, CustomStringConvertible, Sendable {
    public var host: String
    public var port: Int
    /// The system's error number, when the bind itself failed.
    public var errno: Int32?
    public var description: String

    init(host: String, port: Int, error: any Error) {
        self.host = host
        self.port = port
        let code = (error as? IOError)?.errnoCode
        self.errno = code
        switch code {
        case EADDRINUSE: description = "port \(port) on \(host) is in use; choose another with --port"
        case EACCES: description = "no permission to listen on \(host):\(port) (ports below 1024 need privileges); choose another with --port"
        case EADDRNOTAVAIL: description = "\(host) is not an address of this machine; choose another with --host"
        default: description = code == nil ? "cannot listen on \(host):\(port): \(error)" : "cannot listen on \(host):\(port): \(String(cString: strerror(code!)))"
        }
    }
}

extension APIConfiguration {
    /// Binds the API's address and lets it go again, so that `kairos serve` refuses a port in
    /// use (or a host it cannot listen on) before it does anything else — before it creates a
    /// key, registers an instance or fires a job. The server binds the same way (NIO, with
    /// `SO_REUSEADDR`), so what passes here binds there unless another process takes the port in
    /// the milliseconds between. Port 0 (any free port) is always free.
    public func checkCanListen() async throws(ListenError) {
        guard port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw ListenError(host: host, port: port, error: error)
        }
    }
}
