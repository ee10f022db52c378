/**
 * The labeled real-world corpus (__tests__/fixtures/real-world): plans of public modules'
 * examples, labeled by hand before the checker ran. A labeled problem the checker passes in
 * silence, or a failure it reports where the labels see none, fails this test;
 * `npm run bench -- --only accuracy` prints the table per rule.
 */
import * as path from "node:path";
import { accuracyReport, corpusDir, precision, recall, score, scoreCorpus } from "../../bench/accuracy";

const outcomes = scoreCorpus(corpusDir(path.join(__dirname, "..", "..")));

describe("bulwark check on the labeled real-world corpus", () => {
  it("covers at least three collections and the families the corpus is for", () => {
    const examples = new Set(outcomes.map((o) => o.example));
    expect(new Set([...examples].map((e) => e.split("--")[0])).size).toBeGreaterThanOrEqual(3);
    for (const rule of ["lt-imdsv2", "ebs-encrypted", "nacl-no-world-admin-ports", "sg-no-world-admin-ports", "vpc-flow-logs", "ssm-managed", "ec2-no-public-ip"]) {
      expect([rule, outcomes.some((o) => o.rule === rule && o.label)]).toEqual([rule, true]);
    }
  });

  it("never passes a labeled problem in silence", () => {
    const silent = outcomes.filter((o) => o.label && !o.found).map((o) => `${o.example} ${o.address} ${o.rule}: ${o.why}`);
    expect(silent).toEqual([]);
  });

  it("reports no failure the labels do not see (precision ≥ 0.99)", () => {
    const wrong = outcomes.filter((o) => o.found === "fail" && o.label !== "fail").map((o) => `${o.example} ${o.address} ${o.rule}: ${o.message}`);
    expect(wrong).toEqual([]);
    expect(precision(score(outcomes))).toBeGreaterThanOrEqual(0.99);
  });

  it("finds at least 97% of the labeled failures as failures; the rest only as unverifiable", () => {
    const s = score(outcomes);
    expect(recall(s)).toBeGreaterThanOrEqual(0.97);
    const softened = outcomes.filter((o) => o.label === "fail" && o.found === "unverifiable");
    expect(softened.length).toBe(s.fn);
    expect(accuracyReport(outcomes)).toMatch(/\| \*\*total\*\* \|/);
  });
});
