import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The workspace packages (protocol, crypto, sdk) have no import-time side effects that matter:
 * their top-level statements build schemas and tables. Saying so lets the bundler keep the MLS
 * code (ts-mls, @noble) out of the first load: only the messaging chunk reaches it.
 */
const sideEffectFree = /\/packages\/(protocol|crypto|sdk)\/src\//;

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
    // The first load budget is checked on the gzip size by the e2e test's report; warn early here.
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      treeshake: {
        moduleSideEffects: (id) => !sideEffectFree.test(id),
        // Schema builders are pure: an unused schema of the protocol package needs no TypeBox.
        manualPureFunctions: ["Type", "StrictObject"],
      },
      onwarn(warning, warn) {
        // @hpke/common imports node's "crypto" only as a fallback for old Node; browsers use WebCrypto.
        if (/"crypto" has been externalized/.test(warning.message) && /@hpke\//.test(warning.message)) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { "/api": { target: "http://localhost:8080", ws: true } },
  },
});
