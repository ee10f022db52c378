import * as fc from "fast-check";
import { BulwarkValidationError } from "../../modules/core/errors";
import { HardenedLaunchTemplate, HardenedLaunchTemplateProps, VOLUME_LIMITS, VOLUME_TYPES, VolumeProps } from "../../modules/launch-template";
import { init, stageStack, validate } from "../support/terraform";
import { resourcesOf, synthJson, synthStack, testStack } from "../support/synth";

/**
 * Property: any props give either a hardened, Terraform-valid launch template or a
 * BulwarkValidationError naming the construct path and a field — nothing else (no crash,
 * no silently weakened template). All valid samples are then validated by terraform in
 * one batch.
 */
const weighted = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: invalid, weight: 1 });
const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const cidr = weighted(
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 })).map(([a, b, p]) => `10.${a}.${b}.0/${p}`),
  fc.constantFrom("10.0.0.0/33", "300.0.0.0/8", "", "0.0.0.0", "fd00::/129"),
);
const validVolume = fc.constantFrom(...VOLUME_TYPES).chain((volumeType): fc.Arbitrary<VolumeProps> => {
  const limits = VOLUME_LIMITS[volumeType];
  const size = fc.integer({ min: limits.size[0], max: Math.min(limits.size[1], 2000) });
  if (volumeType === "gp3") {
    return fc.record({ volumeType: fc.constant(volumeType), sizeGiB: size, iops: fc.integer({ min: 3000, max: 16000 }), throughputMiBps: fc.integer({ min: 125, max: 1000 }) }, { requiredKeys: ["volumeType", "sizeGiB"] });
  }
  if (volumeType === "io1" || volumeType === "io2") {
    const ratio = volumeType === "io1" ? 50 : 500;
    return size.chain((sizeGiB) => fc.record({ volumeType: fc.constant(volumeType), sizeGiB: fc.constant(sizeGiB), iops: fc.integer({ min: 100, max: Math.min(limits.iops![1], sizeGiB * ratio) }) }));
  }
  return fc.record({ volumeType: fc.constant(volumeType), sizeGiB: size });
});
const anyVolume = fc.record(
  {
    sizeGiB: fc.integer({ min: -5, max: 70000 }),
    volumeType: fc.constantFrom(...VOLUME_TYPES, "gp9", "", "GP3") as fc.Arbitrary<never>,
    iops: fc.integer({ min: 0, max: 300000 }),
    throughputMiBps: fc.integer({ min: 0, max: 2000 }),
  },
  { requiredKeys: [] },
);
const volume = weighted(validVolume, anyVolume);

const propsArb: fc.Arbitrary<HardenedLaunchTemplateProps> = fc.record(
  {
    name: weighted(fc.stringMatching(/^[a-z][a-z0-9-]{2,30}$/), fc.string({ maxLength: 60 })),
    image: weighted(
      fc.oneof(fc.oneof(hex(8), hex(17)).map((h) => ({ amiId: `ami-${h}` })), fc.constant({ ssmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" })),
      fc.string().map((s) => ({ amiId: s })),
    ),
    os: fc.constantFrom("amazon-linux-2023", "ubuntu") as fc.Arbitrary<"amazon-linux-2023" | "ubuntu">,
    instanceType: weighted(fc.constantFrom("t3.micro", "m7g.large", "c6i.2xlarge"), fc.string({ maxLength: 12 })),
    securityGroupIds: weighted(fc.constant<string[]>(["sg-0123456789abcdef0"]), fc.constant<string[]>([])),
    kmsKeyArn: weighted(
      fc.constant("arn:aws:kms:eu-west-1:111111111111:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f"),
      fc.constantFrom("arn:aws:kms:eu-west-1:1:key/x", "key/abc", ""),
    ),
    rootVolume: volume,
    dataVolumes: fc.dictionary(
      name,
      fc.record({ deviceName: weighted(fc.constantFrom("/dev/xvdf", "/dev/xvdg", "/dev/sdh"), fc.constant("/dev/bad")), sizeGiB: weighted(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: -1, max: 20000 })) }),
      { maxKeys: 2 },
    ),
    containerMetadataAccess: fc.record(
      { reason: weighted(fc.constant("containers on the host read IMDS"), fc.constant("")), hopLimit: weighted(fc.integer({ min: 2, max: 64 }), fc.integer({ min: -1, max: 70 })) },
      { requiredKeys: ["reason"] },
    ),
    logRetentionDays: weighted(fc.constantFrom(365, 731, 3653), fc.constantFrom(30, 0, 366)),
    userData: fc.record(
      {
        firewallAllow: fc.dictionary(weighted(name, fc.constantFrom("1x", "a b")), fc.record({ port: weighted(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: -10, max: 70000 })), sources: fc.array(cidr, { maxLength: 3 }) }), { maxKeys: 3 }),
        sshAllowUsers: fc.array(name, { maxLength: 3 }),
        extraParts: fc.array(
          fc.record({
            contentType: fc.constantFrom("text/x-shellscript", "text/cloud-config") as fc.Arbitrary<"text/x-shellscript">,
            content: weighted(fc.string({ maxLength: 200 }), fc.constantFrom("export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP", "x".repeat(17000))),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["name", "image", "instanceType", "securityGroupIds"] },
);

describe("HardenedLaunchTemplate under fuzzed props", () => {
  const valid: HardenedLaunchTemplateProps[] = [];
  let rejected = 0;

  it("yields a hardened template or a named BulwarkValidationError, never anything else (300 runs)", () => {
    fc.assert(
      fc.property(propsArb, (props) => {
        let json;
        try {
          json = synthJson((s) => new HardenedLaunchTemplate(s, "lt", props));
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkValidationError);
          const err = e as BulwarkValidationError;
          expect(err.message.startsWith(`test/lt: ${err.field} `)).toBe(true);
          expect(err.field).toMatch(/^[A-Za-z]/);
          rejected++;
          return;
        }
        const lt = resourcesOf(json, "aws_launch_template").lt_template;
        expect(lt.metadata_options.http_tokens).toBe("required");
        expect(lt.metadata_options.http_put_response_hop_limit).toBe(props.containerMetadataAccess ? (props.containerMetadataAccess.hopLimit ?? 2) : 1);
        for (const m of lt.block_device_mappings) expect(m.ebs).toMatchObject({ encrypted: "true", kms_key_id: expect.any(String) });
        expect(lt.network_interfaces[0].associate_public_ip_address).toBe("false");
        expect(Buffer.from(lt.user_data, "base64").length).toBeLessThanOrEqual(16384);
        valid.push(props);
      }),
      { numRuns: 300, seed: Number(process.env.BULWARK_FUZZ_SEED ?? 20261126) },
    );
    // The generators must exercise both outcomes, or the property proves little.
    expect(valid.length).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(20);
  });

  it("every accepted sample is valid Terraform (one batched terraform validate)", () => {
    expect(valid.length).toBeGreaterThan(0);
    const stack = testStack(undefined, "fuzz");
    valid.forEach((props, i) => new HardenedLaunchTemplate(stack, `lt-${i}`, props));
    const dir = stageStack(synthStack(stack), "fuzz");
    init(dir);
    expect(validate(dir).warnings).toEqual([]);
  });
});
