/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; `npm run typecheck` (part of `npm test`) does the type-checking.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
  // Finds the provider mirror once and proves Terraform can get the provider, or stops the run with one message.
  // It also starts the AWS API emulator of the deploy suites (BULWARK_AWS_EMULATOR), which the teardown stops.
  globalSetup: "<rootDir>/__tests__/support/global-setup.ts",
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.ts",
  // Terraform-in-the-loop suites take tens of seconds each.
  testTimeout: 300000,
  // Three: the deploy suites mostly wait on the emulator, so two workers stay busy with the CPU-bound suites.
  maxWorkers: 3,
};
