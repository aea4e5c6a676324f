/// The last `limit` bytes written to it.
struct TailBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    mutating func append(_ data: some Collection<UInt8>) {
        if data.count >= limit {
            bytes = Array(data.suffix(limit))
        } else {
            bytes.append(contentsOf: data)
            if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
        }
    }

    /// The tail as text (a character cut at the start is dropped).
    var text: String {
        var text = String(decoding: bytes, as: UTF8.self)
        while text.first == "\u{FFFD}" { text.removeFirst() }
        return text
    }
}
