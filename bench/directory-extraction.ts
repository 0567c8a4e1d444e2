/**
 * Generates a large fictional Annuaire Santé extraction in the newer layout (Personne_activite +
 * SavoirFaire, the fixture's headers), for the directory bench. Deterministic for a given seed;
 * every RPPS carries a valid Luhn key.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { checkRpps, withLuhnKey } from "@confrere/protocol";

const fixturesDir = path.resolve(import.meta.dirname, "../../shared/fixtures/annuaire/split");
const FIXTURE_PERSONNE_ACTIVITE = path.join(fixturesDir, "PS_LibreAcces_Personne_activite_202611150000.txt");
const FIXTURE_SAVOIR_FAIRE = path.join(fixturesDir, "PS_LibreAcces_SavoirFaire_202611150000.txt");

/** mulberry32: a small seeded generator, so that two runs generate the same extraction. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON_SURNAMES = [
  "MARTIN",
  "BERNARD",
  "THOMAS",
  "PETIT",
  "ROBERT",
  "RICHARD",
  "DURAND",
  "DUBOIS",
  "MOREAU",
  "LAURENT",
  "SIMON",
  "MICHEL",
  "LEFÈVRE",
  "LEROY",
  "ROUX",
  "DAVID",
  "BERTRAND",
  "MOREL",
  "FOURNIER",
  "GIRARD",
  "BONNET",
  "DUPONT",
  "LAMBERT",
  "FONTAINE",
  "ROUSSEAU",
  "VINCENT",
  "MULLER",
  "LEFEBVRE",
  "FAURE",
  "ANDRÉ",
  "MERCIER",
  "BLANC",
  "GUÉRIN",
  "BOYER",
  "GARNIER",
  "CHEVALIER",
  "FRANÇOIS",
  "LEGRAND",
  "GAUTHIER",
  "GARCIA",
  "LE GALL",
  "O'CONNOR",
  "BEN SAÏD",
  "NGUYEN",
  "SAINT-PÈRE",
];
const FIRST_NAMES = [
  "Léa",
  "Clémence",
  "Anaïs",
  "Maël",
  "Jules",
  "Noé",
  "Théo",
  "Chloé",
  "Hélène",
  "Lucas",
  "Camille",
  "Nathan",
  "Gabriel",
  "Hugo",
  "Arthur",
  "Manon",
  "Zoé",
  "Raphaël",
  "Louise",
  "Émilie",
  "François",
  "Marie",
  "Jean",
  "Pierre",
  "Sophie",
  "Nicolas",
  "Isabelle",
  "Philippe",
  "Nathalie",
  "Julien",
  "Céline",
  "Olivier",
  "Sandrine",
  "Stéphane",
  "Aurélie",
  "Christophe",
  "Élodie",
  "Sébastien",
  "Inès",
  "Loïc",
];
const SYLLABLES = [
  "ba",
  "ber",
  "bou",
  "ca",
  "char",
  "chè",
  "da",
  "del",
  "du",
  "fa",
  "fer",
  "ga",
  "gau",
  "gré",
  "la",
  "lan",
  "le",
  "lou",
  "ma",
  "mar",
  "mé",
  "mon",
  "na",
  "no",
  "pa",
  "pel",
  "pi",
  "ra",
  "ren",
  "ro",
  "sa",
  "sal",
  "sé",
  "ta",
  "tel",
  "tou",
  "va",
  "ver",
  "vi",
  "zo",
  "quet",
  "vin",
  "cot",
  "rat",
  "gnon",
  "çon",
];
const STREETS = ["de la République", "Paul Bert", "Victor Hugo", "Jean Jaurès", "des Écoles", "du Moulin"];
const DEPARTEMENTS: readonly (readonly [string, string])[] = [
  ["01", "Ain"],
  ["06", "Alpes-Maritimes"],
  ["13", "Bouches-du-Rhône"],
  ["14", "Calvados"],
  ["21", "Côte-d'Or"],
  ["29", "Finistère"],
  ["2A", "Corse-du-Sud"],
  ["2B", "Haute-Corse"],
  ["31", "Haute-Garonne"],
  ["33", "Gironde"],
  ["34", "Hérault"],
  ["35", "Ille-et-Vilaine"],
  ["38", "Isère"],
  ["44", "Loire-Atlantique"],
  ["45", "Loiret"],
  ["49", "Maine-et-Loire"],
  ["51", "Marne"],
  ["54", "Meurthe-et-Moselle"],
  ["57", "Moselle"],
  ["59", "Nord"],
  ["62", "Pas-de-Calais"],
  ["63", "Puy-de-Dôme"],
  ["67", "Bas-Rhin"],
  ["69", "Rhône"],
  ["71", "Saône-et-Loire"],
  ["75", "Paris"],
  ["76", "Seine-Maritime"],
  ["83", "Var"],
  ["89", "Yonne"],
  ["92", "Hauts-de-Seine"],
  ["93", "Seine-Saint-Denis"],
  ["94", "Val-de-Marne"],
  ["971", "Guadeloupe"],
  ["974", "La Réunion"],
];
const FIXTURE_COMMUNES: readonly (readonly [string, string])[] = [
  ["AUXERRE", "89"],
  ["SENS", "89"],
  ["JOIGNY", "89"],
  ["AVALLON", "89"],
  ["TONNERRE", "89"],
  ["DIJON", "21"],
  ["LE CREUSOT", "71"],
  ["PARIS", "75"],
  ["AJACCIO", "2A"],
  ["SAINT-DENIS", "974"],
];
/** Profession code, label, weight (roughly the real mix). */
const PROFESSIONS: readonly (readonly [string, string, number])[] = [
  ["10", "Médecin", 35],
  ["60", "Infirmier", 30],
  ["70", "Masseur-kinésithérapeute", 10],
  ["21", "Pharmacien", 10],
  ["40", "Chirurgien-dentiste", 5],
  ["50", "Sage-femme", 3],
  ["91", "Orthophoniste", 3],
  ["80", "Pédicure-podologue", 2],
  ["26", "Audioprothésiste", 2],
];
const SPECIALTIES: readonly (readonly [string, string, number])[] = [
  ["SM54", "Médecine générale", 45],
  ["SM53", "Spécialiste en Médecine Générale", 10],
  ["SM04", "Cardiologie et maladies vasculaires", 6],
  ["SM15", "Dermatologie et vénéréologie", 4],
  ["SM24", "Ophtalmologie", 5],
  ["SM26", "Pédiatrie", 6],
  ["SM37", "Psychiatrie", 8],
  ["SM38", "Radio-diagnostic", 6],
  ["SM19", "Gériatrie", 3],
  ["SM02", "Anesthésie-réanimation", 5],
  ["SM20", "Gynécologie-obstétrique", 2],
];

