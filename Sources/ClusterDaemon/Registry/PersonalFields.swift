import ClusterModel
import EventLog

/// Where a personal value meets its person's key: sealing values in clear into the fields an
/// event carries, and opening them again (docs/key-store.md). The subject is the person's id and
/// the associated data the field's name, so a field moved to another person or field does not open.
extension SubjectKey {
    /// `fields` sealed for `person`, in the order given.
    func seal(_ fields: [(PersonalFieldName, String)], of person: PersonID) -> [SealedField] {
        let subject = Daemon.subject(person)
        return fields.map { name, value in SealedField(name: name, sealed: seal(Array(value.utf8), subject: subject, field: name.rawValue)) }
    }

    /// One value sealed as `person`'s field `name`.
    func seal(_ value: String, as name: PersonalFieldName, of person: PersonID) -> [UInt8] {
        seal(Array(value.utf8), subject: Daemon.subject(person), field: name.rawValue)
    }

    /// The person's field `name` in clear; nil when they have none or it does not open.
    func open(_ name: PersonalFieldName, of person: PersonState) -> String? {
        person.fields[name].flatMap { open($0, subject: Daemon.subject(person.id), field: name.rawValue) }
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every field of the person in clear, each opened once; one that does not open is left out.
    func open(_ person: PersonState) -> [PersonalFieldName: String] {
        var opened: [PersonalFieldName: String] = [:]
        for name in person.fields.keys {
            if let value = open(name, of: person) { opened[name] = value }
        }
        return opened
    }
}

extension TesterFacts {
    /// The tester's age band on `date`: from their birth year when it could be read, else the
    /// band recorded at enrolment (an erased tester's birth year is gone with their key).
    func ageBand(on date: CalendarDate, birthYear: String?) -> AgeBand {
        birthYear.flatMap { Int($0) }.flatMap { AgeBand(birthYear: $0, on: date) } ?? ageBandAtEnrolment
    }
}
