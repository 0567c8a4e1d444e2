/**
 * Imports an Annuaire Santé extraction into the directory tables, in constant memory:
 *
 * 1. **Stage.** The files are streamed with `readAnnuaireBatches`; every good row goes, as one
 *    compact string (directory-content.ts), to `StagedRows`: sorted runs in temporary files. Bad
 *    rows are reported and counted. A file that cannot be read at all (missing column, …) stops
 *    the import here, before anything of the directory is touched.
 * 2. **Merge.** The staged rows are read back in national-id order, so each person's rows come
 *    together however the file ordered them (and savoir-faire rows of the newer layout meet the
 *    practice rows they complete). For each person, the content hash of
 *    everything the directory keeps is compared with the stored one: equal → only "seen in this
 *    import" is written; different → the person's row is upserted and their practice situations,
 *    specialties and search document are replaced; unknown → inserted. One transaction per page
 *    of whole persons, at least 5,000 staged rows.
 * 3. **Deactivate.** When the import looks complete (or `--deactivate-missing`), active
 *    professionals not seen in this import are marked inactive and passed to
 *    `onProfessionalsDeactivated`. Then unused establishments are deleted and the planner's
 *    statistics refreshed.
 *
 * Re-importing the same files changes nothing (0 new, 0 updated). A crash in step 2 leaves a mix
 * of old and new rows; importing again finishes the job.
 */
import { access, constants } from "node:fs/promises";
import path from "node:path";
import type { AppContext } from "../context.ts";
import type { AnnuaireFileSummary, AnnuaireRecord, AnnuaireRowRejection } from "./annuaire-records.ts";
import {
  buildProfessional,
  type EstablishmentContent,
  type ProfessionalContent,
  stageRecord,
} from "./directory-content.ts";
import { onProfessionalsDeactivated } from "./directory-hooks.ts";
import { type DirectorySql, type SqlValue, withDedicatedConnection } from "./directory-sql.ts";
import { readAnnuaireBatches } from "./read-annuaire.ts";
import { RunnerPool } from "./runner-pool.ts";
import { rewriteSearchDocuments, SEARCH_FORMAT, storedFormatIsOlder } from "./search-documents.ts";
import { HEAD_BOUNDS, refreshSearchHeads } from "./search-heads.ts";
import { type StagedRow, StagedRows } from "./staged-rows.ts";

/** Rows read between two progress reports. */
const PROGRESS_ROWS = 5000;
/**
 * PostgreSQL: connections writing merged pages at once, beside the import's own. Two keep both
 * of this machine's cores busy: the database on one page, Node building the next.
 */
const POSTGRES_WRITERS = 2;
/** Staged rows merged per transaction (whole persons only). */
const MERGE_PAGE_ROWS = 5000;
/** Professionals deactivated per transaction (and per call of the hook). */
const DEACTIVATION_BATCH = 1000;
/** Establishments whose id and hash are remembered during an import (a hospital appears thousands of times). */
const ESTABLISHMENT_CACHE_SIZE = 20_000;
/**
 * When is an import "complete" enough to deactivate the professionals it does not list? A
 * truncated download or the wrong file must not deactivate half the directory. These thresholds
 * are a judgement, not an ANS rule: change them here.
 */
const COMPLETE_MIN_SEEN_SHARE = 0.9;
const COMPLETE_MAX_REJECTED_SHARE = 0.01;
/**
 * An import still marked running after this long was killed without a chance to say so (an
 * interrupted one marks itself failed): a new one may start, and marks it failed.
 */
const RUNNING_IMPORT_STALE_MS = 60 * 60 * 1000;
/** Rejections kept in the summary (all are counted, and all go to `onRejection`). */
const SUMMARY_REJECTIONS = 100;

export class DirectoryImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DirectoryImportError";
  }
}

export interface DirectoryImportProgress {
  readonly phase: "reading" | "writing" | "indexing" | "deactivating";
  /**
   * Rows read so far (reading), staged rows merged so far (writing), search documents rebuilt
   * (indexing, after a change of their format), or professionals deactivated.
   */
  readonly done: number;
  /** Rows to merge (writing); `null` while reading. */
  readonly total: number | null;
}