function weighted<T extends readonly [string, string, number]>(items: readonly T[], random: () => number): T {
  const total = items.reduce((sum, item) => sum + item[2], 0);
  let pick = random() * total;
  for (const item of items) {
    pick -= item[2];
    if (pick < 0) return item;
  }
  return items[items.length - 1]!;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function word(random: () => number, syllables: number): string {
  let out = "";
  for (let i = 0; i < syllables; i++) out += pick(SYLLABLES, random);
  return out;
}

interface Commune {
  readonly label: string;
  readonly code: string;
  readonly postalCode: string;
  readonly departement: readonly [string, string];
}

function makeCommunes(random: () => number, count: number): Commune[] {
  const byCode = new Map(DEPARTEMENTS.map((d) => [d[0], d]));
  const communes: Commune[] = FIXTURE_COMMUNES.map(([label, dep], i) => ({
    label,
    code: `${dep}${String(100 + i).slice(-3)}`.slice(0, 5),
    postalCode: `${dep.replace(/^2[AB]$/, "20")}${String(100 + i * 7).slice(-3)}`.slice(0, 5),
    departement: byCode.get(dep)!,
  }));
  for (let i = communes.length; i < count; i++) {
    const departement = pick(DEPARTEMENTS, random);
    const base = word(random, 2 + Math.floor(random() * 2)).toUpperCase();
    const label =
      random() < 0.2
        ? `SAINT-${base}`
        : random() < 0.1
          ? `${base}-SUR-${word(random, 2).toUpperCase()}`
          : base;
    const dep = departement[0].replace(/^2[AB]$/, "20");
    communes.push({
      label,
      code: `${departement[0]}${String(i % 1000).padStart(3, "0")}`.slice(0, 5),
      postalCode: `${dep}${String((i * 37) % 1000).padStart(3, "0")}`.slice(0, 5),
      departement,
    });
  }
  return communes;
}

/** Writes `text` to `stream`, waiting when its buffer is full. */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

export interface GeneratedExtraction {
  readonly files: readonly string[];
  readonly rows: number;
  readonly savoirFaireRows: number;
  readonly people: number;
  /** A few (surname, commune, specialty label) of generated people, to build realistic searches. */
  readonly samples: readonly {
    lastName: string;
    firstName: string;
    commune: string;
    specialty: string | null;
    departement: string;
  }[];
}

/**
 * Writes `PS_LibreAcces_Personne_activite_<stamp>.txt` with `rows` practice situations (1 to 3
 * per person, adjacent) and the matching `PS_LibreAcces_SavoirFaire_<stamp>.txt` into `dir`.
 */
export async function generateExtraction(dir: string, rows: number, seed = 1): Promise<GeneratedExtraction> {
  const random = seededRandom(seed);
  const practiceHeader = (await readFile(FIXTURE_PERSONNE_ACTIVITE, "utf8")).split("\n")[0]!;
  const savoirFaireHeader = (await readFile(FIXTURE_SAVOIR_FAIRE, "utf8")).split("\n")[0]!;
  const practiceColumns = practiceHeader.split("|");
  const savoirFaireColumns = savoirFaireHeader.split("|");
  const column = (columns: string[], name: string) => {
    const index = columns.indexOf(name);
    if (index === -1) throw new Error(`generateExtraction: the fixture has no column "${name}"`);
    return index;
  };
  const p = (name: string) => column(practiceColumns, name);
  const ix = {
    idType: p("Type d'identifiant PP"),
    identifier: p("Identifiant PP"),
    nationalId: p("Identification nationale PP"),
    practiceCivilityCode: p("Code civilité d'exercice"),
    practiceCivilityLabel: p("Libellé civilité exercice"),
    civilityCode: p("Code civilité"),
    civilityLabel: p("Libellé civilité"),
    lastName: p("Nom d'exercice"),
    firstName: p("Prénom d'exercice"),
    professionCode: p("Code profession"),
    professionLabel: p("Libellé profession"),
    categoryCode: p("Code catégorie professionnelle"),
    categoryLabel: p("Libellé catégorie professionnelle"),
    modeCode: p("Code mode exercice"),
    modeLabel: p("Libellé mode exercice"),
    finess: p("Numéro FINESS site"),
    technicalId: p("Identifiant technique de la structure"),
    legalName: p("Raison sociale site"),
    streetNumber: p("Numéro Voie (coord. structure)"),
    streetType: p("Libellé type de voie (coord. structure)"),
    streetName: p("Libellé Voie (coord. structure)"),
    postalCode: p("Code postal (coord. structure)"),
    communeCode: p("Code commune (coord. structure)"),
    communeLabel: p("Libellé commune (coord. structure)"),
    countryCode: p("Code pays (coord. structure)"),
    countryLabel: p("Libellé pays (coord. structure)"),
    phone: p("Téléphone (coord. structure)"),
    departementCode: p("Code département (coord. structure)"),
    departementLabel: p("Libellé département (coord. structure)"),
    authority: p("Autorité d'enregistrement"),
    sectorCode: p("Code secteur d'activité"),
    sectorLabel: p("Libellé secteur d'activité"),
  };
  const s = (name: string) => column(savoirFaireColumns, name);
  const sx = {
    idType: s("Type d'identifiant PP"),
    identifier: s("Identifiant PP"),
    nationalId: s("Identification nationale PP"),
    lastName: s("Nom d'exercice"),
    firstName: s("Prénom d'exercice"),
    professionCode: s("Code profession"),
    professionLabel: s("Libellé profession"),
    typeCode: s("Code type savoir-faire"),
    typeLabel: s("Libellé type savoir-faire"),
    code: s("Code savoir-faire"),
    label: s("Libellé savoir-faire"),
  };

  const surnames = [...COMMON_SURNAMES];
  for (let i = 0; i < 40_000; i++) surnames.push(word(random, 2 + Math.floor(random() * 2)).toUpperCase());
  const communes = makeCommunes(random, 4000);
  const hospitals = new Map<Commune, { finess: string; technicalId: string; name: string }>();

  const stamp = "202612010000";
  const practiceFile = path.join(dir, `PS_LibreAcces_Personne_activite_${stamp}.txt`);
  const savoirFaireFile = path.join(dir, `PS_LibreAcces_SavoirFaire_${stamp}.txt`);
  const practice = createWriteStream(practiceFile, { highWaterMark: 1 << 20 });
  const savoirFaire = createWriteStream(savoirFaireFile, { highWaterMark: 1 << 20 });
  await write(practice, `${practiceHeader}\n`);
  await write(savoirFaire, `${savoirFaireHeader}\n`);

  const samples: GeneratedExtraction["samples"][number][] = [];
  let written = 0;
  let savoirFaireRows = 0;
  let people = 0;
  let technicalCounter = 0;
  let practiceBuffer = "";
  let savoirFaireBuffer = "";
  const fields: string[] = new Array(practiceColumns.length).fill("");
  const sfFields: string[] = new Array(savoirFaireColumns.length).fill("");
  while (written < rows) {
    people++;
    const rpps = withLuhnKey(`1${String(people).padStart(9, "0")}`);
    if (people === 1 && !checkRpps(rpps).ok) throw new Error("generateExtraction: bad RPPS key");
    const nationalId = `8${rpps}`;
    const isWoman = random() < 0.55;
    const lastName = random() < 0.25 ? pick(COMMON_SURNAMES, random) : pick(surnames, random);
    const firstName = pick(FIRST_NAMES, random);
    const [professionCode, professionLabel] = weighted(PROFESSIONS, random);
    const isDoctor = professionCode === "10";
    const specialty = isDoctor ? weighted(SPECIALTIES, random) : null;
    const situations = Math.min(rows - written, random() < 0.7 ? 1 : random() < 0.8 ? 2 : 3);
    const home = pick(communes, random);
    fields.fill("");
    fields[ix.idType] = "8";
    fields[ix.identifier] = rpps;
    fields[ix.nationalId] = nationalId;
    fields[ix.practiceCivilityCode] = isDoctor ? "DR" : isWoman ? "MME" : "M";
    fields[ix.practiceCivilityLabel] = isDoctor ? "Docteur" : isWoman ? "Madame" : "Monsieur";
    fields[ix.civilityCode] = isWoman ? "MME" : "M";
    fields[ix.civilityLabel] = isWoman ? "Madame" : "Monsieur";
    fields[ix.lastName] = lastName;
    fields[ix.firstName] = firstName;
    fields[ix.professionCode] = professionCode;
    fields[ix.professionLabel] = professionLabel;
    fields[ix.categoryCode] = "C";
    fields[ix.categoryLabel] = "Civil";
    fields[ix.countryCode] = "99100";
    fields[ix.countryLabel] = "France";
    fields[ix.authority] = "RPPS";
    for (let n = 0; n < situations; n++) {
      const commune = n === 0 ? home : pick(communes, random);
      const isSalaried = random() < 0.35;
      fields[ix.modeCode] = isSalaried ? "S" : "L";
      fields[ix.modeLabel] = isSalaried ? "Salarié" : "Libéral";
      if (isSalaried) {
        let hospital = hospitals.get(commune);
        if (!hospital) {
          const dep = commune.departement[0].replace(/^2[AB]$/, "20").slice(0, 2);
          hospital = {
            finess: withLuhnKey(`${dep}${String(hospitals.size).padStart(6, "0")}`),
            technicalId: `R2${String(hospitals.size).padStart(10, "0")}`,
            name: `CENTRE HOSPITALIER DE ${commune.label}`,
          };
          hospitals.set(commune, hospital);
        }
        fields[ix.finess] = hospital.finess;
        fields[ix.technicalId] = hospital.technicalId;
        fields[ix.legalName] = hospital.name;
        fields[ix.sectorCode] = "SA01";
        fields[ix.sectorLabel] = "Etablissement public de santé";
      } else {
        technicalCounter++;
        fields[ix.finess] = "";
        fields[ix.technicalId] = `R1${String(technicalCounter).padStart(10, "0")}`;
        fields[ix.legalName] = `CABINET ${lastName}`;
        fields[ix.sectorCode] = situations > 1 ? "SA08" : "SA07";
        fields[ix.sectorLabel] = situations > 1 ? "Cabinet de groupe" : "Cabinet individuel";
      }
      fields[ix.streetNumber] = String(1 + Math.floor(random() * 120));
      fields[ix.streetType] = "rue";
      fields[ix.streetName] = pick(STREETS, random);
      fields[ix.postalCode] = commune.postalCode;
      fields[ix.communeCode] = commune.code;
      fields[ix.communeLabel] = commune.label;
      fields[ix.phone] = `03${String(Math.floor(random() * 1e8)).padStart(8, "0")}`;
      fields[ix.departementCode] = commune.departement[0];
      fields[ix.departementLabel] = commune.departement[1];
      practiceBuffer += `${fields.join("|")}\n`;
      written++;
    }
    if (specialty) {
      sfFields.fill("");
      sfFields[sx.idType] = "8";
      sfFields[sx.identifier] = rpps;
      sfFields[sx.nationalId] = nationalId;
      sfFields[sx.lastName] = lastName;
      sfFields[sx.firstName] = firstName;
      sfFields[sx.professionCode] = professionCode;
      sfFields[sx.professionLabel] = professionLabel;
      sfFields[sx.typeCode] = "S";
      sfFields[sx.typeLabel] = "Spécialité ordinale";
      sfFields[sx.code] = specialty[0];
      sfFields[sx.label] = specialty[1];
      savoirFaireBuffer += `${sfFields.join("|")}\n`;
      savoirFaireRows++;
    }
    if (people % 997 === 0 && samples.length < 5000) {
      samples.push({
        lastName,
        firstName,
        commune: home.label,
        specialty: specialty?.[1] ?? null,
        departement: home.departement[0],
      });
    }
    if (practiceBuffer.length > 1 << 20) {
      await write(practice, practiceBuffer);
      practiceBuffer = "";
    }
    if (savoirFaireBuffer.length > 1 << 20) {
      await write(savoirFaire, savoirFaireBuffer);
      savoirFaireBuffer = "";
    }
  }
  await write(practice, practiceBuffer);
  await write(savoirFaire, savoirFaireBuffer);
  await close(practice);
  await close(savoirFaire);
  return { files: [savoirFaireFile, practiceFile], rows: written, savoirFaireRows, people, samples };
}
