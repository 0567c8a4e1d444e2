import type { DirectoryPlace, DirectoryProfessional } from "@confrere/protocol";

/** "Docteur Léa LEROY": the directory's civility, first name and surname as it spells them. */
export function fullName(
  professional: Pick<DirectoryProfessional, "civility" | "firstName" | "lastName">,
): string {
  return [professional.civility, professional.firstName, professional.lastName].filter(Boolean).join(" ");
}

/**
 * Where someone practises, one line per place ("CABINET BONNET — 97400 SAINT-DENIS"), each line
 * once: two practice situations at one place read as one.
 */
export function placeLines(places: readonly DirectoryPlace[]): string[] {
  const lines = places.map((place) =>
    [place.establishmentName, [place.postalCode, place.commune].filter(Boolean).join(" ")]
      .filter(Boolean)
      .join(" — "),
  );
  return [...new Set(lines.filter(Boolean))];
}
