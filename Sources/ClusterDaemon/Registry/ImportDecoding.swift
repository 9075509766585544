import ClusterModel
import Dispatch
import Varlink

/// Decodes the parameters of an `Import` straight from the message bytes into commands.
///
/// The general path parses the message into a `JSONValue` tree, checks it against the interface,
/// then reads the commands out of it: for the demo network's 40,581 commands (5 MiB) that took
/// ~140 ms, half of it allocating and freeing the tree. Here each command's parameters are read
/// into a `JSONMembers` list (reused from one command to the next) and parsed by the same
/// `CommandParsing` code as on the general path; a large list is read by two threads, one from
/// each end (see `decodeCommands`).
///
/// A twin of the general path, kept because it wins: `clusterd-bench twins` decoded the demo
/// network's Import in 41.7 ms on one thread against 100.4 ms by the general path (2.4 ×,
/// 2026-12-06), and the daemon reads a large list on two threads.
///
/// Only the happy path is decoded: anything the general path would refuse or read differently
/// (an unknown or repeated key, a null where a value is required, a value a command refuses)
/// returns nil, and the message then takes the general path, which words the error with its field
/// (`commands[3].parameters.siren`). A test holds both paths to the same commands.
enum ImportDecoding {
    /// Command lists at least this long (in bytes) are read by two threads.
    static let parallelThreshold = 256 * 1024

    /// An Import's parameters (the bytes of the object) by the general path, as a message this
    /// decoder refuses takes it: parsed into a tree, checked against the interface, then decoded
    /// by `DecodedWrite`. What the tests, the fuzz target and `clusterd-bench twins` hold
    /// `decode` to.
    static func decodeGenerally(_ parameters: some Collection<UInt8>) throws -> DecodedWrite {
        guard let object = try JSONParser.parse(parameters).objectValue else {
            throw DomainError.invalidArgument(field: "parameters", reason: "must be an object")
        }
        try RegistryInterfaceDefinition.interface.validateInput(of: "Import", object)
        return try DecodedWrite("Import", object)
    }

    /// Without `parallel`, a long list is read by this thread alone (to measure the decoder).
    static func decode(_ cursor: inout JSONCursor, parallel: Bool = true) -> DecodedWrite? {
        do {
            return try decodeParameters(&cursor, parallel: parallel)
        } catch {
            return nil
        }
    }

    private static func decodeParameters(_ cursor: inout JSONCursor, parallel: Bool) throws -> DecodedWrite? {
        guard try cursor.beginObject() else { return nil }
        var commands: [Command]?
        var options = JSONMembers()
        var first = true
        while let key = try cursor.nextKey(first: first) {
            first = false
            switch key {
            case "commands":
                guard commands == nil, let decoded = try decodeCommands(&cursor, parallel: parallel) else { return nil }
                commands = decoded
            case "request_id", "expected_seq":
                guard options.add(key, try cursor.readValue()) else { return nil }
            default:
                return nil
            }
        }
        guard let commands, !commands.isEmpty else { return nil }
        let p = Parameters(options)
        // The interface's types: request_id ?string, expected_seq ?int (Parameters checks both).
        let requestID = try p.optionalString("request_id")
        if let requestID, !DecodedWrite.isValidRequestID(requestID) { return nil }
        return DecodedWrite(method: "Import", commands: commands, requestID: requestID, expectedSequence: try p.sequence("expected_seq"))
    }

    /// Reads the list of commands. A long list is cut into chunks where commands seem to begin
    /// (`,{"method":` past each cut), and the chunks are read by two threads. A cut is only
    /// trusted if the chunk before it, read from a trusted start, ends a command exactly there;
    /// a chunk that does not reads on to the end of the list, and the chunks after it are dropped.
    private static func decodeCommands(_ cursor: inout JSONCursor, parallel: Bool) throws -> [Command]? {
        guard try cursor.beginArray() else { return nil }
        let remaining = cursor.bytes.count - cursor.offset
        let cuts = parallel && remaining >= parallelThreshold ? cutGuesses(cursor, count: min(8, remaining / (parallelThreshold / 2))) : []
        return try decodeCommands(&cursor, cuts: cuts)
    }

