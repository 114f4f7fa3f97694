import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { serviceApiPath } from "../routing/links";
import { fetchJson } from "./api-client";
import type { ComparePlan, DayRecordsPage, RestoreBody, RestoreSuccess, RetrievalBody, RetrievalStatus } from "./api-types";
import type { ApprovalRequestedResponse } from "@/lib/approvals/approval-types";

/** Query keys and fetchers shared by every component that reads the same data. */

export const DAY_PAGE_SIZE = 200;
export const RETRIEVAL_POLL_MS = 5_000;

export function dayRecordsQueryOptions(input: {
  service: string;
  date: string;
  type?: "ttl" | "manual" | undefined;
  prefix?: string | undefined;
  who?: string | undefined;
  whoMatch?: "contains" | "equals" | undefined;
}) {
  const { service, date, type, prefix, who, whoMatch } = input;
  return infiniteQueryOptions({
    queryKey: ["day-records", service, date, { type: type ?? null, prefix: prefix ?? null, who: who ?? null, whoMatch: who ? (whoMatch ?? null) : null }] as const,
    queryFn: ({ pageParam, signal }) => {
      const query = new URLSearchParams({ limit: String(DAY_PAGE_SIZE) });
      if (pageParam) query.set("cursor", pageParam);
      if (type) query.set("type", type);
      if (prefix) query.set("prefix", prefix);
      if (who) query.set("who", who);
      if (who && whoMatch) query.set("whoMatch", whoMatch);
      return fetchJson<DayRecordsPage>(`${serviceApiPath(service, `days/${date}/records`)}?${query}`, { signal });
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function compareQueryOptions(service: string, archiveKey: string) {
  return queryOptions({
    queryKey: ["compare", service, archiveKey] as const,
    queryFn: ({ signal }) =>
      fetchJson<ComparePlan>(`${serviceApiPath(service, "records/compare")}?${new URLSearchParams({ archiveKey })}`, { signal }),
    // What the user sees is what an overwrite is checked against: never swap it silently.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}

export function retrievalStatusQueryOptions(service: string, archiveKey: string) {
  return queryOptions({
    queryKey: ["retrieval", service, archiveKey] as const,
    queryFn: ({ signal }) =>
      fetchJson<RetrievalStatus>(`${serviceApiPath(service, "records/retrieval")}?${new URLSearchParams({ archiveKey })}`, { signal }),
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.state === "in-progress" ? RETRIEVAL_POLL_MS : false),
  });
}

export function requestRetrieval(service: string, body: RetrievalBody): Promise<RetrievalStatus> {
  return fetchJson<RetrievalStatus>(serviceApiPath(service, "records/retrieval"), { method: "POST", body });
}

/** The restore, or the approval request it became (docs/APPROVALS.md). */
export function restoreRecord(service: string, body: RestoreBody): Promise<RestoreSuccess | ApprovalRequestedResponse> {
  return fetchJson<RestoreSuccess | ApprovalRequestedResponse>(serviceApiPath(service, "records/restore"), { method: "POST", body });
}
