// The order jest starts the test files in (jest.config.js, testSequencer). Jest's own: files that
// failed last time first, then the longest by the durations it cached, and files it has no duration
// for first of all, by size. In a first run (a fresh clone, CI) size says little here: the published
// modules' halves are three lines and take 25 s, and started last they drew out the run's end with one
// core idle. So here a file's duration for the order is the cached one, else the one EXPECTED lists
// (wall seconds in a whole run, as measured for docs/PERFORMANCE.md's seventh round, rounded), else none,
// and files without one come after the others, larger first. Failed files still come first. A file new
// since the cached run starts near the end. Only the order changes: the durations jest reads for its own
// decisions (running in band, the estimate it prints) stay the cached ones.
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
  sort(tests) {
    const key = new Map();
    for (const test of tests) {
      test.duration = this.time(test);
      const expected = EXPECTED[path.relative(TESTS, test.path).split(path.sep).join("/")];
      key.set(test, {
        failed: this.hasFailed(test),
        duration: test.duration ?? (expected == null ? undefined : expected * 1000),
        size: test.context.hasteFS.getSize(test.path) ?? 0,
      });
    }
    return tests.sort((a, b) => {
      const [ka, kb] = [key.get(a), key.get(b)];
      if (ka.failed !== kb.failed) return ka.failed ? -1 : 1;
      if ((ka.duration == null) !== (kb.duration == null)) return ka.duration == null ? 1 : -1;
      if (ka.duration != null && ka.duration !== kb.duration) return kb.duration - ka.duration;
      if (ka.size !== kb.size) return kb.size - ka.size;
      return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    });
  }
}

module.exports = ExpectedFirstSequencer;
module.exports.EXPECTED = EXPECTED;