export interface DirectoryImportOptions {
  /**
   * `true`: deactivate the professionals missing from this import; `false`: never; `"auto"`
   * (default): only when the import looks complete (see COMPLETE_MIN_SEEN_SHARE).
   */
  readonly deactivateMissing?: boolean | "auto";
  readonly onRejection?: (rejection: AnnuaireRowRejection) => void;
  readonly onProgress?: (progress: DirectoryImportProgress) => void;
  /** Things the operator should know that do not stop the import. */
  readonly onWarning?: (message: string) => void;
  /** Stops the import between two batches (the import is then marked failed). */
  readonly signal?: AbortSignal;
}

export interface DirectoryImportSummary {
  readonly importId: number;
  readonly sources: readonly string[];
  /** Data rows read (header excluded), rejected ones included. */
  readonly rowsRead: number;
  readonly rowsRejected: number;
  readonly professionals: {
    readonly new: number;
    readonly updated: number;
    readonly unchanged: number;
    readonly deactivated: number;
  };
  readonly deactivation: { readonly done: boolean; readonly reason: string };
  readonly durationMs: number;
  /** The first rejections (all of them were counted). */
  readonly rejections: readonly Pick<AnnuaireRowRejection, "source" | "line" | "code" | "reason">[];
}

interface StoredProfessional {
  id: number;
  national_id: string;
  content_hash: string;
  is_active: number;
}

/**
 * Imports `files` (`.txt` extraction files and/or `.zip` archives) into the directory.
 *
 * @throws AnnuaireImportError when a file cannot be read (nothing is imported), and
 *   DirectoryImportError when another import is running or a file is missing.
 */