    /// Reads the commands after the list's `[`, cut at `cuts` (increasing offsets past the
    /// cursor, each a guess of where a command's comma stands; a test may cut anywhere).
    static func decodeCommands(_ cursor: inout JSONCursor, cuts: [Int]) throws -> [Command]? {
        guard !cuts.isEmpty else {
            return try decodeRun(&cursor, first: true, stopAt: nil)?.commands
        }
        let starts = [cursor] + cuts.map { JSONCursor(bytes: cursor.bytes, offset: $0 + 1, depth: cursor.nestingDepth) }
        let chunks = starts.indices.map { Chunk(start: starts[$0], stop: $0 < cuts.count ? cuts[$0] : nil) }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { index in chunks[index].decode() }
        var commands: [Command] = []
        commands.reserveCapacity(chunks.reduce(0) { $0 + ($1.result?.commands.count ?? 0) })
        for chunk in chunks {
            guard let result = chunk.result else { return nil }
            commands += result.commands
            guard result.stoppedAtCut else {
                cursor = chunk.cursor
                return commands
            }
        }
        return nil  // the last chunk has no cut to stop at: it ends the list
    }

    /// Up to `count - 1` offsets of commas of `,{"method":`, one past each `count`th of what is left.
    private static func cutGuesses(_ cursor: JSONCursor, count: Int) -> [Int] {
        let bytes = cursor.bytes
        let pattern: [UInt8] = Array(#",{"method":"#.utf8)
        let last = bytes.count - pattern.count
        var cuts: [Int] = []
        for part in 1..<max(count, 1) {
            var index = max(cursor.offset + (bytes.count - cursor.offset) * part / count, (cuts.last ?? 0) + 1)
            while index <= last {
                if bytes[index] == pattern[0] && pattern.indices.allSatisfy({ bytes[index + $0] == pattern[$0] }) { break }
                index += 1
            }
            guard index <= last else { break }
            cuts.append(index)
        }
        return cuts
    }

    /// One chunk of a cut list, read by one thread and looked at after all chunks are read.
    private final class Chunk: @unchecked Sendable {
        private(set) var cursor: JSONCursor
        let stop: Int?
        private(set) var result: (commands: [Command], stoppedAtCut: Bool)?

        init(start: JSONCursor, stop: Int?) {
            cursor = start
            self.stop = stop
        }

        func decode() {
            result = try? decodeRun(&cursor, first: true, stopAt: stop)
        }
    }

    /// Reads commands up to the end of the list, or until a command ends exactly at `stopAt`.
    private static func decodeRun(_ cursor: inout JSONCursor, first: Bool, stopAt: Int?) throws -> (commands: [Command], stoppedAtCut: Bool)? {
        var commands: [Command] = []
        // A command takes at least 64 bytes of JSON (the demo's, 135): room for all of them
        // at once, where growing the list copied it again and again.
        commands.reserveCapacity(((stopAt ?? cursor.bytes.count) - cursor.offset) / 64)
        var parameters = JSONMembers()
        var first = first
        while try cursor.nextElement(first: first) {
            first = false
            guard let command = try decodeCommand(&cursor, parameters: &parameters) else { return nil }
            commands.append(command)
            if cursor.offset == stopAt { return (commands, true) }
        }
        return (commands, false)
    }

    /// One ImportCommand: (method: string, parameters: object), nothing else.
    private static func decodeCommand(_ cursor: inout JSONCursor, parameters: inout JSONMembers) throws -> Command? {
        guard try cursor.beginObject() else { return nil }
        var method: String?
        var sawParameters = false
        var first = true
        while let key = try cursor.nextKey(first: first) {
            first = false
            switch key {
            case "method":
                guard method == nil, case .string(let name) = try cursor.readValue() else { return nil }
                method = name
            case "parameters":
                guard !sawParameters, try cursor.readMembers(into: &parameters) else { return nil }
                sawParameters = true
            default:
                return nil
            }
        }
        guard let method, sawParameters else { return nil }
        guard parameters["request_id"] == nil, parameters["expected_seq"] == nil else { return nil }
        return try CommandParsing.command(method, parameters)
    }
}

/// For clusterd-bench: decodes an Import's parameters (the bytes of the object) as the daemon
/// does, or on this thread alone.
public enum ImportDecodingBenchmark {
    /// The number of commands decoded, or nil if the fast path refused the parameters.
    public static func decode(_ parameters: [UInt8], parallel: Bool) -> Int? {
        parameters.withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes: bytes)
            return ImportDecoding.decode(&cursor, parallel: parallel)?.commands.count
        }
    }

    /// The same by the general path (see `ImportDecoding.decodeGenerally`).
    public static func decodeGeneral(_ parameters: [UInt8]) -> Int? {
        (try? ImportDecoding.decodeGenerally(parameters))?.commands.count
    }
}
