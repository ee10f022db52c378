import * as fs from "node:fs";
import * as path from "node:path";
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
