import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource
 * named here, and only those: a wildcard added later without its own reason
 * still fails the synth. cdk-nag names a finding after the resource with
 * CloudFormation references flattened (`<LogicalId.Arn>/prefix/*`), so the same
 * flattening is applied to the resolved ARN.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(resource))}]`, reason });
  }
}

/** Acknowledges AwsSolutions-IAM5 for one action pattern (`kms:GenerateDataKey*`), with its reason; any other stays a finding. */
export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
}

function flattenReference(node: unknown): string {
  if (node === undefined) return "";
  if (typeof node === "string") return node.replace(/\$\{/g, "<").replace(/\}/g, ">");
  if (isRecord(node)) {
    const join = node["Fn::Join"];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(flattenReference).join(String(join[0]));
    if ("Fn::Sub" in node) return flattenReference(node["Fn::Sub"]);
    const getAtt = node["Fn::GetAtt"];
    if (Array.isArray(getAtt)) return `<${flattenReference(getAtt[0])}.${flattenReference(getAtt[1])}>`;
    if ("Fn::ImportValue" in node) return flattenReference(node["Fn::ImportValue"]);
    if ("Ref" in node) return `<${flattenReference(node.Ref)}>`;
  }
  return JSON.stringify(node);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
