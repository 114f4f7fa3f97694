import type { LocalPrincipal } from "../local-stack/cloudtrail-events";

/**
 * Who deletes in the demo's history: a support engineer by hand (DeleteItem) and the
 * clean-up job whose run caused the demo's incident (BatchWriteItem). Kept apart from the
 * seeding code so browser tests can name them without loading server-only modules.
 */
export const DEMO_PRINCIPALS = {
  support: {
    accountId: "111122223333",
    roleName: "support-engineer",
    sessionName: "maria.support",
    sourceIdentity: "maria@example.com",
    sourceIp: "198.51.100.24",
    userAgent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 command/dynamodb.delete-item",
  },
  cleanup: {
    accountId: "111122223333",
    roleName: "order-cleanup-job",
    sessionName: "cleanup-scheduled-run",
    sourceIp: "10.20.4.17",
    userAgent: "aws-sdk-js/3.600.0 ua/2.0 os/linux lang/js md/nodejs#20.19.0 api/dynamodb#3.600.0",
  },
} satisfies Record<string, LocalPrincipal>;
