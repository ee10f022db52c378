// Loaded into every test file by `npm run bench -- --only tests` (bench/tests.ts), never by `npm test`:
// appends the file's CPU (the worker's own, and that of the processes it waited for: Terraform and its
// provider processes, cdktf, the CLIs) and wall time to BULWARK_BENCH_FILE_LOG, one tab-separated line.
const fs = require("node:fs");
const { cpuTimes: cpu } = require("./cpu.js");

let start;
beforeAll(() => {
  start = { ...cpu(), at: Date.now() };
});
afterAll(() => {
  const end = cpu();
  const file = expect.getState().testPath;
  const self = end.self - start.self;
  const total = self + end.children - start.children;
  fs.appendFileSync(process.env.BULWARK_BENCH_FILE_LOG, `${file}\t${total.toFixed(2)}\t${self.toFixed(2)}\t${((Date.now() - start.at) / 1000).toFixed(1)}\n`);
});
