import { CfnResource, Stack, Token } from "aws-cdk-lib";
import { CfnAlarm } from "aws-cdk-lib/aws-cloudwatch";
import { CfnTable } from "aws-cdk-lib/aws-dynamodb";
import { CfnKey } from "aws-cdk-lib/aws-kms";
import { CfnBucket } from "aws-cdk-lib/aws-s3";
import { CfnQueue } from "aws-cdk-lib/aws-sqs";

/** IAM refuses a managed policy document longer than this, white space not counted. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;

/** An account ID is always 12 digits. */
const ACCOUNT_ID_CHARS = 12;
/** A partition or region the template leaves to deploy time: longer than any there is ("aws-us-gov", "ap-southeast-5"). */
const UNKNOWN_NAME_CHARS = 14;
/** `{"Version":"2012-10-17","Statement":[` ... `]}` */
const DOCUMENT_OVERHEAD = JSON.stringify({ Version: "2012-10-17", Statement: [] }).length;

/** A statement as IAM receives it, before its references are resolved. */
export interface StatementJson {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * Estimates at synth time how long a policy document will be once deployed. Literal
 * text counts as it is; a reference counts as the longest value it can take: a
 * resource's ARN from the name the template gives it (or the longest name its
 * service allows), a 12-digit account, the stack's region and partition, or 14
 * characters where those are left to deploy time. Arrays of one are counted as
 * arrays, though CDK writes them as a bare string. So the estimate is never short.
 */
export class PolicySizeEstimator {
  private readonly stack: Stack;
  private readonly lengths = new Map<string, number>();
  private byLogicalId?: Map<string, CfnResource>;

  constructor(stack: Stack) {
    this.stack = stack;
  }

  /** Characters of a whole managed policy document holding these statements. */
  documentSize(statementSizes: readonly number[]): number {
    return DOCUMENT_OVERHEAD + statementSizes.reduce((sum, size) => sum + size, 0) + Math.max(0, statementSizes.length - 1);
  }

  /** Characters of one statement in the document, without white space. */
  statementSize(statement: StatementJson): number {
    return JSON.stringify(this.placeholders(statement)).length;
  }

  /** Characters a string will have once deployed (a token's references resolved). */
  stringLength(value: string): number {
    if (!Token.isUnresolved(value)) return value.length;
    let length = this.lengths.get(value);
    if (length === undefined) {
      length = this.resolvedLength(this.stack.resolve(value));
      this.lengths.set(value, length);
    }
    return length;
  }

  /** The value with every unresolved string replaced by one of its estimated length. */
  private placeholders<T>(value: T): T {
    if (typeof value === "string") return (Token.isUnresolved(value) ? "x".repeat(this.stringLength(value)) : value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.placeholders(v)) as T;
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.placeholders(v)])) as T;
    }
    return value;
  }

  private resolvedLength(node: unknown): number {
    if (typeof node === "string") return node.length;
    if (typeof node === "number") return String(node).length;
    if (typeof node === "object" && node !== null) {
      const o = node as Record<string, unknown>;
      const join = o["Fn::Join"];
      if (Array.isArray(join)) {
        const [separator, parts] = join as [string, unknown[]];
        return parts.reduce<number>((sum, part) => sum + this.resolvedLength(part), 0) + separator.length * Math.max(0, parts.length - 1);
      }
      if (typeof o.Ref === "string") return this.refLength(o.Ref);
      const getAtt = o["Fn::GetAtt"];
      if (Array.isArray(getAtt)) return this.attributeLength(String(getAtt[0]), String(getAtt[1]));
    }
    throw new Error(`Cannot estimate the deployed length of ${JSON.stringify(node)} for an IAM policy; teach PolicySizeEstimator about it`);
  }

  private refLength(ref: string): number {
    switch (ref) {
      case "AWS::AccountId":
        return ACCOUNT_ID_CHARS;
      case "AWS::Region":
        return this.region;
      case "AWS::Partition":
        return this.partition;
      default:
        return this.attributeLength(ref, "Ref");
    }
  }

  private get region(): number {
    return Token.isUnresolved(this.stack.region) ? UNKNOWN_NAME_CHARS : this.stack.region.length;
  }

  private get partition(): number {
    return Token.isUnresolved(this.stack.partition) ? UNKNOWN_NAME_CHARS : this.stack.partition.length;
  }

  /** The ARN (or, for "Ref", the name) of a resource in this stack, from the name its template gives it. */
  private attributeLength(logicalId: string, attribute: string): number {
    const resource = this.resource(logicalId);
    const name = (given: string | undefined, longest: number) => (given !== undefined && !Token.isUnresolved(given) ? given.length : longest);
    /** `arn:{partition}:{service}:{region}:{account}:` */
    const regional = (service: string) => 4 + this.partition + 1 + service.length + 1 + this.region + 1 + ACCOUNT_ID_CHARS + 1;
    let arn: number | undefined;
    let ref: number | undefined;
    if (resource instanceof CfnBucket) {
      ref = name(resource.bucketName, 63);
      arn = 4 + this.partition + ":s3:::".length + ref;
    } else if (resource instanceof CfnTable) {
      ref = name(resource.tableName, 255);
      arn = regional("dynamodb") + "table/".length + ref;
    } else if (resource instanceof CfnQueue) {
      arn = regional("sqs") + name(resource.queueName, 80);
    } else if (resource instanceof CfnAlarm) {
      ref = name(resource.alarmName, 255);
      arn = regional("cloudwatch") + "alarm:".length + ref;
    } else if (resource instanceof CfnKey) {
      // A key ID is a UUID.
      ref = 36;
      arn = regional("kms") + "key/".length + ref;
    }
    const length = attribute === "Arn" ? arn : attribute === "Ref" ? ref : undefined;
    if (length === undefined) {
      throw new Error(`Cannot estimate the deployed length of ${resource.cfnResourceType} ${logicalId}.${attribute} for an IAM policy; teach PolicySizeEstimator about it`);
    }
    return length;
  }

  private resource(logicalId: string): CfnResource {
    if (!this.byLogicalId) {
      this.byLogicalId = new Map();
      for (const construct of this.stack.node.findAll()) {
        if (CfnResource.isCfnResource(construct)) this.byLogicalId.set(this.stack.resolve(construct.logicalId) as string, construct);
      }
    }
    const resource = this.byLogicalId.get(logicalId);
    if (!resource) throw new Error(`Cannot estimate the deployed length of a reference to ${logicalId}, which is not a resource of stack ${this.stack.stackName}`);
    return resource;
  }
}
