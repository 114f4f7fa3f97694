/**
 * The keys the protection report's cached AWS answers are kept under. The calls that cache
 * an answer and the functions that forget it both build keys here, so the two cannot drift
 * apart. The part before the first ":" names the API, which picks its rate limit
 * (`DESCRIBE_RATES`). The cache forgets by prefix: a key built from fewer parts (no alarm
 * names, no failure prefix) forgets every answer that starts with it.
 */
export const answerKey = {
  table: (table: string) => `table:${table}`,
  pitr: (table: string) => `pitr:${table}`,
  ttl: (table: string) => `ttl:${table}`,
  mappings: (functionName: string) => `mappings:${functionName}`,
  iteratorAge: (functionName: string) => `iterator-age:${functionName}`,
  sealLag: (service: string) => `seal-lag:${service}`,
  alarms: (names: readonly string[] = []) => `alarms:${names.join(",")}`,
  failures: (bucket: string, prefix = "") => `failures:${bucket}:${prefix}`,
  queueUrl: (queueName: string) => `queue-url:${queueName}`,
  queueDepth: (queueName: string) => `queue-depth:${queueName}`,
  queueAge: (queueName: string) => `queue-age:${queueName}`,
  queuePeek: (queueName: string) => `queue-peek:${queueName}`,
};

/** The API a key's answer comes from: what its rate limit is looked up by. */
export function answerApi(key: string): string {
  return key.slice(0, key.indexOf(":"));
}
