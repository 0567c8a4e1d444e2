import { ConfigError } from "../config.ts";

/** Refuses the demo where its published passwords would be a hole: production. */
export function assertDemoAllowed(isProduction: boolean): void {
  if (isProduction) {
    // A ConfigError: `confrere-server` exits 78 (EX_CONFIG) with this message.
    throw new ConfigError(
      "NODE_ENV",
      'is "production": the demo (--demo) creates accounts whose passwords are published, so it never runs in production. Start without --demo, or unset NODE_ENV to try Confrère on a throwaway DATA_DIR',
    );
  }
}
