/// `{"items": [...], "nextCursor": "…" or null}` (docs/API.md, pagination).
struct ListResource<Item: Encodable>: Encodable {
    var items: [Item]
    var nextCursor: String?

    private enum Keys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
