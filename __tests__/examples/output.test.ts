import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceEnvironmentsDir, ROOT } from "../support/app";

function synthInto(outdir: string, env: Record<string, string> = {}): void {
  const res = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run.mjs"), "main.ts"], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, BULWARK_ENVIRONMENTS_DIR: referenceEnvironmentsDir(), ...env }, encoding: "utf8" });
  expect(res.status).toBe(0);
}

const list = (dir: string) => fs.readdirSync(dir).sort();

describe("npm run synth leaves only current stacks in cdktf.out/stacks", () => {
  it("removes a removed stack's folder and a stale cdk.tf of an earlier --hcl run, and nothing it did not write", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-stale-"));
    synthInto(outdir, { SYNTH_HCL_OUTPUT: "true" });
    expect(list(path.join(outdir, "stacks", "dev"))).toEqual(["cdk.tf", "metadata.json"]);
    // Stacks that no longer exist: one only cdktf wrote to, one terraform and a user wrote to as well.
    fs.cpSync(path.join(outdir, "stacks", "dev"), path.join(outdir, "stacks", "staging"), { recursive: true });
    fs.cpSync(path.join(outdir, "stacks", "dev"), path.join(outdir, "stacks", "qa"), { recursive: true });
    fs.mkdirSync(path.join(outdir, "stacks", "qa", ".terraform"));
    fs.writeFileSync(path.join(outdir, "stacks", "qa", "notes.txt"), "mine");
    // A folder cdktf did not write is not touched.
    fs.mkdirSync(path.join(outdir, "stacks", "scratch"));

    synthInto(outdir);
    expect(list(path.join(outdir, "stacks"))).toEqual(["dev", "prod", "qa", "scratch"]);
    expect(list(path.join(outdir, "stacks", "dev"))).toEqual(["cdk.tf.json"]);
    expect(list(path.join(outdir, "stacks", "prod"))).toEqual(["cdk.tf.json"]);
    expect(list(path.join(outdir, "stacks", "qa"))).toEqual([".terraform", "notes.txt"]);

    synthInto(outdir, { SYNTH_HCL_OUTPUT: "true" });
    expect(list(path.join(outdir, "stacks", "dev"))).toEqual(["cdk.tf", "metadata.json"]);
  });
});
