import ClusterModel
import EventLog
import Logging
import Varlink

/// Answers the calls of `org.clusterd.Registry`: writes through the `Registry` after checking
/// the caller may write, reads through `RegistryReader`, Watch from the log.
struct RegistryMethodHandler: VarlinkDirectMethodHandler {
    let registry: Registry
    let log: EventLog
    let historicalReads: HistoricalReads
    let authorization: AuthorizationBox
    let people: PeopleService
    let peopleQueries: PeopleQueries
    let startedAt: String
    let replayMilliseconds: Int64
    let logger: Logger

    func handle(method: String, parameters: [String: JSONValue], context: VarlinkCallContext) async throws -> [String: JSONValue] {
        try await Self.mappingErrors {
            if method == "GetStatus" { return status().parameters }
            if method == "Watch" { return try await watch(parameters, context: context) }
            if method == "CheckImport" {
                let checked = PeopleService.holdsPeople(parameters)
                    ? try await people.checking(parameters, peerUID: context.peer?.uid ?? 0)
                    : try await registry.check(try DecodedWrite("Import", parameters).commands, peerUID: context.peer?.uid ?? 0)
                return [
                    "refused": .array(checked.refusals.map(ReplyEncoding.refusal)), "refused_count": .int(Int64(checked.refusedCount)),
                    "events": .int(Int64(checked.eventCount)), "seq": .int(Int64(checked.sequence)),
                ]
            }
            if PeopleService.writeMethods.contains(method) {
                try authorize(context.peer)
                return try await people.write(method, parameters, peerUID: context.peer?.uid ?? 0)
            }
            if PeopleQueries.methods.contains(method) {
                return try await peopleQueries.answer(method, parameters, peer: context.peer, view: registry.view)
            }
            if method == "Import", PeopleService.holdsPeople(parameters) {
                try authorize(context.peer)
                return try await people.importing(parameters, peerUID: context.peer?.uid ?? 0)
            }
            if method == "Import" || CommandParsing.writeMethods.contains(method) {
                try authorize(context.peer)
                return try await write(method, try DecodedWrite(method, parameters), peer: context.peer)
            }
            if RegistryReader.readMethods.contains(method) {
                // The durable view, taken without waiting for the writer; the query holds no lock.
                let view = registry.view
                let reader = RegistryReader(log: log, nowMicroseconds: WallClock.nowMicroseconds(), rebuilt: historicalReads.rebuilt)
                if RegistryReader.readsTheLog(method, parameters) {
                    return try await historicalReads.pool.run { try reader.answer(method, parameters, state: view) }
                }
                return try reader.answer(method, parameters, state: view)
            }
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    let directlyDecodedMethods: Set<String> = CommandParsing.writeMethods.union(["Import"])

    /// A write from a peer who may not write is refused before its parameters are decoded.
    func refusal(method: String, peer: VarlinkPeer?) -> (any Error)? {
        do {
            try authorize(peer)
            return nil
        } catch {
            return error
        }
    }

    func decodeDirect(method: String, parameters cursor: inout JSONCursor) -> (any Sendable)? {
        Self.decodeDirectly(method, &cursor)
    }

    /// A write's parameters read straight from the message: an Import's by `ImportDecoding`,
    /// a single write's into a `JSONMembers` list that the interface's flat check accepts, then
    /// decoded as on the general path. Nil sends the call the general way (see
    /// `VarlinkDirectMethodHandler`).
    static func decodeDirectly(_ method: String, _ cursor: inout JSONCursor) -> DecodedWrite? {
        if method == "Import" { return ImportDecoding.decode(&cursor) }
        var members = JSONMembers()
        guard CommandParsing.writeMethods.contains(method), (try? cursor.readMembers(into: &members)) == true,
            RegistryInterfaceDefinition.interface.inputMismatch(of: method, members) == nil
        else { return nil }
        return try? DecodedWrite(method, members)
    }

    func handle(method: String, decoded input: any Sendable, context: VarlinkCallContext) async throws -> [String: JSONValue] {
        try await Self.mappingErrors {
            guard let decoded = input as? DecodedWrite else {
                throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
            }
            try authorize(context.peer)
            return try await write(method, decoded, peer: context.peer)
        }
    }

    /// A write begun on the connection's event loop: decided and handed to the log's writer
    /// thread there (microseconds), its durability then awaited by the connection's task. The
    /// event loop never writes or syncs the log; a write of more than
    /// `Registry.inlineDecisionLimit` commands is not even decided there (nil: `handle` sends it
    /// to the registry's import thread).
    func answerImmediately(method: String, decoded input: any Sendable, peer: VarlinkPeer?) -> VarlinkImmediateAnswer? {
        guard let decoded = input as? DecodedWrite, decoded.commands.count <= Registry.inlineDecisionLimit else { return nil }
        do {
            try authorize(peer)
            let pending = try registry.begin(decoded.commands, request: decoded.request, expectedSequence: decoded.expectedSequence, peerUID: peer?.uid ?? 0)
            if let result = try registry.finishNow(pending) {
                return .done(.success(Self.reply(method, result)))
            }
            return .later { [registry] in
                try await Self.mappingErrors { Self.reply(method, try await registry.finish(pending)) }
            }
        } catch {
            return .done(.failure(RegistryErrorMapping.varlinkError(error)))
        }
    }

    /// The Varlink errors of the registry's failures.
    private static func mappingErrors(_ body: () async throws -> [String: JSONValue]) async throws -> [String: JSONValue] {
        do {
            return try await body()
        } catch {
            throw RegistryErrorMapping.varlinkError(error)
        }
    }

    private func authorize(_ peer: VarlinkPeer?) throws {
        if let refusal = authorization.current.refusal(for: peer) {
            throw VarlinkError("\(RegistryInterfaceDefinition.name).PermissionDenied", parameters: ["reason": .string(refusal)])
        }
    }

    private func write(_ method: String, _ decoded: DecodedWrite, peer: VarlinkPeer?) async throws -> [String: JSONValue] {
        Self.reply(method, try await registry.write(decoded.commands, request: decoded.request, expectedSequence: decoded.expectedSequence, peerUID: peer?.uid ?? 0))
    }

    /// A write's reply parameters.
    private static func reply(_ method: String, _ result: Registry.WriteResult) -> [String: JSONValue] {
        if method == "Import" {
            return ["seq": .int(Int64(result.lastSequence)), "first_seq": .int(Int64(result.firstSequence)), "events": .int(Int64(result.eventCount))]
        }
        return ["seq": .int(Int64(result.lastSequence))]
    }

    /// Streams events after `from_seq` from the log, then each new one as it becomes durable. It
    /// reads from the log, not from memory: a slow watcher costs nothing but its own connection.
    private func watch(_ parameters: [String: JSONValue], context: VarlinkCallContext) async throws -> [String: JSONValue] {
        guard context.call.more else { throw VarlinkError.expectedMore }
        var next = (try Parameters(parameters).sequence("from_seq") ?? log.head.lastSequence) + 1
        let signal = registry.headSignal
        while !Task.isCancelled {
            let head = log.head.lastSequence
            if next <= head {
                var batch: [JSONValue] = []
                try log.forEachRecord(from: next, through: min(head, next + 999), verifyingChecksums: true) { record in
                    let event = try EventCodec.decode(record.payload)
                    batch.append(ReplyEncoding.logEvent(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds, chainHash: record.chainHash))
                }
                for event in batch {
                    try await context.yield(["event": event])
                    next += 1
                }
                continue
            }
            _ = await signal.wait(after: head)
            if signal.isClosed || Task.isCancelled { break }
        }
        throw VarlinkError("\(RegistryInterfaceDefinition.name).Cancelled")
    }

    private func status() -> DaemonStatus {
        let head = log.head
        var failure: String?
        switch log.health {
        case .writable: break
        case .writesDisabled(let reason): failure = reason
        case .closed: failure = "the log is closed"
        }
        return DaemonStatus(
            version: ClusterdVersion.current,
            lastSequence: head.lastSequence,
            events: UInt64(head.recordCount),
            logPath: log.path,
            logBytes: UInt64(head.byteCount),
            logID: log.header.logIDHex,
            headHash: "\(head.lastSequence):\(head.chainHash.hex)",
            logFailure: failure,
            startedAt: startedAt,
            replayMilliseconds: replayMilliseconds
        )
    }
}
