import { Rule } from "../model";
import { attr, first, isFalse, isTrue } from "../values";

export const configRecorder: Rule = {
  id: "config-recorder",
  title: "AWS Config records all resources, global types included, and is on",
  severity: "error",
  scope: "account",
  controls: { securityHub: ["Config.1"], cis: ["3.3"], checkov: ["CKV2_AWS_45", "CKV2_AWS_48"], trivy: ["AVD-AWS-0019"] },
  rationale: "Config's history answers what a resource looked like when; its managed rules evaluate the controls continuously.",
  remediation: "Add the audit module: recorder with all_supported and include_global_resource_types, a delivery channel, recorder status enabled.",
  check: (ctx) => {
    const problems: string[] = [];
    const recorders = ctx.ofType("aws_config_configuration_recorder");
    if (recorders.length === 0) return [{ message: "no AWS Config recorder in the stacks of this account and region" }];
    if (!recorders.some((r) => !isFalse(attr(first(r.values.recording_group), "all_supported")) && isTrue(attr(first(r.values.recording_group), "include_global_resource_types")))) {
      problems.push("no recorder records all supported resources including global types");
    }
    if (!ctx.ofType("aws_config_configuration_recorder_status").some((s) => isTrue(s.values.is_enabled))) problems.push("no recorder status is enabled");
    if (ctx.ofType("aws_config_delivery_channel").length === 0) problems.push("no delivery channel");
    return problems.map((message) => ({ message: `AWS Config: ${message}` }));
  },
  fixtures: {
    pass: {
      resource: {
        aws_config_configuration_recorder: { r: { name: "r", role_arn: "arn:aws:iam::111111111111:role/c", recording_group: { all_supported: true, include_global_resource_types: true } } },
        aws_config_configuration_recorder_status: { r: { name: "r", is_enabled: true } },
        aws_config_delivery_channel: { r: { name: "r", s3_bucket_name: "b" } },
      },
    },
    fail: { resource: { aws_config_configuration_recorder: { r: { name: "r", role_arn: "arn:aws:iam::111111111111:role/c" } } } },
  },
};
