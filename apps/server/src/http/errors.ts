import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isDatabaseUnavailable } from "../db/unavailable.ts";

/** Fastify's own error codes, mapped to ours so that every answer has the one error shape. */
const FASTIFY_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: ErrorCode.BODY_TOO_LARGE,
    message: "the request body is too large",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: "send the body as application/json",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: ErrorCode.INVALID_JSON,
    message: "the Content-Length does not match the body",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: ErrorCode.INVALID_JSON,
    message: "the body is empty; send a JSON object",
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: ErrorCode.INVALID_JSON,
    message: "the body is not valid JSON",
  },
};

function operationOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`;
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof ConfrereError) {
    if (error.status === 429 && typeof error.details?.retryAfterSeconds === "number") {
      reply.header("retry-after", String(error.details.retryAfterSeconds));
    }
    reply.status(error.status).send(error.toBody());
    return;
  }
  const operation = operationOf(request);
  if (error.validation) {
    const first = error.validation[0];
    const where = error.validationContext ?? "body";
    const field = first?.instancePath ? first.instancePath.replace(/^\//, "").replace(/\//g, ".") : "";
    const what =
      first?.keyword === "additionalProperties"
        ? `unknown field "${String((first.params as { additionalProperty?: string }).additionalProperty)}"`
        : `${field ? `"${field}" ` : ""}${first?.message ?? "is invalid"}`;
    reply.status(400).send(
      new ConfrereError(ErrorCode.VALIDATION_FAILED, 400, `${operation}: ${where} ${what}`, {
        location: where,
        ...(field ? { field } : {}),
      }).toBody(),
    );
    return;
  }
  const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
  if (known) {
    reply
      .status(known.status)
      .send(new ConfrereError(known.code, known.status, `${operation}: ${known.message}`).toBody());
    return;
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    reply
      .status(400)
      .send(
        new ConfrereError(ErrorCode.INVALID_JSON, 400, `${operation}: the body is not valid JSON`).toBody(),
      );
    return;
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Other client errors from Fastify: keep the status, never echo internals.
    reply
      .status(status)
      .send(
        new ConfrereError(
          ErrorCode.VALIDATION_FAILED,
          status,
          `${operation}: the request is malformed`,
        ).toBody(),
      );
    return;
  }
  if (isDatabaseUnavailable(error)) {
    // PostgreSQL restarting or cut off: nothing was done, and the same request will work shortly.
    request.log.warn({ operation, reason: error.message }, "request failed: database unavailable");
    reply
      .status(503)
      .header("retry-after", "5")
      .send(
        new ConfrereError(
          ErrorCode.SERVICE_UNAVAILABLE,
          503,
          `${operation}: the database cannot be reached right now; try again in a few seconds`,
        ).toBody(),
      );
    return;
  }
  // Log the error (its message and stack stay in the log, not in the answer).
  request.log.error({ err: error, operation }, "request failed");
  reply
    .status(500)
    .send(
      new ConfrereError(
        ErrorCode.INTERNAL_ERROR,
        500,
        `${operation}: an internal error occurred; it was logged with request id ${request.id}`,
      ).toBody(),
    );
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  reply
    .status(404)
    .send(
      new ConfrereError(
        ErrorCode.NOT_FOUND,
        404,
        `${request.method} ${request.url.split("?")[0]}: no such route`,
      ).toBody(),
    );
}
