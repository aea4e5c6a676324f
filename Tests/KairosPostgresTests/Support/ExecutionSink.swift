import Foundation
import KairosCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that `http.request` jobs post to: it
/// answers 200 to every request and records the `Kairos-*` identity headers of each, so that a
/// test counts what really ran, outside the store.
final class ExecutionSink: Sendable {
    /// One request as received.
    struct Delivery: Sendable, Hashable {
        var executionId: String
        var jobKey: String
        var scheduledAt: String
        var attempt: String
        var receivedAt: Date
    }

    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let received: Locked<[Delivery]>

    private init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup, received: Locked<[Delivery]>) {
        self.port = port
        self.channel = channel
        self.group = group
        self.received = received
    }

    /// Where jobs post: `http://127.0.0.1:PORT/hook`.
    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Every request received so far, in arrival order.
    var deliveries: [Delivery] { received.withLock { $0 } }

    /// Deliveries of an execution's attempt received more than once, each with its copies in
    /// arrival order: an attempt run twice (a retry is a new attempt, with its own
    /// `Kairos-Attempt`).
    var repeatedAttempts: [[Delivery]] {
        Dictionary(grouping: deliveries, by: { "\($0.executionId)/\($0.attempt)" }).values.filter { $0.count > 1 }
            .sorted { $0[0].receivedAt < $1[0].receivedAt }
    }

    static func start() async throws -> ExecutionSink {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let received = Locked<[Delivery]>([])
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(RecordingHandler(received: received))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
            return ExecutionSink(port: port, channel: channel, group: group, received: received)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// Runs `body` with a started sink and always shuts it down.
    static func with<T>(_ body: (ExecutionSink) async throws -> T) async throws -> T {
        let sink = try await start()
        do {
            let result = try await body(sink)
            try await sink.shutdown()
            return result
        } catch {
            try? await sink.shutdown()
            throw error
        }
    }
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let received: Locked<[ExecutionSink.Delivery]>
    private var head: HTTPRequestHead?

    init(received: Locked<[ExecutionSink.Delivery]>) { self.received = received }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            let headers = head.headers
            let delivery = ExecutionSink.Delivery(
                executionId: headers.first(name: "Kairos-Execution-Id") ?? "", jobKey: headers.first(name: "Kairos-Job-Key") ?? "",
                scheduledAt: headers.first(name: "Kairos-Scheduled-At") ?? "", attempt: headers.first(name: "Kairos-Attempt") ?? "", receivedAt: Date())
            received.withLock { $0.append(delivery) }
            var response = HTTPHeaders()
            response.add(name: "Content-Type", value: "text/plain")
            response.add(name: "Content-Length", value: "2")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: response))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
