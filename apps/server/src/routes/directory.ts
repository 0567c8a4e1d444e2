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
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

/** Directory search and administration routes. */
export function directoryRoutes(app: App, ctx: AppContext): void {
  const sql = new KyselyDirectorySql(ctx.db, ctx.database.kind);

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
      const { user } = (await authorize(ctx, request, "user"))!;
      // The directory is shown to verified professionals only: it is the door to contacting them.
      if (user.identity_verified_at === null) {
        throw new ConfrereError(
          ErrorCode.PROFESSIONAL_VERIFICATION_REQUIRED,
          403,
          "searchDirectory: the directory is open to verified professionals; have your professional identity verified first",
        );
      }
      const { q, profession, specialty, departement, limit } = request.query;
      try {
        return await searchDirectory(sql, {
          q,
          profession,
          specialty,
          departement,
          limit: Math.min(
            DIRECTORY_SEARCH_MAX_LIMIT,
            Math.max(1, limit === undefined ? DIRECTORY_SEARCH_DEFAULT_LIMIT : Number(limit)),
          ),
        });
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
