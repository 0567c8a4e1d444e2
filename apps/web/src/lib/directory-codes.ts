/**
 * The codes the directory filters take, with their French names (the directory's own labels:
 * they are not translated, as in the Annuaire Santé).
 *
 * Professions: table TRE_G15, the codes listed in shared/DOMAIN.md. Specialties are not listed
 * here beyond the few DOMAIN.md names: the filter offers those plus every specialty met in the
 * results (with the directory's label), so a wrong guess of a code never reaches the screen.
 */
export const PROFESSIONS: readonly { code: string; label: string }[] = [
  { code: "10", label: "Médecin" },
  { code: "21", label: "Pharmacien" },
  { code: "40", label: "Chirurgien-dentiste" },
  { code: "50", label: "Sage-femme" },
  { code: "60", label: "Infirmier" },
  { code: "70", label: "Masseur-kinésithérapeute" },
  { code: "80", label: "Pédicure-podologue" },
  { code: "91", label: "Orthophoniste" },
  { code: "26", label: "Audioprothésiste" },
];

/** Spécialités ordinales (table TRE_R38) named in shared/DOMAIN.md. */
export const KNOWN_SPECIALTIES: readonly { code: string; label: string }[] = [
  { code: "SM54", label: "Médecine générale" },
  { code: "SM53", label: "Spécialiste en médecine générale" },
  { code: "SM04", label: "Cardiologie et maladies vasculaires" },
];

/** Départements (INSEE codes): metropolitan, Corsica (2A, 2B) and overseas (971–976). */
export const DEPARTEMENTS: readonly { code: string; label: string }[] = [
  ["01", "Ain"],
  ["02", "Aisne"],
  ["03", "Allier"],
  ["04", "Alpes-de-Haute-Provence"],
  ["05", "Hautes-Alpes"],
  ["06", "Alpes-Maritimes"],
  ["07", "Ardèche"],
  ["08", "Ardennes"],
  ["09", "Ariège"],
  ["10", "Aube"],
  ["11", "Aude"],
  ["12", "Aveyron"],
  ["13", "Bouches-du-Rhône"],
  ["14", "Calvados"],
  ["15", "Cantal"],
  ["16", "Charente"],
  ["17", "Charente-Maritime"],
  ["18", "Cher"],
  ["19", "Corrèze"],
  ["2A", "Corse-du-Sud"],
  ["2B", "Haute-Corse"],
  ["21", "Côte-d'Or"],
  ["22", "Côtes-d'Armor"],
  ["23", "Creuse"],
  ["24", "Dordogne"],
  ["25", "Doubs"],
  ["26", "Drôme"],
  ["27", "Eure"],
  ["28", "Eure-et-Loir"],
  ["29", "Finistère"],
  ["30", "Gard"],
  ["31", "Haute-Garonne"],
  ["32", "Gers"],
  ["33", "Gironde"],
  ["34", "Hérault"],
  ["35", "Ille-et-Vilaine"],
  ["36", "Indre"],
  ["37", "Indre-et-Loire"],
  ["38", "Isère"],
  ["39", "Jura"],
  ["40", "Landes"],
  ["41", "Loir-et-Cher"],
  ["42", "Loire"],
  ["43", "Haute-Loire"],
  ["44", "Loire-Atlantique"],
  ["45", "Loiret"],
  ["46", "Lot"],
  ["47", "Lot-et-Garonne"],
  ["48", "Lozère"],
  ["49", "Maine-et-Loire"],
  ["50", "Manche"],
  ["51", "Marne"],
  ["52", "Haute-Marne"],
  ["53", "Mayenne"],
  ["54", "Meurthe-et-Moselle"],
  ["55", "Meuse"],
  ["56", "Morbihan"],
  ["57", "Moselle"],
  ["58", "Nièvre"],
  ["59", "Nord"],
  ["60", "Oise"],
  ["61", "Orne"],
  ["62", "Pas-de-Calais"],
  ["63", "Puy-de-Dôme"],
  ["64", "Pyrénées-Atlantiques"],
  ["65", "Hautes-Pyrénées"],
  ["66", "Pyrénées-Orientales"],
  ["67", "Bas-Rhin"],
  ["68", "Haut-Rhin"],
  ["69", "Rhône"],
  ["70", "Haute-Saône"],
  ["71", "Saône-et-Loire"],
  ["72", "Sarthe"],
  ["73", "Savoie"],
  ["74", "Haute-Savoie"],
  ["75", "Paris"],
  ["76", "Seine-Maritime"],
  ["77", "Seine-et-Marne"],
  ["78", "Yvelines"],
  ["79", "Deux-Sèvres"],
  ["80", "Somme"],
  ["81", "Tarn"],
  ["82", "Tarn-et-Garonne"],
  ["83", "Var"],
  ["84", "Vaucluse"],
  ["85", "Vendée"],
  ["86", "Vienne"],
  ["87", "Haute-Vienne"],
  ["88", "Vosges"],
  ["89", "Yonne"],
  ["90", "Territoire de Belfort"],
  ["91", "Essonne"],
  ["92", "Hauts-de-Seine"],
  ["93", "Seine-Saint-Denis"],
  ["94", "Val-de-Marne"],
  ["95", "Val-d'Oise"],
  ["971", "Guadeloupe"],
  ["972", "Martinique"],
  ["973", "Guyane"],
  ["974", "La Réunion"],
  ["976", "Mayotte"],
].map(([code, label]) => ({ code: code!, label: label! }));

/** Adds the codes met in results to a known list, without duplicates, sorted by label. */
export function mergeCodes(
  known: readonly { code: string; label: string }[],
  seen: Iterable<{ code: string; label: string | null }>,
): { code: string; label: string }[] {
  const byCode = new Map(known.map((entry) => [entry.code, entry.label]));
  for (const entry of seen) if (!byCode.has(entry.code)) byCode.set(entry.code, entry.label ?? entry.code);
  return [...byCode]
    .map(([code, label]) => ({ code, label }))
    .sort((a, b) => a.label.localeCompare(b.label, "fr"));
}
