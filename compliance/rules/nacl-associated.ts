import { Rule } from "../model";
import { isSet, isUnknown } from "../values";

export const naclAssociated: Rule = {
  id: "nacl-associated",
  title: "Network ACLs are associated with a subnet",
  severity: "warning",
  scope: "resource",
  controls: { securityHub: ["EC2.16"], checkov: ["CKV2_AWS_1"] },
  rationale: "An ACL with no subnet protects nothing and misleads reviewers about what is enforced.",
  remediation: "Associate the ACL (aws_network_acl_association, or subnet_ids) or remove it.",
  check: (ctx) =>
    ctx.ofType("aws_network_acl").flatMap((resource) => {
      const ids = isSet(resource.values.subnet_ids);
      if (ids === true || ctx.referencing("aws_network_acl_association", "network_acl_id", resource).length > 0) return [];
      if (isUnknown(ids) || ctx.mayReference("aws_network_acl_association", "network_acl_id", resource).length > 0) {
        return [{ resource, message: "whether a subnet is associated is not known (an association's reference cannot be followed, or subnet_ids is computed)", unverifiable: true as const }];
      }
      return [{ resource, message: "network ACL is associated with no subnet" }];
    }),
  fixtures: {
    pass: {
      resource: {
        aws_network_acl: { a: { vpc_id: "vpc-1" } },
        aws_network_acl_association: { a: { network_acl_id: "${aws_network_acl.a.id}", subnet_id: "subnet-1" } },
      },
    },
    fail: { resource: { aws_network_acl: { a: { vpc_id: "vpc-1" } } } },
  },
};
