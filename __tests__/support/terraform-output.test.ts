import * as fs from "node:fs";
import * as path from "node:path";
import { aimedAt, fileResult } from "./published";
import { warningsIn } from "./terraform";

/**
 * Tests that plan or run `terraform test` take the configuration's warnings from that output
 * instead of a separate `terraform validate`. The fixtures are terraform 1.11's own output for a
 * root with a quoted reference (`ignore_changes = ["tags"]`).
 */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "..", "fixtures", "terraform-output", name), "utf8");
const QUOTED = 'Quoted references are deprecated (main.tf line 17, in resource "aws_sns_topic" "t")';

describe("warningsIn", () => {
  it.each([["plan-with-warning.txt"], ["test-with-warning.txt"]])("finds the warning and where it is in %s", (name) => {
    expect(warningsIn(fixture(name))).toEqual([QUOTED]);
  });

  it("finds each warning once, in boxed (stderr) form too, and nothing in clean output", () => {
    const boxed = `╷\n│ Warning: Argument is deprecated\n│ \n│   on main.tf line 3, in resource "aws_s3_bucket" "b":\n│    3:   acl = "private"\n╵\n`;
    expect(warningsIn(`${fixture("test-with-warning.txt")}\n${fixture("test-with-warning.txt")}${boxed}`)).toEqual([QUOTED, 'Argument is deprecated (main.tf line 3, in resource "aws_s3_bucket" "b")']);
    expect(warningsIn(fixture("test-with-warning.txt").replace(/^Warning:.*$/m, ""))).toEqual([]);
  });
});

describe("fileResult and aimedAt (the published modules' tests, run from one root)", () => {
  it("reads a test file's verdict and its runs, and a failure", () => {
    const out = fixture("test-with-warning.txt");
    expect(fileResult(out, "tests/a.tftest.hcl")).toEqual({ verdict: "pass", runs: ['run "x"... pass'] });
    const failed = out.replace('run "x"... pass', 'run "x"... fail').replace("tests/a.tftest.hcl... pass", "tests/a.tftest.hcl... fail");
    expect(fileResult(failed, "tests/a.tftest.hcl")).toEqual({ verdict: "fail", runs: ['run "x"... fail'] });
    expect(fileResult(out, "tests/b.tftest.hcl")).toEqual({ runs: [] });
  });

  it("aims every run block at the module and nothing else, and refuses a file it cannot aim", () => {
    const file = 'variables {\n  name = "x"\n}\n\nrun "plans" {\n  command = plan\n}\n\nrun "rejects_y" {\n  command = plan\n  expect_failures = [var.y]\n}\n';
    expect(aimedAt(file, "./modules/m", "m.tftest.hcl")).toBe(file.replace(/^(run "[^"]+" \{\n)/gm, '$1  module {\n    source = "./modules/m"\n  }\n'));
    expect(aimedAt(file, "./modules/m", "m.tftest.hcl").match(/source = "\.\/modules\/m"/g)).toHaveLength(2);
    expect(() => aimedAt(aimedAt(file, "./modules/m", "m.tftest.hcl"), "./modules/m", "m.tftest.hcl")).toThrow(/names a module already/);
    expect(() => aimedAt("variables {}\n", "./modules/m", "m.tftest.hcl")).toThrow(/no run block/);
  });
});
