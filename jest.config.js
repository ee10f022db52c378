/** The packages the tests load from the fast path's bundles (the global setup builds them). */
const BUNDLED = ["cdktf", "constructs"];
const bundledCdktf = process.env.BULWARK_TEST_BUNDLED_CDKTF !== "0";

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; `npm run typecheck` (part of `npm test`) does the type-checking.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
  // cdktf and constructs as the fast path loads them: one bundle each (cdktf's token stack traces off),
  // which the global setup builds (packageBundles in scripts/runner.mjs). Loading cdktf's 380 modules
  // one by one through jest's loader, in every test file, was a third of a construct suite's CPU.
  // BULWARK_TEST_BUNDLED_CDKTF=0 loads them from node_modules.
  moduleNameMapper: bundledCdktf ? Object.fromEntries(BUNDLED.map((p) => [`^${p}$`, `<rootDir>/.bulwark/build/jest/entries/${encodeURIComponent(p)}.cjs`])) : {},
  // Finds the provider mirror once and proves Terraform can get the provider, or stops the run with one message.
  // It also starts the AWS API emulator of the deploy suites (BULWARK_AWS_EMULATOR), which the teardown stops.
  globalSetup: "<rootDir>/__tests__/support/global-setup.ts",
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.ts",
  // Terraform-in-the-loop suites take tens of seconds each.
  testTimeout: 300000,
  // Known long files first in a first run too (no cached durations): see the file.
  testSequencer: "<rootDir>/__tests__/support/sequencer.js",
  // Three: the deploy suites mostly wait on the emulator, so two workers stay busy with the CPU-bound suites.
  maxWorkers: 3,
  // A worker with 390-630 MB in use at the end took 280-430 ms from its exit event to the end of its process (the
  // heap's teardown; measured from both sides). jest's default wait of 500 ms then reported a leak ("failed to exit
  // gracefully") in most runs, and nothing was open. An open handle still shows: the wait ends 2 s later.
  workerGracefulExitTimeout: 2500,
};
