import { Rule } from "../model";
import { alarmActions } from "./alarm-actions";
import { albAccessLogs } from "./alb-access-logs";
import { asgLaunchTemplateVersion } from "./asg-launch-template-version";
import { backupCrossRegion } from "./backup-cross-region";
import { backupVaultCmk } from "./backup-vault-cmk";
import { cisCloudtrailAlarms } from "./cis-cloudtrail-alarms";
import { cloudtrailBucket } from "./cloudtrail-bucket";
import { cloudtrailCloudwatchLogs } from "./cloudtrail-cloudwatch-logs";
import { cloudtrailEncrypted } from "./cloudtrail-encrypted";
import { cloudtrailLogValidation } from "./cloudtrail-log-validation";
import { cloudtrailMultiRegion } from "./cloudtrail-multi-region";
import { configRecorder } from "./config-recorder";
import { ebsCmk } from "./ebs-cmk";
import { ebsDefaultEncryption } from "./ebs-default-encryption";
import { ebsEncrypted } from "./ebs-encrypted";
import { ec2DetailedMonitoring } from "./ec2-detailed-monitoring";
import { ec2ImdsHopLimit } from "./ec2-imds-hop-limit";
import { ec2Imdsv2 } from "./ec2-imdsv2";
import { ec2NoPublicIp } from "./ec2-no-public-ip";
import { exposureInternetViaLoadBalancer } from "./exposure-internet-via-load-balancer";
import { exposureNoInternetAdmin } from "./exposure-no-internet-admin";
import { exposureTierIsolation } from "./exposure-tier-isolation";
import { kmsRotation } from "./kms-rotation";
import { logGroupEncrypted } from "./log-group-encrypted";
import { ltEbsEncrypted } from "./lt-ebs-encrypted";
import { ltImdsv2 } from "./lt-imdsv2";
import { ltNoPublicIp } from "./lt-no-public-ip";
import { naclAssociated } from "./nacl-associated";
import { naclNoWorldAdminPorts } from "./nacl-no-world-admin-ports";
import { noSecretsInUserData } from "./no-secrets-in-user-data";
import { sgDescriptions } from "./sg-descriptions";
import { sgNoWorldAdminPorts } from "./sg-no-world-admin-ports";
import { sgNoWorldHighRiskPorts } from "./sg-no-world-high-risk-ports";
import { sgNoWorldUnauthorizedPorts } from "./sg-no-world-unauthorized-ports";
import { snsEncrypted } from "./sns-encrypted";
import { ssmManaged } from "./ssm-managed";
import { subnetNoPublicIp } from "./subnet-no-public-ip";
import { vpcDefaultNaclManaged } from "./vpc-default-nacl-managed";
import { vpcDefaultSgClosed } from "./vpc-default-sg-closed";
import { vpcFlowLogs } from "./vpc-flow-logs";
import { wafKnownBadInputs } from "./waf-known-bad-inputs";
import { wafLogging } from "./waf-logging";

/** The rule pack: one line per rule. A new rule is a new file plus one line here. */
export const ALL_RULES: readonly Rule[] = [
  ec2Imdsv2,
  ltImdsv2,
  ec2ImdsHopLimit,
  ebsDefaultEncryption,
  ebsEncrypted,
  ltEbsEncrypted,
  ebsCmk,
  ec2NoPublicIp,
  ltNoPublicIp,
  subnetNoPublicIp,
  naclNoWorldAdminPorts,
  naclAssociated,
  vpcDefaultNaclManaged,
  sgNoWorldAdminPorts,
  sgNoWorldHighRiskPorts,
  sgNoWorldUnauthorizedPorts,
  sgDescriptions,
  vpcDefaultSgClosed,
  vpcFlowLogs,
  cloudtrailMultiRegion,
  cloudtrailEncrypted,
  cloudtrailLogValidation,
  cloudtrailCloudwatchLogs,
  cloudtrailBucket,
  configRecorder,
  kmsRotation,
  ssmManaged,
  cisCloudtrailAlarms,
  logGroupEncrypted,
  noSecretsInUserData,
  alarmActions,
  snsEncrypted,
  ec2DetailedMonitoring,
  asgLaunchTemplateVersion,
  exposureNoInternetAdmin,
  exposureInternetViaLoadBalancer,
  exposureTierIsolation,
  backupVaultCmk,
  backupCrossRegion,
  albAccessLogs,
  wafLogging,
  wafKnownBadInputs,
];
