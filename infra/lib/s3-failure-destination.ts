import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { DlqDestinationConfig, IEventSourceDlq, IEventSourceMapping, IFunction } from "aws-cdk-lib/aws-lambda";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { kmsViaS3 } from "./kms-via-s3";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

/**
 * An S3 on-failure destination for a stream mapping that grants only what Lambda
 * needs to write a failed batch (s3:PutObject and s3:ListBucket, plus the bucket
 * key's GenerateDataKey). aws-cdk-lib's S3OnFailureDestination grants read, write
 * and delete on the whole bucket, which would let the archiver erase the very
 * records kept for replay.
 */
export class S3FailureDestination implements IEventSourceDlq {
  constructor(
    private readonly bucket: IBucket,
    private readonly key: IKey,
  ) {}

  bind(_mapping: IEventSourceMapping, target: IFunction): DlqDestinationConfig {
    target.addToRolePolicy(new PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.bucket.bucketArn] }));
    const objects = [this.bucket.arnForObjects("*")];
    target.addToRolePolicy(new PolicyStatement({ actions: ["s3:PutObject"], resources: objects }));
    if (target.role) {
      acknowledgeWildcardResources(target.role, objects, "Lambda names each failed-batch object itself (by mapping, shard and time); the bucket holds nothing else.");
    }
    target.addToRolePolicy(kmsViaS3(this.key, ["kms:GenerateDataKey"]));
    return { destination: this.bucket.bucketArn };
  }
}
