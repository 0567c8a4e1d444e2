import {
  ConfrereError,
  DIRECTORY_SEARCH_DEFAULT_LIMIT,
  DIRECTORY_SEARCH_MAX_LIMIT,
  DirectorySearchQuery,
  DirectorySearchResponse,
  ErrorCode,
} from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { DirectorySearchError, searchDirectory } from "../directory/directory-search.ts";
import { KyselyDirectorySql } from "../directory/directory-sql.ts";
import { SearchStatisticsCache } from "../directory/search-statistics.ts";
import { loadTerritoryPerimeter } from "../directory/territory-perimeter.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

/** Directory search and administration routes. */
export function directoryRoutes(app: App, ctx: AppContext): void {
  const sql = new KyselyDirectorySql(ctx.db, ctx.database.kind);
  const statistics = new SearchStatisticsCache(sql, ctx.logger);
  // Start reading the statistics at start-up (seconds on 2M rows) rather than at the first search.
  app.addHook("onReady", async () => {
    void statistics
      .current()
      .catch((error: unknown) => ctx.logger.warn({ err: error }, "directory search statistics"));
  });
  app.addHook("onClose", async () => statistics.close());

  app.get(
    `${API}/directory/search`,
    {
      schema: {
        summary: "Search the professional directory (Annuaire Santé) (verified professionals)",
        tags: ["directory"],
        security: [{ session: [] }],
        querystring: DirectorySearchQuery,
        response: { 200: DirectorySearchResponse, ...errorResponses },
      },
    },
    async (request) => {
      // The directory is shown to verified professionals only: it is the door to contacting them.
      await authorize(ctx, request, "professional", "searchDirectory");
      const { q, profession, specialty, departement, territory, limit } = request.query;
      const perimeter = territory === undefined ? undefined : await loadTerritoryPerimeter(ctx.db, territory);
      if (perimeter === null) {
        throw new ConfrereError(
          ErrorCode.NOT_FOUND,
          404,
          "searchDirectory: no territory with this id; take the id of a territory (not an establishment) from its organisation page",
        );
      }
      try {
        return await searchDirectory(
          sql,
          {
            q,
            profession,
            specialty,
            departement,
            territory: perimeter,
            limit: Math.min(
              DIRECTORY_SEARCH_MAX_LIMIT,
              Math.max(1, limit === undefined ? DIRECTORY_SEARCH_DEFAULT_LIMIT : Number(limit)),
            ),
          },
          await statistics.current(),
        );
      } catch (error) {
        if (error instanceof DirectorySearchError) {
          throw new ConfrereError(ErrorCode.VALIDATION_FAILED, 400, error.message, {
            location: "querystring",
          });
        }
        throw error;
      }
    },
  );
}
