// The order jest starts test files in. jest runs the files that took longest last time first, which
// keeps the workers busy to the end; on a fresh clone it has no timings and goes by file size, which
// started the deploy suites (the longest, mostly waiting on the emulator) minutes in, so that they
// ended the run alone. Here a file without a timing of its own gets the one below, measured on a
// 2-core machine in a full run (seconds, rounded), or 10 s; jest's own timings win once it has them.
const Sequencer = require("@jest/test-sequencer").default;
const path = require("node:path");

const ESTIMATES = {
  "deploy/modules.deploy.test.ts": 400,
  "deploy/environments.deploy.test.ts": 240,
  "publish/modules-2.test.ts": 200,
  "publish/parity.test.ts": 200,
  "examples/environments.terraform.test.ts": 200,
  "publish/modules-1.test.ts": 140,
  "modules/auto-scaling.test.ts": 90,
  "package/consumer.test.ts": 65,
  "modules/user-data.run.test.ts": 65,
  "publish/publish.test.ts": 50,
  "compliance/adversarial.test.ts": 45,
  "compliance/metamorphic.test.ts": 40,
};

class SlowFirst extends Sequencer {
  time(test) {
    const known = super.time(test);
    if (known != null) return known;
    const name = path.relative(path.join(__dirname, ".."), test.path).split(path.sep).join("/");
    return (ESTIMATES[name] ?? 10) * 1000;
  }
}

SlowFirst.ESTIMATES = ESTIMATES;
module.exports = SlowFirst;
