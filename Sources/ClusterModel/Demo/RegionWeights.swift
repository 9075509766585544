/// Each region's weight in the economy, by which the demo spreads its clusters: salaried
/// employment at the end of 2019, in thousands.
///
/// Source: INSEE and DARES, *Emploi, chômage, revenus du travail*, Insee Références, édition 2021,
/// « Emploi dans les régions », figure 1 (« Niveaux de l'emploi et structure de l'emploi salarié
/// par région fin 2019 »), column « Emploi salarié ». Martinique and La Réunion are not
/// transcribed here and Mayotte is outside INSEE's estimates: those three have no weight and get
/// the one cluster every region has.
enum RegionWeights {
    static let salariedEmploymentEnd2019: [(region: String, thousands: Int?)] = [
        ("01", 117),  // Guadeloupe
        ("02", nil),  // Martinique
        ("03", 55),  // Guyane
        ("04", nil),  // La Réunion
        ("06", nil),  // Mayotte
        ("11", 5_990),  // Île-de-France
        ("24", 909),  // Centre-Val de Loire
        ("27", 972),  // Bourgogne-Franche-Comté
        ("28", 1_166),  // Normandie
        ("32", 2_042),  // Hauts-de-France
        ("44", 1_938),  // Grand Est
        ("52", 1_463),  // Pays de la Loire
        ("53", 1_227),  // Bretagne
        ("75", 2_121),  // Nouvelle-Aquitaine
        ("76", 2_034),  // Occitanie
        ("84", 3_067),  // Auvergne-Rhône-Alpes
        ("93", 1_852),  // Provence-Alpes-Côte d'Azur
        ("94", 111),  // Corse
    ]

    /// How many of `total` clusters each region gets: one at least, the rest in proportion to
    /// its weight (the whole part of its quota, then the largest remainders), in region order.
    static func clusters(total: Int) -> [(region: Region, clusters: Int)] {
        let weights = salariedEmploymentEnd2019
        let sum = Double(weights.reduce(0) { $0 + ($1.thousands ?? 0) })
        let quotas = weights.map { Double($0.thousands ?? 0) / sum * Double(total) }
        var seats = quotas.map { max(1, Int($0)) }
        let byRemainder = quotas.indices.filter { quotas[$0] >= 1 }
            .sorted { (quotas[$0] - quotas[$0].rounded(.down), $1) > (quotas[$1] - quotas[$1].rounded(.down), $0) }
        var next = 0
        while seats.reduce(0, +) < total {
            seats[byRemainder[next % byRemainder.count]] += 1
            next += 1
        }
        return weights.indices.map { (Region(trusted: weights[$0].region), seats[$0]) }
    }
}
