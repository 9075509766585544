import ClusterModel
import Testing

struct IdentifierTests {
    @Test(arguments: ["732829320", "732 829 320", "356000000", "552100554", "443061841"])
    func validSIRENs(_ text: String) throws {
        #expect(try SIREN(text).description == text.filter { $0 != " " })
    }

    @Test(arguments: [
        ("732829321", "Luhn"), ("000000000", "not a SIREN"), ("73282932", "not 9 digits"), ("7328293200", "not 9 digits"),
        ("73282932a", "not 9 digits"), ("", "not 9 digits"), ("７３２８２９３２０", "not 9 digits"),
    ])
    func invalidSIRENs(_ text: String, _ reason: String) {
        #expect { try SIREN(text) } throws: { error in
            guard case .invalidArgument(let field, let message)? = error as? DomainError else { return false }
            return field == "siren" && message.contains(reason)
        }
    }

    @Test func SIRETsFollowLuhnExceptLaPoste() throws {
        #expect(try SIRET("73282932000074").siren.description == "732829320")
        #expect(throws: DomainError.self) { try SIRET("73282932000075") }
        // La Poste: digit sum divisible by 5, Luhn or not.
        #expect(try SIRET("35600000000010").siren == .laPoste)
        #expect(throws: DomainError.self) { try SIRET("35600000000002") }
        #expect(throws: DomainError.self) { try SIRET("7328293200007") }
    }

    @Test func NAFCodesComeFromTheOfficialList() throws {
        #expect(NAFCode.all.count == 732)
        #expect(try NAFCode("25.62B").section.description == "C")
        #expect(try NAFCode("2562b").code == "25.62B")
        #expect(try NAFCode("01.11Z").section.description == "A")
        #expect(try NAFCode("99.00Z").section.description == "U")
        #expect(throws: DomainError.self) { try NAFCode("25.62C") }
        #expect(throws: DomainError.self) { try NAFCode("2562") }
        #expect(throws: DomainError.self) { try NAFCode("AB.CDE") }
    }

    @Test func regionsAndDepartments() throws {
        #expect(Region.all.count == 18)
        #expect(Department.all.count == 101)
        #expect(try Department("76").region == (try Region("28")))
        #expect(try Department("2a").region == (try Region("94")))
        #expect(try Department("976").region == (try Region("06")))
        #expect { try Department("20") } throws: { "\($0)".contains("2A or 2B") }
        for code in ["00", "96", "975", "977", "1"] {
            #expect(throws: DomainError.self) { try Department(code) }
        }
        #expect(throws: DomainError.self) { try Region("12") }
    }

    @Test func aDepartmentMustBelongToTheClustersRegions() throws {
        #expect(throws: Never.self) { try RecordValidation.checkTerritory(regions: [try Region("28")], departments: [try Department("76")]) }
        #expect { try RecordValidation.checkTerritory(regions: [try Region("32")], departments: [try Department("76")]) } throws: { error in
            guard case .invalidArgument(let field, let reason)? = error as? DomainError else { return false }
            return field == "departments[0]" && reason.contains("region 28")
        }
        #expect(throws: DomainError.self) { try RecordValidation.checkTerritory(regions: [], departments: []) }
    }

    @Test(arguments: [
        (0, nil, SizeCategory.micro), (9, nil, .micro), (10, nil, .pme), (249, nil, .pme), (250, nil, .eti), (4999, nil, .eti),
        (5000, nil, .ge), (5, 10_000_000, .pme), (100, 60_000_000, .eti), (300, 2_000_000_000, .ge),
    ] as [(Int64, Int64?, SizeCategory)])
    func sizeCategoriesOfTheDecree(employees: Int64, turnover: Int64?, expected: SizeCategory) {
        #expect(SizeCategory.derived(employees: employees, turnoverEUR: turnover) == expected)
    }

    @Test func datesAndTimes() throws {
        #expect(try CalendarDate("2020-02-29").description == "2020-02-29")
        #expect(throws: DomainError.self) { try CalendarDate("2021-02-29") }
        #expect(throws: DomainError.self) { try CalendarDate("2021-13-01") }
        #expect(throws: DomainError.self) { try CalendarDate("21-01-01") }
        let time = try Timestamp("2020-11-09T00:30:00+01:00")
        #expect(time.description == "2020-11-09T00:30:00+01:00")
        #expect(time.localDate.description == "2020-11-09")
        #expect(Timestamp(microsecondsSinceEpoch: time.microsecondsSinceEpoch).description == "2020-11-08T23:30:00Z")
        #expect(try Timestamp("2020-11-09T08:00:00.25Z").microsecondsSinceEpoch % 1_000_000 == 250_000)
        #expect(throws: DomainError.self) { try Timestamp("2020-11-09T08:00:00") }
        #expect(throws: DomainError.self) { try Timestamp("2020-11-09 08:00:00Z") }
    }

    @Test func slugs() throws {
        #expect(try Slug("vallee-du-verre", field: "id").text == "vallee-du-verre")
        for bad in ["", "Upper", "with space", "-dash", String(repeating: "a", count: 65), "é"] {
            #expect(throws: DomainError.self) { try Slug(bad, field: "id") }
        }
    }
}
