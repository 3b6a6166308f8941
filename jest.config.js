/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Type-checking is done once per `npm test`, by tsgo beside jest (scripts/test.mjs); with isolatedModules
  // (tsconfig.json) ts-jest only transpiles, which keeps each suite fast.
  transform: { "^.+\\.ts$": ["ts-jest", {}] },
  // Each scenario of the program runs once per session, whichever test files share it (tests/support/harness.ts).
  globalSetup: "<rootDir>/tests/support/jest-global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/jest-global-teardown.ts",
  // jest's default on 2 cores is a single worker; the suite is CPU-bound and both cores are free for it.
  maxWorkers: 2,
  moduleNameMapper: {
    "^typescript$": "<rootDir>/tests/support/unused-by-mocks.js",
    "^@npmcli/arborist$": "<rootDir>/tests/support/unused-by-mocks.js",
  },
  testTimeout: 30000,
};
