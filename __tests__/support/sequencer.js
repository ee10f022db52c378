// The order jest starts the test files in (jest.config.js, testSequencer). Jest's own: files that
// failed last time first, then the longest by the durations it cached, and files it has no duration
// for by size. In a first run (a fresh clone, CI) size says little here: the published modules' halves
// are three lines and take 25 s, and started last they drew out the run's end with one core idle.
// So a file with no cached duration takes its duration from EXPECTED (seconds of wall time in a whole
// run, docs/PERFORMANCE.md's per-file figures, rounded), or else a small one by its size; a cached
// duration still wins.
const Sequencer = require("@jest/test-sequencer").default;
const path = require("node:path");

/** Wall seconds per file (relative to __tests__), the files above about 15 s. */
const EXPECTED = {
  "deploy/environments.deploy.test.ts": 220,
  "deploy/modules.deploy.test.ts": 200,
  "modules/user-data.run.test.ts": 60,
  "package/consumer.test.ts": 60,
  "examples/environments.terraform.test.ts": 40,
  "support/provider-server.test.ts": 35,
  "publish/parity.test.ts": 30,
  "compliance/metamorphic.test.ts": 30,
  "publish/publish.test.ts": 25,
  "publish/modules-1.test.ts": 25,
  "publish/modules-2.test.ts": 25,
  "cli/synth-failure.test.ts": 18,
  "cli/check.test.ts": 16,
  "cli/bad-input.test.ts": 15,
  "docs/api.test.ts": 15,
  "docs/guide.test.ts": 15,
};

const TESTS = path.join(__dirname, "..");

class ExpectedFirstSequencer extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached != null) return cached;
    const expected = EXPECTED[path.relative(TESTS, test.path).split(path.sep).join("/")];
    if (expected != null) return expected * 1000;
    // Below every listed file, larger files first (as jest orders files it knows nothing of).
    return Math.min(test.context.hasteFS.getSize(test.path) ?? 0, 10_000) / 10;
  }
}

module.exports = ExpectedFirstSequencer;
module.exports.EXPECTED = EXPECTED;
