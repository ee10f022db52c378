import * as fc from "fast-check";
import { Testing } from "cdktf";
import { BulwarkValidationError } from "../../modules/core/errors";
import { keyFor, keysFor } from "../../modules/core/keys";
import { NAME_PATTERN } from "../../modules/core/validate";
import { testStack } from "../support/synth";

describe("keys from values, not positions", () => {
  const scope = () => testStack(Testing.app(), "keys");

  it("reads as the value", () => {
    expect(keyFor("email", "Platform.Alerts@example.com")).toBe("email-platform-alerts-example-com");
    expect(keyFor("clients", "2001:db8::/32")).toBe("clients-2001-db8-32");
    expect(keyFor("clients", "0.0.0.0/0")).toBe("clients-0-0-0-0-0");
  });

  it("ends a key that would be too long in a hash of the value", () => {
    const long = `${"a".repeat(70)}@example.com`;
    const key = keyFor("email", long);
    expect(key).toMatch(/^email-a+-[0-9a-f]{8}$/);
    expect(key.length).toBeLessThanOrEqual(63);
    expect(keyFor("email", long.replace(/^a/, "b"))).not.toBe(key);
  });

  it("gives the same keys whatever the order, every key a valid name (300 runs)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.emailAddress(), fc.ipV4().map((ip) => `${ip}/32`), fc.string({ minLength: 1, maxLength: 90 })), { minLength: 1, maxLength: 8 }), (values) => {
        let forward: Record<string, string>;
        try {
          forward = keysFor(scope(), "values", "k", values);
        } catch (e) {
          // Only the named collision error, never anything else.
          expect(e).toBeInstanceOf(BulwarkValidationError);
          expect((e as Error).message).toMatch(/values .* makes the same resource key/);
          return;
        }
        expect(keysFor(scope(), "values", "k", [...values].reverse())).toEqual(forward);
        expect(Object.values(forward).sort()).toEqual([...values].sort());
        for (const key of Object.keys(forward)) expect(key).toMatch(NAME_PATTERN);
      }),
      { numRuns: 300, seed: Number(process.env.BULWARK_FUZZ_SEED ?? 20261126) },
    );
  });

  it("refuses a value listed twice and two values that make one key, naming the field", () => {
    expect(() => keysFor(scope(), "alarmEmails", "email", ["a@example.com", "a@example.com"])).toThrow(/alarmEmails "a@example.com" is listed twice/);
    expect(() => keysFor(scope(), "alarmEmails", "email", ["a.b@example.com", "a-b@example.com"])).toThrow(
      /alarmEmails "a-b@example.com" makes the same resource key \(email-a-b-example-com\) as "a.b@example.com"/,
    );
  });
});
