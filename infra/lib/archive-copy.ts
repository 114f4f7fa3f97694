import { Aws, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from "aws-cdk-lib/aws-backup";
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { Bucket, CfnBucket } from "aws-cdk-lib/aws-s3";
import { Schedule } from "aws-cdk-lib/aws-events";
import { Construct } from "constructs";
import type { LazarusConfig } from "../../lib/config/schema";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export interface ArchiveCopyProps {
  copy: LazarusConfig["archive"]["secondCopy"];
  bucket: Bucket;
  key: IKey;
}

/**
 * A second copy of the archive that the archive account cannot destroy on its own:
 * - S3 Replication to a bucket in another account: every new version is copied there,
 *   and deletions are not (no delete-marker replication), so a delete or an erasure here
 *   leaves the replica as it was. Lock the replica bucket with Object Lock in that account.
 * - AWS Backup of the bucket, daily, into a vault with Vault Lock: recovery points are
 *   kept `retentionDays`, and in compliance mode nobody can delete them sooner.
 * Erasure reaches a backup only by its recovery points expiring, so `retentionDays` is
 * the longest an erased record survives there; docs/INFRA.md weighs the two.
 */
export class ArchiveCopy extends Construct {
  readonly vault?: BackupVault;
  readonly replicationRole?: Role;

  constructor(scope: Construct, id: string, props: ArchiveCopyProps) {
    super(scope, id);
    if (props.copy.replication) this.replicationRole = this.replicate(props, props.copy.replication);
    if (props.copy.backup) this.vault = this.backUp(props, props.copy.backup);
  }

  private replicate(props: ArchiveCopyProps, replication: NonNullable<ArchiveCopyProps["copy"]["replication"]>): Role {
    const destinationBucketArn = `arn:${Aws.PARTITION}:s3:::${replication.destinationBucket}`;
    const role = new Role(this, "ReplicationRole", {
      assumedBy: new ServicePrincipal("s3.amazonaws.com"),
      description: `Replicates the Lazarus archive to s3://${replication.destinationBucket} in account ${replication.destinationAccount}`,
    });
    const sourceObjects = props.bucket.arnForObjects("*");
    const destinationObjects = `${destinationBucketArn}/*`;
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"], resources: [props.bucket.bucketArn] }));
    role.addToPrincipalPolicy(
      new PolicyStatement({
        // Retention and legal hold travel with a locked object.
        actions: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
        resources: [sourceObjects],
      }),
    );
    // No s3:ReplicateDelete: a delete or an erasure in the archive never reaches the replica through replication.
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"], resources: [destinationObjects] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["kms:Decrypt"],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { "kms:ViaService": `s3.${Aws.REGION}.amazonaws.com` } },
      }),
    );
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["kms:Encrypt", "kms:GenerateDataKey"], resources: [replication.destinationKmsKeyArn] }));
    acknowledgeWildcardResources(role, [sourceObjects, destinationObjects], "Replication copies every object version of the archive, whatever its key, to the same key in the replica bucket.");

    const cfn = props.bucket.node.defaultChild as CfnBucket;
    cfn.replicationConfiguration = {
      role: role.roleArn,
      rules: [
        {
          id: "second-copy",
          status: "Enabled",
          priority: 1,
          filter: { prefix: "" },
          deleteMarkerReplication: { status: "Disabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: destinationBucketArn,
            account: replication.destinationAccount,
            accessControlTranslation: { owner: "Destination" },
            encryptionConfiguration: { replicaKmsKeyId: replication.destinationKmsKeyArn },
          },
        },
      ],
    };
    return role;
  }

  private backUp(props: ArchiveCopyProps, backup: NonNullable<ArchiveCopyProps["copy"]["backup"]>): BackupVault {
    const retention = Duration.days(backup.retentionDays);
    const lock = backup.vaultLock;
    const vault = new BackupVault(this, "Vault", {
      removalPolicy: RemovalPolicy.RETAIN,
      ...(lock
        ? {
            lockConfiguration: {
              minRetention: retention,
              // With changeableFor the lock becomes compliance mode once that grace time has passed; without it, governance.
              ...(lock.mode === "compliance" ? { changeableFor: Duration.days(lock.changeableForDays) } : {}),
            },
          }
        : {}),
    });
    const role = new Role(this, "BackupRole", {
      assumedBy: new ServicePrincipal("backup.amazonaws.com"),
      description: "AWS Backup of the Lazarus archive bucket",
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName("AWSBackupServiceRolePolicyForS3Backup"),
        ManagedPolicy.fromAwsManagedPolicyName("AWSBackupServiceRolePolicyForS3Restore"),
      ],
    });
    const plan = new BackupPlan(this, "Plan", { backupVault: vault });
    plan.addRule(new BackupPlanRule({ ruleName: "daily", scheduleExpression: Schedule.cron({ hour: "3", minute: "0" }), deleteAfter: retention }));
    // The selection adds AWS Backup's general service-role policy to the role as well.
    plan.addSelection("Archive", { resources: [BackupResource.fromArn(props.bucket.bucketArn)], role, allowRestores: false });
    for (const policy of ["AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore", "service-role/AWSBackupServiceRolePolicyForBackup"]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        reason:
          "AWS Backup documents its AWS-managed policies as what backing up and restoring S3 needs (bucket inventory, notifications, object versions); AWS keeps them current as S3 backup changes.",
      });
    }
    return vault;
  }
}
