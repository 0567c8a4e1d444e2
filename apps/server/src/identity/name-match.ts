import { foldSearchText } from "../directory/search-text.ts";

/**
 * A name reduced to what identifies it across spellings: lower case, no accents, and no hyphens,
 * apostrophes or spaces ("Le Gall", "LE-GALL" and "Legall" are one name; so are "Lefèvre" and
 * "LEFEVRE"). The directory spells names in capitals without a rule for the rest.
 *
 * @example
 * nameKey("O'Connor"); // "oconnor"
 */
export function nameKey(name: string): string {
  return foldSearchText(name).replace(/ /g, "");
}

/** The words of a first name ("Jean-Pierre" → ["jean", "pierre"]). */
function nameParts(name: string): string[] {
  return foldSearchText(name)
    .split(" ")
    .filter((part) => part !== "");
}

/**
 * Whether the names a user typed designate this directory entry: the last name must be the same
 * name, and the first name the directory's whole first name or a run of its parts (a
 * "Jean-Pierre" may type "Jean", "Pierre" or "Jean Pierre"; not "Jean-Paul"). Names with no
 * letter or digit at all never match.
 *
 * @example
 * namesMatch({ lastName: "Le Gall", firstName: "Lucas" }, { lastName: "LE GALL", firstName: "Lucas" }); // true
 * namesMatch({ lastName: "Martin", firstName: "Jean" }, { lastName: "MARTIN", firstName: "Jean-Pierre" }); // true
 */
export function namesMatch(
  typed: { lastName: string; firstName: string },
  directory: { lastName: string; firstName: string },
): boolean {
  const lastName = nameKey(typed.lastName);
  if (lastName === "" || lastName !== nameKey(directory.lastName)) return false;
  const firstName = nameKey(typed.firstName);
  if (firstName === "") return false;
  const parts = nameParts(directory.firstName);
  for (let start = 0; start < parts.length; start++) {
    for (let end = start + 1; end <= parts.length; end++) {
      if (parts.slice(start, end).join("") === firstName) return true;
    }
  }
  return false;
}
