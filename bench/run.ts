import { benchArchiveBatch } from "./archive-batch";
import { benchArchiverCost } from "./archiver-cost";
import { benchAuditLog } from "./audit-log";
import { benchBulkRestore } from "./bulk-restore";
import { benchDayListing, benchSearch } from "./console-api";
import { benchExport } from "./export";
import { benchFirstLoadJs } from "./first-load-js";
import { benchKeyLookup } from "./key-lookup";
import { machine } from "./harness";
import { benchPitrCompare } from "./pitr-compare";
import { benchSealedDays } from "./sealed-days";
import { benchEraseSealed } from "./erase-sealed";

const which = new Set(process.argv.slice(2));
const all = which.size === 0;

console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\nEndpoint: moto_server on loopback\n`);
if (all || which.has("archive")) console.log(`${await benchArchiveBatch()}\n`);
if (all || which.has("archiver-cost")) console.log(`${await benchArchiverCost()}\n`);
if (all || which.has("lookup")) console.log(`${await benchKeyLookup()}\n`);
if (all || which.has("day-listing")) console.log(`${await benchDayListing()}\n`);
if (all || which.has("search")) console.log(`${await benchSearch()}\n`);
if (all || which.has("first-load")) console.log(`${benchFirstLoadJs()}\n`);
if (all || which.has("bulk-restore")) console.log(`${await benchBulkRestore()}\n`);
if (all || which.has("pitr-compare")) console.log(`${await benchPitrCompare()}\n`);
if (all || which.has("export")) console.log(`${await benchExport()}\n`);
if (all || which.has("sealed-days")) console.log(`${await benchSealedDays()}\n`);
if (all || which.has("erase-sealed")) console.log(`${await benchEraseSealed()}\n`);
if (all || which.has("audit")) console.log(`${await benchAuditLog()}\n`);
