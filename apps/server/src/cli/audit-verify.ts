import { verifyAuditChain } from "../audit/audit-log.ts";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { flags } from "./flags.ts";

/** Exit 0 when the chain holds, 1 with the first broken link otherwise. */
export async function runAuditVerify(args: string[]): Promise<number> {
  const { json } = flags(args, { json: { type: "boolean" } });
  const config = loadConfig();
  const database = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
  });
  try {
    const result = await verifyAuditChain(database.db);
    if (json) console.log(JSON.stringify(result));
    else if (result.ok) console.log(`Audit trail intact: ${result.events} events, every link verified.`);
    else
      console.log(
        `Audit trail BROKEN at event ${result.brokenAtSeq}: ${result.reason} (${result.events} events verified before it).`,
      );
    return result.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}
