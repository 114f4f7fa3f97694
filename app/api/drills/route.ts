import { listDrillHistory } from "@/lib/drills/drill-history";
import { json, route } from "@/lib/http/route";

/** Each drilled service's settings and its recent reports, oldest first. */
export const GET = route({ permission: "drills" }, async ({ config, aws }) => json({ services: await listDrillHistory(aws().s3, config) }));
