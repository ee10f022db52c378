import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PUBLISHED_MODULES } from "../../publish";
import { bulwark } from "../support/cli";
import { init, terraformTest, warningsIn } from "../support/terraform";

/**
 * Terraform in the loop for half of the published modules (the other half is in the sibling
 * file, so the two jest workers share the work): each module's own terraform test, which validates
 * the module first and prints the warnings `terraform validate` would (none allowed).
 */
export function moduleSuite(half: 0 | 1): void {
  const modules = PUBLISHED_MODULES.filter((_, i) => i % 2 === half);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-publish-${half}-`));
  beforeAll(() => {
    const names = new Set<string>();
    for (const m of modules) {
      names.add(m.name);
      for (const dep of m.uses ?? []) names.add(dep);
    }
    expect(bulwark(["publish", "--out", out, ...[...names].flatMap((n) => ["--module", n])]).status).toBe(0);
  });

  describe.each(modules.map((m) => [m.name, m] as const))("module %s", (name) => {
    it("validates and passes its own terraform test (hardening asserted, bad variables rejected)", () => {
      const dir = path.join(out, name);
      init(dir);
      const result = terraformTest(dir);
      expect(result).toMatch(/Success! \d+ passed, 0 failed\./);
      expect(warningsIn(result)).toEqual([]);
      expect(result).toMatch(/run "rejects_|run "refuses_/);
    });
  });
}
