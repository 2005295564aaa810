import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: keep parallel workers few so socket tests are not starved.
    maxWorkers: 2,
  },
});
