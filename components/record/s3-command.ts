/**
 * The `aws s3 cp` command that prints an archive object. Archive names are
 * percent-encoded and need no quoting beyond the usual double quotes, but legacy
 * names can hold anything a key could: those are single-quoted, which the shell
 * takes literally ($, `, \, ! and " included).
 */
const PLAIN = /^[A-Za-z0-9@%+=:,./_~#-]*$/;

export function shellQuote(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function s3CopyCommand(bucket: string, key: string, endpoint?: string): string {
  const base = `aws s3 cp ${shellQuote(s3Uri(bucket, key))} -`;
  return endpoint ? `${base} --endpoint-url ${shellQuote(endpoint)}` : base;
}
