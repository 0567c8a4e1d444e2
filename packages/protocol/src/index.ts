export * from "./accounts.ts";
export * from "./common.ts";
export * from "./errors.ts";
export * from "./identifiers.ts";
