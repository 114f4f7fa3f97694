import "server-only";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ArchivedDeletion } from "@/lib/archive/archive-object";
import type { Role } from "@/lib/auth/roles";
import type { ServiceConfig } from "@/lib/config/schema";
import { liveKeyOf } from "@/lib/http/archived-record";
import { getLiveItem } from "@/lib/restore/live-item";
import { planRestore } from "@/lib/restore/restore-planner";
import { compareQueryOptions } from "../query/archive-queries";
import type { ComparePlan } from "../query/api-types";
import { getQueryClient } from "../query/get-query-client";
import { Skeleton, LoadingRegion } from "../ui/skeleton";
import { LivePanels } from "./live-panels";

/**
 * Reads the live item while the page renders, so the comparison arrives with the
 * record instead of after a round trip from the browser. The browser's cache gets
 * exactly what GET .../records/compare would have answered.
 */
export async function PrefetchedLivePanels({
  dynamodb,
  service,
  deletion,
  archiveKey,
  keyText,
  role,
}: {
  dynamodb: DynamoDBClient;
  service: ServiceConfig;
  deletion: ArchivedDeletion;
  archiveKey: string;
  keyText: string;
  role: Role;
}) {
  const queryClient = getQueryClient();
  try {
    const live = await getLiveItem(dynamodb, service.table.name, liveKeyOf(service, deletion));
    const plan: ComparePlan = { ...planRestore({ service, oldImage: deletion.oldImage, live, now: new Date() }), live, table: service.table.name };
    queryClient.setQueryData(compareQueryOptions(service.name, archiveKey).queryKey, plan);
  } catch {
    // Left to the browser: its request goes through the API's error mapping and shows why, with a retry.
  }
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <LivePanels service={service.name} archiveKey={archiveKey} keyText={keyText} role={role} />
    </HydrationBoundary>
  );
}

export function LivePanelsSkeleton() {
  return (
    <LoadingRegion label="Comparing with the live item" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <Skeleton className="h-6 w-64" />
      <Skeleton className="h-4 w-80" />
      <Skeleton className="h-6 w-72" />
    </LoadingRegion>
  );
}
