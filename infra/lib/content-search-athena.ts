import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { CfnWorkGroup } from "aws-cdk-lib/aws-athena";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-glue";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { SearchSettings } from "../../lib/config/schema";
import { ATHENA_LINE_COLUMN, ATHENA_PARTITIONS, athenaProjectionParameters } from "../../lib/search/athena-table";

export interface ContentSearchAthenaProps {
  settings: SearchSettings["athena"];
  archive: { bucket: IBucket; bucketName: string; key: IKey; prefix: string };
  /** Every service whose bundles may be searched, retired ones included (their archives stay). */
  services: readonly string[];
  accessLogs: IBucket;
}

/** What the console's policies name for Athena searches. */
export interface AthenaSearchResources {
  workgroupArn: string;
  catalogArn: string;
  databaseArn: string;
  tableArn: string;
  resultsBucketArn: string;
}

/**
 * Content search on Athena (search.engine "athena", docs/SEARCH.md): a Glue table over
 * the sealed bundles with partition projection (no crawler, no partitions to add as days
 * are sealed), and a workgroup that enforces where results go, how they are encrypted
 * and how many bytes one query may scan.
 *
 * The table reads each bundle line whole as one string column (LazySimpleSerDe with the
 * \u0001 field delimiter, which a JSON line never holds unescaped); the SQL reads fields
 * out of it with json_extract, because attribute names differ per service and values are
 * DynamoDB's typed JSON. Bundles are gzip files of one member per record, which Athena
 * reads as one stream (concatenated gzip members are one valid gzip file).
 */
export class ContentSearchAthena extends Construct {
  readonly results: Bucket;
  readonly resources: AthenaSearchResources;

  constructor(scope: Construct, id: string, props: ContentSearchAthenaProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { settings, archive } = props;

    // Results hold whole matched records: the archive's key, and gone after a few days.
    this.results = new Bucket(this, "Results", {
      encryption: BucketEncryption.KMS,
      encryptionKey: archive.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: "athena-results/",
      lifecycleRules: [{ id: "expire-query-results", expiration: Duration.days(settings.resultRetentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });

    const database = new CfnDatabase(this, "Database", {
      catalogId: stack.account,
      databaseInput: { name: settings.database, description: "Lazarus: the sealed delete archive, for content search" },
    });
    const table = new CfnTable(this, "Table", {
      catalogId: stack.account,
      databaseName: settings.database,
      tableInput: {
        name: settings.table,
        description: "One row per archived deletion in sealed bundles: the archive object as one JSON line",
        tableType: "EXTERNAL_TABLE",
        parameters: { ...athenaProjectionParameters(archive.bucketName, archive.prefix, props.services), "compressionType": "gzip", EXTERNAL: "TRUE" },
        partitionKeys: [
          { name: ATHENA_PARTITIONS.service, type: "string" },
          { name: ATHENA_PARTITIONS.month, type: "string" },
          { name: ATHENA_PARTITIONS.day, type: "string" },
        ],
        storageDescriptor: {
          columns: [{ name: ATHENA_LINE_COLUMN, type: "string" }],
          location: `s3://${archive.bucketName}/${archive.prefix}`,
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serdeInfo: {
            serializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            parameters: { "field.delim": "\u0001", "serialization.format": "\u0001" },
          },
        },
      },
    });
    table.addResourceDependency(database);

    const workgroup = new CfnWorkGroup(this, "WorkGroup", {
      name: settings.workgroup,
      description: "Lazarus content search: results encrypted and expired, bytes scanned per query capped",
      state: "ENABLED",
      workGroupConfiguration: {
        // The console cannot send its queries' results elsewhere, unencrypted, or past the cutoff.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: settings.bytesScannedCutoff,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        resultConfiguration: {
          outputLocation: `s3://${this.results.bucketName}/`,
          encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKey: archive.key.keyArn },
        },
      },
    });

    this.resources = {
      workgroupArn: stack.formatArn({ service: "athena", resource: "workgroup", resourceName: workgroup.name }),
      catalogArn: stack.formatArn({ service: "glue", resource: "catalog" }),
      databaseArn: stack.formatArn({ service: "glue", resource: "database", resourceName: settings.database }),
      tableArn: stack.formatArn({ service: "glue", resource: "table", resourceName: `${settings.database}/${settings.table}` }),
      resultsBucketArn: this.results.bucketArn,
    };
  }
}
