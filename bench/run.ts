import { benchArchiveBatch } from "./archive-batch";
import { benchKeyLookup } from "./key-lookup";
import { machine } from "./harness";

const which = new Set(process.argv.slice(2));
const all = which.size === 0;

console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\nEndpoint: moto_server on loopback\n`);
if (all || which.has("archive")) console.log(`${await benchArchiveBatch()}\n`);
if (all || which.has("lookup")) console.log(`${await benchKeyLookup()}\n`);
