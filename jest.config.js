/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Type-checking is done once by `tsc --noEmit` in `npm test`; with isolatedModules (tsconfig.json) ts-jest
  // only transpiles, which keeps each suite fast.
  transform: { "^.+\\.ts$": ["ts-jest", {}] },
  testTimeout: 30000,
};
