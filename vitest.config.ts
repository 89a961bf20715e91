import { defineConfig } from "vitest/config";

// Two projects: fast unit tests beside the code, and integration tests under test/ that run
// against the real sandbox (kube-apiserver + etcd, moto, the fault proxy), brought up once per run.
export default defineConfig({
  test: {
    reporters: ["default", "./test/harness/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["core/**/*.test.ts", "providers/**/*.test.ts", "sandbox/**/*.test.ts", "cli/**/*.test.ts", "compositions/**/*.test.ts", "migrate/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The sandbox is shared; files run in parallel workers but each test isolates itself
          // (own namespace, own AWS region/account). Two cores: keep the pool small.
          maxWorkers: 2,
        },
      },
    ],
  },
});
