import type { SecretBox } from "./secret-box.ts";
import type { Throttle } from "./throttle.ts";

/** The account services' own part of the app context. */
export interface AccountsContext {
  throttle: Throttle;
  secretBox: SecretBox;
}
