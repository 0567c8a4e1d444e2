import { loadConfig } from "../config.ts";
import { migrate, openDatabase } from "../db/database.ts";
import { flags } from "./flags.ts";

export async function runMigrate(args: string[]): Promise<number> {
  flags(args, {});
  const config = loadConfig();
  const database = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
  });
  try {
    const applied = await migrate(database);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
    return 0;
  } finally {
    await database.close();
  }
}
