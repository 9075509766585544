import ClusterdTestSupport
import EventLog
import Foundation
import Testing

/// The key store's contract (docs/key-store.md): keys durable and wrapped, destroyed for real,
/// every check on open, and no link followed.
struct KeyStoreTests {
    let logID = (0..<16).map { UInt8($0 + 1) }
    let wrapping = try! WrappingKey(material: (0..<32).map { UInt8($0 * 7 % 256) }, source: "test")
    let otherWrapping = try! WrappingKey(material: (0..<32).map { UInt8($0 * 11 % 256 + 1) }, source: "test")

    func fresh() throws -> (TemporaryDirectory, StateDirectory, KeyStore) {
        let temporary = try TemporaryDirectory()
        let directory = try StateDirectory(path: temporary.path)
        let store = try KeyStore.create(in: directory, logID: logID, wrappingKey: wrapping, nowMicroseconds: 1_600_000_000_000_000)
        return (temporary, directory, store)
    }

    func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard haystack.count >= needle.count else { return 0 }
        return (0...(haystack.count - needle.count)).filter { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }.count
    }

    @Test func keysSurviveAReopenAndOpenWhatTheySealed() throws {
        let (temporary, directory, store) = try fresh()
        let subjects = (0..<3).map { _ in SubjectID.random() }
        let keys = try store.createKeys(for: subjects)
        let sealed = keys[1].seal(Array("Jeanne Dupont".utf8), subject: subjects[1], field: "name")
        #expect(occurrences(of: Array("Jeanne".utf8), in: sealed) == 0)
        let reopened = try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        #expect(reopened.count == 3)
        #expect(reopened.subjects == Set(subjects))
        let opened = try #require(reopened.key(for: subjects[1])?.open(sealed, subject: subjects[1], field: "name"))
        #expect(String(decoding: opened, as: UTF8.self) == "Jeanne Dupont")
        let attributes = try FileManager.default.attributesOfItem(atPath: temporary.file(KeyStore.fileName))
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
        #expect((attributes[.size] as? Int) == 64 + 3 * 80)
        // The file holds the wrapped keys, not the keys, and nothing of the field.
        let bytes = try fileBytes(temporary.file(KeyStore.fileName))
        #expect(Array(bytes[0..<8]) == Array("CLSTRKEY".utf8))
        #expect(Array(bytes[16..<32]) == logID)
        #expect(occurrences(of: subjects[1].bytes, in: bytes) == 1)
    }

    @Test func aSealedFieldOpensOnlyForItsSubjectFieldAndBytes() throws {
        let (temporary, _, store) = try fresh()
        defer { withExtendedLifetime(temporary) {} }
        let subjects = [SubjectID.random(), SubjectID.random()]
        let keys = try store.createKeys(for: subjects)
        let sealed = keys[0].seal(Array("jeanne@example.org".utf8), subject: subjects[0], field: "email")
        #expect(keys[0].open(sealed, subject: subjects[0], field: "email") != nil)
        #expect(keys[0].open(sealed, subject: subjects[0], field: "name") == nil)
        #expect(keys[0].open(sealed, subject: subjects[1], field: "email") == nil)
        #expect(keys[1].open(sealed, subject: subjects[0], field: "email") == nil)
        for index in sealed.indices {
            var altered = sealed
            altered[index] ^= 0x20
            #expect(keys[0].open(altered, subject: subjects[0], field: "email") == nil, "byte \(index) altered")
        }
        #expect(keys[0].open(sealed.prefix(10), subject: subjects[0], field: "email") == nil)
    }

    @Test func aDestroyedKeyIsGoneFromMemoryAndFromTheFile() throws {
        let (temporary, directory, store) = try fresh()
        let subjects = (0..<4).map { _ in SubjectID.random() }
        let keys = try store.createKeys(for: subjects)
        let sealed = keys[2].seal(Array("Paul".utf8), subject: subjects[2], field: "name")
        let before = try fileBytes(temporary.file(KeyStore.fileName))
        let entry = Array(before[(64 + 2 * 80)..<(64 + 3 * 80)])
        #expect(try store.destroy([subjects[2], SubjectID.random()]) == 1)
        #expect(store.key(for: subjects[2]) == nil)
        let after = try fileBytes(temporary.file(KeyStore.fileName))
        #expect(after.count == before.count, "one erased slot of four: overwritten in place, not compacted")
        #expect(occurrences(of: entry, in: after) == 0)
        #expect(occurrences(of: Array(entry[16..<76]), in: after) == 0, "the wrapped key itself is overwritten")
        #expect(occurrences(of: subjects[2].bytes, in: after) == 0)
        let reopened = try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        #expect(reopened.subjects == Set(subjects).subtracting([subjects[2]]))
        for subject in reopened.subjects {
            #expect(reopened.key(for: subject)?.open(sealed, subject: subjects[2], field: "name") == nil)
        }
        // New keys go after the erased slot.
        let later = SubjectID.random()
        _ = try reopened.createKeys(for: [later])
        #expect(try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil).subjects.contains(later))
    }

    @Test func mostlyErasedStoresAreRewrittenWithoutTheirEmptySlots() throws {
        let (temporary, directory, store) = try fresh()
        let subjects = (0..<10).map { _ in SubjectID.random() }
        let keys = try store.createKeys(for: subjects)
        try store.destroy(subjects[0..<6])
        let bytes = try fileBytes(temporary.file(KeyStore.fileName))
        #expect(bytes.count == 64 + 4 * 80)
        #expect(!FileManager.default.fileExists(atPath: temporary.file("keys.bin.tmp")))
        let reopened = try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        #expect(reopened.subjects == Set(subjects[6...]))
        let sealed = keys[8].seal([1, 2, 3], subject: subjects[8], field: "phone")
        #expect(reopened.key(for: subjects[8])?.open(sealed, subject: subjects[8], field: "phone") == [1, 2, 3])
        // The store goes on after a compaction: it writes to the new file.
        let later = SubjectID.random()
        _ = try store.createKeys(for: [later])
        try store.destroy([subjects[7]])
        let last = try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        #expect(last.subjects == Set([subjects[6], subjects[8], subjects[9], later]))
    }

    @Test func aSubjectWithAKeyGetsNoSecondOneAndNothingIsWritten() throws {
        let (temporary, _, store) = try fresh()
        let subject = SubjectID.random()
        _ = try store.createKeys(for: [subject])
        let size = try fileBytes(temporary.file(KeyStore.fileName)).count
        #expect(throws: KeyStoreError.self) { try store.createKeys(for: [SubjectID.random(), subject]) }
        let twice = SubjectID.random()
        #expect(throws: KeyStoreError.self) { try store.createKeys(for: [twice, twice]) }
        #expect(try fileBytes(temporary.file(KeyStore.fileName)).count == size)
        #expect(store.count == 1)
    }

    @Test func anotherLogOrAnotherWrappingKeyIsRefusedByName() throws {
        let (temporary, directory, store) = try fresh()
        defer { withExtendedLifetime(temporary) {} }
        _ = try store.createKeys(for: [SubjectID.random()])
        #expect {
            try KeyStore.open(in: directory, logID: [UInt8](repeating: 9, count: 16), wrappingKey: wrapping, logger: nil)
        } throws: { error in
            guard case KeyStoreError.otherLog = error else { return false }
            return "\(error)".contains("090909")
        }
        #expect {
            try KeyStore.open(in: directory, logID: logID, wrappingKey: otherWrapping, logger: nil)
        } throws: { error in
            guard case KeyStoreError.otherWrappingKey = error else { return false }
            return "\(error)".contains("another wrapping key")
        }
    }

    @Test func anAlteredEntryIsDamageAndNothingIsChanged() throws {
        let (temporary, directory, store) = try fresh()
        _ = try store.createKeys(for: (0..<3).map { _ in SubjectID.random() })
        let path = temporary.file(KeyStore.fileName)
        let original = try fileBytes(path)
        // A wrapped key altered and its CRC recomputed: only the AEAD tag can tell.
        var resealed = original
        resealed[64 + 80 + 30] ^= 1
        let crc = CRC32C.checksum(resealed[(64 + 80)..<(64 + 80 + 76)])
        withUnsafeBytes(of: crc.littleEndian) { resealed.replaceSubrange((64 + 80 + 76)..<(64 + 160), with: $0) }
        try writeBytes(resealed, to: path)
        #expect {
            try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        } throws: { error in
            guard case KeyStoreError.damaged(_, let offset, let reason) = error else { return false }
            return offset == 144 && reason.contains("altered")
        }
        #expect(try fileBytes(path) == resealed)
        // A bad CRC with entries after it: damage, not a torn tail.
        var flipped = original
        flipped[64 + 5] ^= 1
        try writeBytes(flipped, to: path)
        #expect {
            try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        } throws: { error in
            guard case KeyStoreError.damaged(_, 64, _) = error else { return false }
            return true
        }
        #expect(try fileBytes(path) == flipped)
        // A header altered.
        var header = original
        header[20] ^= 1
        try writeBytes(header, to: path)
        #expect(throws: KeyStoreError.badHeader(path: path, reason: "its header's CRC does not match")) {
            try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil)
        }
    }

    @Test func aTornLastEntryIsCutOff() throws {
        let (temporary, directory, store) = try fresh()
        let subjects = (0..<2).map { _ in SubjectID.random() }
        _ = try store.createKeys(for: subjects)
        let path = temporary.file(KeyStore.fileName)
        let original = try fileBytes(path)
        try writeBytes(original + Array(repeating: 0x5A, count: 30), to: path)
        #expect(try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil).subjects == Set(subjects))
        #expect(try fileBytes(path) == original)
        // A whole last entry half written: its CRC fails, and nothing follows it.
        var torn = original
        for index in (64 + 80 + 40)..<(64 + 160) { torn[index] = 0 }
        try writeBytes(torn, to: path)
        #expect(try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil).subjects == [subjects[0]])
        #expect(try fileBytes(path).count == 64 + 80)
    }

    @Test func noLinkIsFollowed() throws {
        let (temporary, directory, _) = try fresh()
        let victim = try TemporaryDirectory()
        let target = victim.file("victim")
        try writeBytes(Array("root's file".utf8), to: target)
        try FileManager.default.removeItem(atPath: temporary.file(KeyStore.fileName))
        try FileManager.default.createSymbolicLink(atPath: temporary.file(KeyStore.fileName), withDestinationPath: target)
        #expect(throws: KeyStoreError.self) { try KeyStore.open(in: directory, logID: logID, wrappingKey: wrapping, logger: nil) }
        #expect(throws: KeyStoreError.self) {
            try KeyStore.create(in: directory, logID: logID, wrappingKey: wrapping, nowMicroseconds: 0)
        }
        try FileManager.default.removeItem(atPath: temporary.file(KeyStore.fileName))
        try FileManager.default.createSymbolicLink(atPath: temporary.file("keys.bin.tmp"), withDestinationPath: target)
        let store = try KeyStore.create(in: directory, logID: logID, wrappingKey: wrapping, nowMicroseconds: 0)
        _ = try store.createKeys(for: [SubjectID.random()])
        #expect(try fileBytes(target) == Array("root's file".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: temporary.file(KeyStore.fileName))[.type] as? FileAttributeType == .typeRegular)
    }

    @Test func theWrappingKeyComesFromACredentialOrAPrivateFileOutsideTheStateDirectory() throws {
        let state = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let raw = (0..<32).map { UInt8($0 + 100) }
        let file = outside.file("key")
        try writeBytes(raw, to: file)
        chmod(file, 0o600)
        let fromFile = try #require(try WrappingKey.load(credentialsDirectory: nil, file: file, stateDirectory: state.path))
        let hex = raw.map { String(format: "%02x", $0) }.joined() + "\n"
        try writeBytes(Array(hex.utf8), to: file)
        #expect(try WrappingKey.load(credentialsDirectory: nil, file: file, stateDirectory: state.path)?.id == fromFile.id)
        #expect(try WrappingKey.load(credentialsDirectory: nil, file: nil, stateDirectory: state.path) == nil)

        func refusal(_ credentials: String?, _ path: String) -> String {
            do {
                _ = try WrappingKey.load(credentialsDirectory: credentials, file: path, stateDirectory: state.path)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        chmod(file, 0o644)
        #expect(refusal(nil, file).contains("chmod 0400"))
        chmod(file, 0o400)
        let link = outside.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        #expect(refusal(nil, link).contains("symbolic link"))
        try writeBytes(Array(repeating: 1, count: 31), to: outside.file("short"))
        chmod(outside.file("short"), 0o400)
        #expect(refusal(nil, outside.file("short")).contains("holds 31 bytes"))
        try writeBytes(Array(repeating: 0, count: 32), to: outside.file("zeros"))
        chmod(outside.file("zeros"), 0o400)
        #expect(refusal(nil, outside.file("zeros")).contains("all zeros"))
        try writeBytes(raw, to: state.file("key"))
        chmod(state.file("key"), 0o400)
        #expect(refusal(nil, state.file("key")).contains("in the state directory"))
        #expect(refusal(nil, outside.file("missing")).contains("No such file"))
        // The systemd credential wins over the file.
        let credentials = try TemporaryDirectory()
        let other = (0..<32).map { UInt8($0 + 1) }
        try writeBytes(other, to: credentials.file(WrappingKey.credentialName))
        let fromCredential = try #require(try WrappingKey.load(credentialsDirectory: credentials.path, file: file, stateDirectory: state.path))
        #expect(fromCredential.id == (try WrappingKey(material: other, source: "test").id))
        #expect(fromCredential.id != fromFile.id)
    }
}
