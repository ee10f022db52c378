// CPU times of this process, in seconds, from Linux /proc (clock ticks of 1/100 s): its own (user +
// system) and that of the children it has waited for. Used by `npm run bench -- --only tests` only.
const fs = require("node:fs");

exports.cpuTimes = function cpuTimes() {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return { self: (Number(fields[11]) + Number(fields[12])) / 100, children: (Number(fields[13]) + Number(fields[14])) / 100 };
};
