import { z } from "zod";
import { manifestFileName } from "@/lib/exports/export-format";
import { readManifest } from "@/lib/exports/export-manifest";
import { HttpError } from "@/lib/http/error-response";
import { route } from "@/lib/http/route";

const params = z.object({ exportId: z.uuid("must be an export id") });

/** An export's manifest, as stored when its last byte was produced. */
export const GET = route({ permission: "report:export", params }, async ({ params, config, aws }) => {
  const text = await readManifest(aws().s3, config, params.exportId);
  if (text === null) throw new HttpError(404, "no-manifest", "There is no manifest for this export: it has not finished, or it failed.");
  const fileName = (() => {
    try {
      return manifestFileName(String((JSON.parse(text) as { fileName?: unknown }).fileName ?? params.exportId));
    } catch {
      return `${params.exportId}.manifest.json`;
    }
  })();
  return new Response(text, {
    headers: { "Content-Type": "application/json; charset=utf-8", "Content-Disposition": `attachment; filename="${fileName}"`, "Cache-Control": "no-store" },
  });
});
