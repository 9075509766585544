import Glibc
import Logging
@testable import Systemd
import Testing

struct JournalLogHandlerTests {
    @Test func metadataKeysBecomeJournalFieldNames() {
        #expect(JournalLogHandler.fieldName("first_lost_seq") == "FIRST_LOST_SEQ")
        #expect(JournalLogHandler.fieldName("message_id") == "MESSAGE_ID")
        #expect(JournalLogHandler.fieldName("kept-at") == "KEPT_AT")
        #expect(JournalLogHandler.fieldName("_private") == "PRIVATE")
        #expect(JournalLogHandler.fieldName("9lives") == "LIVES")
        #expect(JournalLogHandler.fieldName("___") == nil)
    }

    @Test func levelsMapToSyslogPriorities() {
        #expect(JournalLogHandler.priority(.critical) == 2)
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.warning) == 4)
        #expect(JournalLogHandler.priority(.notice) == 5)
        #expect(JournalLogHandler.priority(.info) == 6)
        #expect(JournalLogHandler.priority(.debug) == 7)
    }

    @Test func standardErrorIsTheJournalOnlyWhenJournalStreamNamesIt() {
        unsetenv("JOURNAL_STREAM")
        #expect(!JournalLogHandler.standardErrorIsJournal)
        setenv("JOURNAL_STREAM", "1:2", 1)
        #expect(!JournalLogHandler.standardErrorIsJournal)
        unsetenv("JOURNAL_STREAM")
    }
}
