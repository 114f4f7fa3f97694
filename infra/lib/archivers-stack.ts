import { Stack, type StackProps } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Key } from "aws-cdk-lib/aws-kms";
import { Bucket, type IBucket } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { alarmActions, type AlarmDestinations } from "./alerting";
import { ServiceArchiver } from "./service-archiver";

export interface ArchiversStackProps extends StackProps {
  config: LazarusConfig;
  services: readonly ServiceConfig[];
  /** The archive key's ARN: the one value taken from the foundation stack (it never changes). */
  archiveKeyArn: string;
  destinations: AlarmDestinations;
}

/**
 * The archive pipelines of one group of services. Nothing here holds archived data (the
 * bucket is the foundation's; a managed table is retained), so the stack can be split,
 * moved or removed. Buckets are named by the config, and referred to by name.
 */
export class ArchiversStack extends Stack {
  readonly services: ServiceArchiver[];

  constructor(scope: Construct, id: string, props: ArchiversStackProps) {
    super(scope, id, props);
    const { config } = props;
    const key: IKey = Key.fromKeyArn(this, "ArchiveKey", props.archiveKeyArn);
    const archive = { bucket: Bucket.fromBucketName(this, "ArchiveBucket", config.archive.bucket), key, prefix: config.archive.prefix };
    const actions = alarmActions(this, props.destinations, config.archive.bucket);
    const failureBuckets = new Map<string, IBucket>();
    const failureBucket = (name: string) => {
      if (!failureBuckets.has(name)) failureBuckets.set(name, Bucket.fromBucketName(this, `FailedBatches-${name}`, name));
      return failureBuckets.get(name)!;
    };

    this.services = props.services.map(
      (service) =>
        new ServiceArchiver(this, `Service-${service.name}`, {
          service,
          archive,
          alarms: config.alarms,
          alarmActions: actions,
          ...(service.onFailure.type === "s3" ? { failureBucket: failureBucket(service.onFailure.bucket) } : {}),
        }),
    );
  }
}