export async function importDirectory(
  ctx: AppContext,
  files: readonly string[],
  options: DirectoryImportOptions = {},
): Promise<DirectoryImportSummary> {
  const started = performance.now();
  if (files.length === 0) throw new DirectoryImportError("importDirectory: give at least one file");
  for (const file of files) {
    try {
      await access(file, constants.R_OK);
    } catch (error) {
      throw new DirectoryImportError(
        `importDirectory: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  const sources = files.map((file) => path.basename(file));
  const importId = await beginImport(ctx, sources);
  const warn = options.onWarning ?? (() => {});
  let summary: DirectoryImportSummary;
  try {
    summary = await withDedicatedConnection(
      ctx.db,
      ctx.database.kind,
      async (run, helpers) => {
        const staged = await StagedRows.create();
        let imported: DirectoryImportSummary;
        try {
          imported = await importOnConnection(
            ctx,
            run,
            helpers,
            staged,
            importId,
            files,
            sources,
            options,
            warn,
            started,
          );
        } catch (error) {
          // After a failed import (a lost connection, say), its own error is the one to report.
          await releaseConnections(run, helpers).catch(() => {});
          throw error;
        } finally {
          await staged.close();
        }
        await releaseConnections(run, helpers);
        return imported;
      },
      POSTGRES_WRITERS,
    );
  } catch (error) {
    await ctx.db
      .updateTable("directory_imports")
      .set({
        status: "failed",
        finished_at: ctx.clock.now(),
        error: ((error as Error)?.message ?? String(error)).slice(0, 1000),
      })
      .where("id", "=", importId)
      .execute();
    throw error;
  }
  await ctx.audit.record({
    action: "directory.imported",
    targetType: "directory_import",
    targetId: String(importId),
    detail: {
      rowsRead: summary.rowsRead,
      rowsRejected: summary.rowsRejected,
      new: summary.professionals.new,
      updated: summary.professionals.updated,
      unchanged: summary.professionals.unchanged,
      deactivated: summary.professionals.deactivated,
      deactivatedMissing: summary.deactivation.done,
      durationMs: summary.durationMs,
    },
  });
  return summary;
}

/** Leaves the import's connections as the app's pool expects them. */
async function releaseConnections(run: DirectorySql, helpers: readonly DirectorySql[]): Promise<void> {
  if (run.kind === "postgres") {
    for (const connection of [run, ...helpers]) await connection.run("reset synchronous_commit");
  }
}

/** Records the import as running; refuses when another one is. */
async function beginImport(ctx: AppContext, sources: readonly string[]): Promise<number> {
  const now = ctx.clock.now();
  const running = await ctx.db
    .selectFrom("directory_imports")
    .select(["id", "started_at"])
    .where("status", "=", "running")
    .where("started_at", ">", now - RUNNING_IMPORT_STALE_MS)
    .executeTakeFirst();
  if (running) {
    throw new DirectoryImportError(
      `importDirectory: import ${running.id} started at ${new Date(running.started_at).toISOString()} is still running; ` +
        "wait for it to finish (an import killed without stopping is ignored after an hour)",
    );
  }
  await ctx.db
    .updateTable("directory_imports")
    .set({
      status: "failed",
      finished_at: now,
      error: "importDirectory: the import stopped without finishing",
    })
    .where("status", "=", "running")
    .execute();
  const row = await ctx.db
    .insertInto("directory_imports")
    .values({
      started_at: now,
      finished_at: null,
      status: "running",
      sources: JSON.stringify(sources),
      rows_read: 0,
      rows_rejected: 0,
      professionals_new: 0,
      professionals_updated: 0,
      professionals_unchanged: 0,
      professionals_deactivated: 0,
      deactivated_missing: 0,
      error: null,
      search_format: SEARCH_FORMAT,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

async function importOnConnection(
  ctx: AppContext,
  run: DirectorySql,
  helpers: readonly DirectorySql[],
  staged: StagedRows,
  importId: number,
  files: readonly string[],
  sources: readonly string[],
  options: DirectoryImportOptions,
  warn: (message: string) => void,
  started: number,
): Promise<DirectoryImportSummary> {
  const isPostgres = run.kind === "postgres";
  if (isPostgres) {
    // This session only: commits do not wait for the WAL flush. A crash may lose the last
    // batches, which the next import writes again; nothing else is at stake.
    for (const connection of [run, ...helpers]) await connection.run("set synchronous_commit = off");
  } else {
    // This connection only: a 16 MiB page cache, and the WAL checkpointed every 100 MiB instead of
    // every 4 MiB (indexes written in random order otherwise rewrite the same pages many times).
    await run.run("pragma cache_size = -16384");
    await run.run("pragma wal_autocheckpoint = 25000");
  }
  // 1. Stage.
  let rowsRead = 0;
  let rowsRejected = 0;
  let hasSpecialties = false;
  const rejections: DirectoryImportSummary["rejections"][number][] = [];
  const fileSummaries: AnnuaireFileSummary[] = [];
  // Each record is reduced to its staged row as soon as it is read: records kept whole until
  // their batch ends kept the garbage collector busy.
  const toStagedRow = (record: AnnuaireRecord): StagedRow => {
    if (record.kind === "savoir_faire" || record.specialty !== null) hasSpecialties = true;
    return { nationalId: record.nationalId, payload: stageRecord(record) };
  };
  const batches = readAnnuaireBatches(
    files,
    {
      onRejection: (rejection) => {
        rowsRead++;
        rowsRejected++;
        if (rejections.length < SUMMARY_REJECTIONS) {
          const { source, line, code, reason } = rejection;
          rejections.push({ source, line, code, reason });
        }
        options.onRejection?.(rejection);
      },
      onFileEnd: (summary) => {
        fileSummaries.push(summary);
        if (summary.invalidUtf8Blocks > 0) {
          warn(
            `importDirectory: ${summary.source} holds ${summary.invalidUtf8Blocks} block(s) of invalid UTF-8, read as "\uFFFD"`,
          );
        }
      },
      onSkippedFile: (source, reason) => warn(`importDirectory: skipped ${source}: ${reason}`),
    },
    toStagedRow,
  );
  for await (const batch of batches) {
    options.signal?.throwIfAborted();
    for (const row of batch) {
      if ("kind" in row) continue; // a rejection: onRejection counted it
      rowsRead++;
      await staged.add(row.nationalId, row.payload);
      if (rowsRead % PROGRESS_ROWS === 0)
        options.onProgress?.({ phase: "reading", done: rowsRead, total: null });
    }
  }
  options.onProgress?.({ phase: "reading", done: rowsRead, total: null });
  const stagedRows = rowsRead - rowsRejected;
  const hasPracticeFile = fileSummaries.some((file) => file.kind === "personne_activite");
  if (!hasPracticeFile) {
    warn(
      "importDirectory: no PS_LibreAcces_Personne_activite file was read: savoir-faire rows are only kept " +
        "for the professionals it lists",
    );
  } else if (!hasSpecialties) {
    warn(
      "importDirectory: no specialty in this extraction: newer releases keep them in " +
        "PS_LibreAcces_SavoirFaire_<stamp>.txt, import it together with the Personne_activite file",
    );
  }

  // 2. Merge.
  const activeBefore = Number(
    (
      await run.rows<{ n: number | string }>(
        "select count(*) as n from directory_professionals where is_active = 1",
      )
    )[0]?.n ?? 0,
  );
  const directoryWasEmpty = (await run.rows("select id from directory_professionals limit 1")).length === 0;
  // An import into an empty directory writes every document in the current format.
  const rewriteDocuments = !directoryWasEmpty && (await storedFormatIsOlder(run, importId));
  const merger = new Merger(ctx, importId, directoryWasEmpty);
  // PostgreSQL writes pages on the helpers' connections, several at once: the database writes
  // one while Node builds the next. Pages hold whole persons, so they touch different rows,
  // except shared establishments (Merger#writeEstablishments).
  const writers = new RunnerPool(helpers.length > 0 ? helpers : [run]);
  let merged = 0;
  try {
    for await (const page of staged.pages(MERGE_PAGE_ROWS)) {
      options.signal?.throwIfAborted();
      let rows = 0;
      for (const payloads of page.values()) rows += payloads.length;
      // Built before a writer is free: Node builds this page while the database writes the others.
      const contents = buildPage(page);
      await writers.start(async (writer) => {
        await merger.mergePage(writer, contents);
        merged += rows;
        options.onProgress?.({ phase: "writing", done: merged, total: stagedRows });
      });
    }
  } finally {
    // Every page started ends before anything else happens; a failed one fails the import.
    await writers.drain();
  }
  const seen = merger.counts.new + merger.counts.updated + merger.counts.unchanged;
  let documentsRewritten = 0;
  if (rewriteDocuments) {
    warn(
      `importDirectory: the search documents were written in an older format: every one is written again (once, SEARCH_FORMAT ${SEARCH_FORMAT})`,
    );
    documentsRewritten = await rewriteSearchDocuments(run, helpers, (done) =>
      options.onProgress?.({ phase: "indexing", done, total: null }),
    );
  }

  // 3. Deactivate.
  const deactivation = decideDeactivation(options.deactivateMissing ?? "auto", {
    hasPracticeFile,
    rowsRead,
    rowsRejected,
    seen,
    activeBefore,
  });
  let deactivated = 0;
  if (deactivation.done) {
    deactivated = await deactivateMissing(ctx, run, importId, (done) =>
      options.onProgress?.({ phase: "deactivating", done, total: null }),
    );
  } else if (options.deactivateMissing !== false) {
    warn(
      `importDirectory: professionals missing from this import were not deactivated: ${deactivation.reason}`,
    );
  }
  if (merger.counts.new + merger.counts.updated > 0) {
    // Establishments no practice situation points to any more, in one pass over the situations
    // (there is no index on establishment_id): SQLite builds the `in` list once; PostgreSQL runs
    // `not exists` as a hash anti-join (its `not in` would rescan the list per row beyond work_mem).
    await run.run(
      isPostgres
        ? `delete from directory_establishments e where not exists (
             select 1 from directory_practice_situations s where s.establishment_id = e.id)`
        : `delete from directory_establishments where id not in (
             select establishment_id from directory_practice_situations where establishment_id is not null)`,
    );
  }
  const indexChanged = merger.counts.new + merger.counts.updated + deactivated + documentsRewritten > 0;
  // Fresh statistics for the planner (and, on PostgreSQL, the visibility map that lets the
  // filters' indexes and the search's ranking answer from the index alone): a bulk import leaves
  // both stale until autovacuum comes by. Every professional seen has `last_seen_import` written,
  // so on PostgreSQL their table needs it after any import: without it, ranking a search's 2,000
  // candidates went back to the table for each (8,000 buffers, 12 ms instead of 7 on 2M rows).
  if (isPostgres) {
    const tables = indexChanged
      ? "directory_professionals, directory_search, directory_specialties, directory_specialty_departements, directory_practice_situations, directory_establishments"
      : "directory_professionals";
    await run.run(`vacuum (analyze) ${tables}`);
    // The first ids of the prefixes its index answers slowly, for this import.
    await refreshSearchHeads(run, importId, indexChanged, HEAD_BOUNDS, helpers);
  } else if (indexChanged) {
    await run.run("pragma optimize");
  }
  const durationMs = Math.round(performance.now() - started);
  await ctx.db
    .updateTable("directory_imports")
    .set({
      status: "completed",
      finished_at: ctx.clock.now(),
      rows_read: rowsRead,
      rows_rejected: rowsRejected,
      professionals_new: merger.counts.new,
      professionals_updated: merger.counts.updated,
      professionals_unchanged: merger.counts.unchanged,
      professionals_deactivated: deactivated,
      deactivated_missing: deactivation.done ? 1 : 0,
    })
    .where("id", "=", importId)
    .execute();
  return {
    importId,
    sources,
    rowsRead,
    rowsRejected,
    professionals: { ...merger.counts, deactivated },
    deactivation,
    durationMs,
    rejections,
  };
}

function decideDeactivation(
  requested: boolean | "auto",
  facts: {
    hasPracticeFile: boolean;
    rowsRead: number;
    rowsRejected: number;
    seen: number;
    activeBefore: number;
  },
): { done: boolean; reason: string } {
  if (requested === false) return { done: false, reason: "--no-deactivate-missing" };
  // Without a Personne_activite file nobody is "seen": deactivating would empty the directory.
  if (!facts.hasPracticeFile) return { done: false, reason: "no Personne_activite file was read" };
  if (requested === true) return { done: true, reason: "--deactivate-missing" };
  if (facts.rowsRejected > facts.rowsRead * COMPLETE_MAX_REJECTED_SHARE) {
    return {
      done: false,
      reason: `${facts.rowsRejected} of ${facts.rowsRead} rows were rejected (over ${COMPLETE_MAX_REJECTED_SHARE * 100}%); check the file, or force with --deactivate-missing`,
    };
  }
  if (facts.activeBefore > 0 && facts.seen < facts.activeBefore * COMPLETE_MIN_SEEN_SHARE) {
    return {
      done: false,
      reason: `it lists ${facts.seen} professionals where ${facts.activeBefore} were active (under ${COMPLETE_MIN_SEEN_SHARE * 100}%): it does not look complete; force with --deactivate-missing`,
    };
  }
  return { done: true, reason: "the import looks complete" };
}

async function deactivateMissing(
  ctx: AppContext,
  run: DirectorySql,
  importId: number,
  progress: (done: number) => void,
): Promise<number> {
  let deactivated = 0;
  let afterId = 0;
  for (;;) {
    const rows = await run.rows<{ id: number; national_id: string }>(
      `select id, national_id from directory_professionals
       where id > ? and is_active = 1 and last_seen_import <> ? order by id limit ?`,
      [afterId, importId, DEACTIVATION_BATCH],
    );
    if (rows.length === 0) return deactivated;
    const ids = rows.map((row) => Number(row.id));
    await run.forIds(
      "update directory_professionals set is_active = 0, updated_at = ? where id in $IDS",
      ids,
      [ctx.clock.now()],
    );
    await onProfessionalsDeactivated(
      ctx,
      rows.map((row) => row.national_id),
    );
    deactivated += rows.length;
    afterId = ids[ids.length - 1]!;
    progress(deactivated);
  }
}

const PROFESSIONAL_COLUMNS = [
  "national_id",
  "id_type",
  "identifier",
  "civility_code",
  "practice_civility_code",
  "practice_civility_label",
  "last_name",
  "first_name",
  "last_name_key",
  "first_name_key",
  "profession_code",
  "profession_label",
  "is_active",
  "content_hash",
  "first_seen_import",
  "last_seen_import",
  "updated_at",
] as const;
/** What an upsert of a known professional rewrites (never `first_seen_import`). */
const PROFESSIONAL_UPDATE = PROFESSIONAL_COLUMNS.filter(
  (column) => column !== "national_id" && column !== "first_seen_import",
)
  .map((column) => `${column} = excluded.${column}`)
  .join(", ");

const ESTABLISHMENT_COLUMNS = [
  "establishment_key",
  "finess_site",
  "finess_legal_entity",
  "siret",
  "technical_id",
  "name",
  "trade_name",
  "address",
  "postal_code",
  "commune_code",
  "commune_label",
  "departement_code",
  "departement_label",
  "phone",
  "content_hash",
  "updated_at",
] as const;
const ESTABLISHMENT_UPDATE = ESTABLISHMENT_COLUMNS.filter((column) => column !== "establishment_key")
  .map((column) => `${column} = excluded.${column}`)
  .join(", ");

const SITUATION_COLUMNS = [
  "professional_id",
  "establishment_id",
  "situation_key",
  "profession_code",
  "profession_label",
  "specialty_code",
  "departement_code",
  "practice_mode_code",
  "practice_mode_label",
  "sector_code",
  "sector_label",
  "role_code",
  "role_label",
] as const;

/** The persons of a page of staged rows (those with a practice situation). */
function buildPage(groups: ReadonlyMap<string, readonly string[]>): ProfessionalContent[] {
  const contents: ProfessionalContent[] = [];
  for (const [nationalId, payloads] of groups) {
    const content = buildProfessional(nationalId, payloads);
    if (content) contents.push(content);
  }
  return contents;
}

/** Writes merged pages; counts what it did. */
class Merger {
  readonly counts = { new: 0, updated: 0, unchanged: 0 };
  /**
   * Establishments written in this import, key → id and hash: the ones of recent pages, in two
   * generations. A lookup hits either (a hit in the older is copied into the newer); when the
   * newer holds ESTABLISHMENT_CACHE_SIZE entries, it becomes the older and the older is dropped.
   * A least-recently-used map did the same with a delete and a set per hit, and a walk over the
   * deleted entries per page.
   */
  #establishments = new Map<string, { id: number; hash: string }>();
  #olderEstablishments = new Map<string, { id: number; hash: string }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly importId: number,
    /** No professional was stored when the merge began: there is nothing to compare with. */
    private readonly directoryWasEmpty: boolean,
  ) {}

  /**
   * Merges one page of whole persons (built by `buildPage`), in two transactions. The page's
   * establishments come first, committed on their own: pages written at once share
   * establishments (a hospital is on many), and PostgreSQL holds a page inserting one that
   * another page has written but not committed until that page commits. Within one transaction,
   * that was the other page's whole transaction, and the writers took turns (bench/README.md,
   * "establishments").
   */
  async mergePage(run: DirectorySql, contents: readonly ProfessionalContent[]): Promise<void> {
    if (contents.length === 0) return;
    // A page holds whole persons and only the import writes professionals: in an import into an
    // empty directory, nobody is stored yet.
    const stored = new Map(
      (this.directoryWasEmpty
        ? []
        : await run.rowsForIds<StoredProfessional>(
            "select id, national_id, content_hash, is_active from directory_professionals where national_id in $IDS",
            contents.map((content) => content.nationalId),
          )
      ).map((row) => [row.national_id, row]),
    );

    const unchanged: number[] = [];
    const changedIds: number[] = [];
    const toWrite: ProfessionalContent[] = [];
    for (const content of contents) {
      const row = stored.get(content.nationalId);
      if (row && row.content_hash === content.hash && Number(row.is_active) === 1) {
        unchanged.push(Number(row.id));
        continue;
      }
      if (row) {
        changedIds.push(Number(row.id));
        this.counts.updated++;
      } else {
        this.counts.new++;
      }
      toWrite.push(content);
    }
    this.counts.unchanged += unchanged.length;
    const now = this.ctx.clock.now();
    const establishmentIds =
      toWrite.length > 0
        ? await run.transaction((tx) => this.#writeEstablishments(tx, toWrite, now))
        : new Map<string, number>();
    await run.transaction(async (tx) => {
      if (unchanged.length > 0) {
        await tx.forIds(
          "update directory_professionals set last_seen_import = ? where id in $IDS",
          unchanged,
          [this.importId],
        );
      }
      if (toWrite.length > 0) await this.#writeProfessionals(tx, toWrite, changedIds, establishmentIds, now);
    });
  }

  /** Writes the new and changed professionals of a page, and replaces what hangs from them. */
  async #writeProfessionals(
    run: DirectorySql,
    toWrite: readonly ProfessionalContent[],
    changedIds: readonly number[],
    establishmentIds: ReadonlyMap<string, number>,
    now: number,
  ): Promise<void> {
    const written = await run.insert<{ id: number; national_id: string }>(
      "directory_professionals",
      PROFESSIONAL_COLUMNS,
      toWrite.map((c) => [
        c.nationalId,
        c.idType,
        c.identifier,
        c.civilityCode,
        c.practiceCivilityCode,
        c.practiceCivilityLabel,
        c.lastName,
        c.firstName,
        c.lastNameKey,
        c.firstNameKey,
        c.professionCode,
        c.professionLabel,
        1,
        c.hash,
        this.importId,
        this.importId,
        now,
      ]),
      `on conflict (national_id) do update set ${PROFESSIONAL_UPDATE} returning id, national_id`,
    );
    const idOf = new Map(written.map((row) => [row.national_id, Number(row.id)]));

    if (changedIds.length > 0) {
      await run.forIds("delete from directory_practice_situations where professional_id in $IDS", changedIds);
      await run.forIds("delete from directory_specialties where professional_id in $IDS", changedIds);
      await run.forIds(
        "delete from directory_specialty_departements where professional_id in $IDS",
        changedIds,
      );
      if (run.kind === "sqlite")
        await run.forIds("delete from directory_search where rowid in $IDS", changedIds);
    }

    const situations: SqlValue[][] = [];
    const specialties: SqlValue[][] = [];
    const specialtyDepartements: SqlValue[][] = [];
    const documents: SqlValue[][] = [];
    for (const content of toWrite) {
      const professionalId = idOf.get(content.nationalId);
      if (professionalId === undefined) {
        throw new Error(`importDirectory: professional ${content.nationalId} was not written`);
      }
      for (const s of content.situations) {
        situations.push([
          professionalId,
          s.establishment ? (establishmentIds.get(s.establishment.key) ?? null) : null,
          s.key,
          s.professionCode,
          s.professionLabel,
          s.specialtyCode,
          s.establishment?.departementCode ?? null,
          s.practiceModeCode,
          s.practiceModeLabel,
          s.sectorCode,
          s.sectorLabel,
          s.roleCode,
          s.roleLabel,
        ]);
      }
      for (const s of content.specialties) specialties.push([professionalId, s.code, s.label, s.typeCode]);
      // Each specialty in each département the person practises in (the "specialty + département" filter).
      const departements = new Set<string>();
      const professions = new Set<string>();
      for (const s of content.situations) {
        if (s.establishment?.departementCode) departements.add(s.establishment.departementCode);
        if (s.professionCode) professions.add(s.professionCode);
      }
      for (const s of content.specialties) {
        for (const departement of departements)
          specialtyDepartements.push([s.code, departement, professionalId]);
      }
      // PostgreSQL: the codes the filters read, on the document (migration 0021). Codes come from
      // `|`-separated files, so `|` never occurs in one.
      documents.push(
        run.kind === "sqlite"
          ? [professionalId, content.document]
          : [professionalId, content.document, [...professions].join("|"), [...departements].join("|")],
      );
    }
    await run.insert("directory_practice_situations", SITUATION_COLUMNS, situations);
    await run.insert("directory_specialties", ["professional_id", "code", "label", "type_code"], specialties);
    await run.insert(
      "directory_specialty_departements",
      ["code", "departement_code", "professional_id"],
      specialtyDepartements,
    );
    if (run.kind === "sqlite") {
      await run.insert("directory_search", ["rowid", "document"], documents);
    } else {
      await run.insert(
        "directory_search",
        ["professional_id", "document", "professions", "departements"],
        documents,
        `on conflict (professional_id) do update set document = excluded.document,
           professions = excluded.professions, departements = excluded.departements`,
        {
          document: "to_tsvector('simple', ?)",
          professions: "string_to_array(?, '|')",
          departements: "string_to_array(?, '|')",
        },
      );
    }
  }

  /** Upserts the establishments of `contents` (once each per import) and returns key → id. */
  async #writeEstablishments(
    run: DirectorySql,
    contents: readonly ProfessionalContent[],
    now: number,
  ): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const pending = new Map<string, EstablishmentContent>();
    for (const content of contents) {
      for (const situation of content.situations) {
        const establishment = situation.establishment;
        if (!establishment) continue;
        let cached = this.#establishments.get(establishment.key);
        if (!cached) {
          // Still in use: kept on into the newer generation.
          cached = this.#olderEstablishments.get(establishment.key);
          if (cached) this.#establishments.set(establishment.key, cached);
        }
        if (cached && cached.hash === establishment.hash) {
          ids.set(establishment.key, cached.id);
        } else {
          pending.set(establishment.key, establishment);
        }
      }
    }
    if (pending.size === 0) return ids;
    // In key order: two pages written at once then lock the establishments they share in the
    // same order, and neither waits for the other while holding what it needs.
    const establishments = [...pending.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Inserted and changed rows come back with their id; unchanged ones are looked up.
    const rows = await run.insert<{ id: number; establishment_key: string }>(
      "directory_establishments",
      ESTABLISHMENT_COLUMNS,
      establishments.map((e) => [
        e.key,
        e.finessSite,
        e.finessLegalEntity,
        e.siret,
        e.technicalId,
        e.name,
        e.tradeName,
        e.address,
        e.postalCode,
        e.communeCode,
        e.communeLabel,
        e.departementCode,
        e.departementLabel,
        e.phone,
        e.hash,
        now,
      ]),
      `on conflict (establishment_key) do update set ${ESTABLISHMENT_UPDATE}
       where directory_establishments.content_hash <> excluded.content_hash
       returning id, establishment_key`,
    );
    if (rows.length < pending.size) {
      const returned = new Set(rows.map((row) => row.establishment_key));
      rows.push(
        ...(await run.rowsForIds<{ id: number; establishment_key: string }>(
          "select id, establishment_key from directory_establishments where establishment_key in $IDS",
          [...pending.keys()].filter((key) => !returned.has(key)),
        )),
      );
    }
    for (const row of rows) {
      const id = Number(row.id);
      ids.set(row.establishment_key, id);
      this.#establishments.set(row.establishment_key, { id, hash: pending.get(row.establishment_key)!.hash });
    }
    if (this.#establishments.size >= ESTABLISHMENT_CACHE_SIZE) {
      this.#olderEstablishments = this.#establishments;
      this.#establishments = new Map();
    }
    return ids;
  }
}
