export * from "./accounts.ts";
export * from "./common.ts";
export * from "./content.ts";
export * from "./directory.ts";
export * from "./errors.ts";
export * from "./identifiers.ts";
export * from "./messaging.ts";
