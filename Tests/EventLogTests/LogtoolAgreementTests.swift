import ClusterdTestSupport
import EventLog
import Foundation
import Testing

/// Scripts/logtool.py is a second reader written from docs/log-format.md alone. It must agree
/// with the Swift code on every log the Swift code writes, or the spec and the code have drifted.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 4))))
struct LogtoolAgreementTests {
    static let logtool = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/logtool.py").path

    func logtool(_ arguments: [String]) async throws -> ProcessResult {
        try await runToCompletion("/usr/bin/env", ["python3", Self.logtool] + arguments)
    }

    @Test func agreesOnAnIntactLogItsHeadAndEveryRecord() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let head = try await writeLog(at: path, batches: 40, perBatch: 5, payloadSize: 33)
        let verify = try await logtool(["verify", path])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardOutput.contains("intact: 200 records, last seq 200, head 200:\(head.chainHash.hex)"))

        let dump = try await logtool(["dump", path, "--from-seq", "3", "--to-seq", "7"])
        #expect(dump.status == 0)
        let lines = dump.standardOutput.split(separator: "\n")
        let records = try readAll(path)
        #expect(lines.count == 5)
        for (line, record) in zip(lines, records[2..<7]) {
            #expect(line.contains("\"seq\":\(record.sequence)"))
            #expect(line.contains("\"chain_hash\":\"\(record.chainHash.hex)\""))
            #expect(line.contains("\"payload_hex\":\"\(record.payload.map { String(format: "%02x", $0) }.joined())\""))
            #expect(line.contains("\"commit_time_us\":\(record.commitTimeMicroseconds)"))
        }

        let checkpoint = try await logtool(["verify", path, "--checkpoint", "120:\(records[119].chainHash.hex)"])
        #expect(checkpoint.status == 0)
        #expect(checkpoint.standardOutput.contains("checkpoint 120 holds"))
    }

    @Test func findsTheSameFirstProblemAsVerify() async throws {
        let directory = try TemporaryDirectory()
        let original = directory.file("original.log")
        _ = try await writeLog(at: original, batches: 6, perBatch: 2, payloadSize: 20)
        let bytes = try fileBytes(original)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<25 {
            var damaged = bytes
            let byte = Int.random(in: 64..<bytes.count, using: &generator)
            damaged[byte] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
            let path = directory.file("damaged.log")
            try writeBytes(damaged, to: path)
            let swift = LogVerifier.verify(path: path)
            let python = try await logtool(["verify", path])
            #expect(!swift.isIntact)
            #expect(python.status == 1, "byte \(byte): \(python.standardOutput)")
            if let problem = swift.problem, problem.reason.contains("torn tail") == false {
                #expect(python.standardOutput.contains("at byte offset \(problem.offset), record \(problem.sequence)"), "byte \(byte): swift \(problem), python \(python.standardOutput)")
            }
        }
    }
}
