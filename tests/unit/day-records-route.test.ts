import { NextRequest } from "next/server";
import { describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/services/[service]/days/[date]/records/route";
import { listDayRecords, type DayEntry, type DayPage } from "@/lib/archive/archive-reader";
import { getSessionUser } from "@/lib/auth/session";

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
vi.mock("@/lib/archive/archive-reader", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/archive/archive-reader")>()),
  listDayRecords: vi.fn(),
}));

// The day's attribution listing (one more LIST per page) is not what these tests are about.
vi.mock("@/lib/attribution/attribution-store", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/attribution/attribution-store")>()),
  listDayAttributions: vi.fn(async () => []),
}));

const list = vi.mocked(listDayRecords);
vi.mocked(getSessionUser).mockResolvedValue({ id: "t", email: "t@example.com", name: "t", role: "viewer" });

function manual(i: number): DayEntry {
  return {
    kind: "record",
    id: `id${i}`,
    deletedAt: new Date("2024-01-15T10:00:00Z"),
    deletionType: "manual",
    partitionKey: { hashed: false, value: { S: `USER#${i}` } },
    sortKey: { hashed: false, value: { S: "PROFILE" } },
    archiveKey: `usr-contact-svc/2024/01/15/name${i}.json`,
    size: 100,
    storageClass: "STANDARD",
  };
}

async function get(query: string) {
  const response = await GET(new NextRequest(`http://localhost:3000/api/services/usr-contact-svc/days/2024-01-15/records?${query}`), {
    params: Promise.resolve({ service: "usr-contact-svc", date: "2024-01-15" }),
  });
  return { status: response.status, body: (await response.json()) as { entries: unknown[]; nextCursor?: string } };
}

describe("day records with a filter", () => {
  it("stops after 10 LISTs without a match and hands back the reader's cursor", async () => {
    list.mockReset();
    let n = 0;
    list.mockImplementation(async (): Promise<DayPage> => ({ entries: [manual(n++)], nextCursor: `cursor-${n}` }));
    const { status, body } = await get("type=ttl");
    expect(status).toBe(200);
    expect(list).toHaveBeenCalledTimes(10);
    expect(body).toEqual({ entries: [], nextCursor: "cursor-10" });
    expect(list.mock.calls[1]![4]).toMatchObject({ cursor: "cursor-1", limit: 1000 });
  });

  it("without a filter asks for exactly the rows it still needs", async () => {
    list.mockReset();
    list.mockResolvedValueOnce({ entries: [manual(1), manual(2)], nextCursor: "c1" }).mockResolvedValueOnce({ entries: [manual(3)] });
    const { body } = await get("limit=3");
    expect(list.mock.calls.map((c) => c[4]?.limit)).toEqual([3, 1]);
    expect(body.entries).toHaveLength(3);
    expect(body.nextCursor).toBeUndefined();
  });

  it("ends a full page with a cursor after its last row", async () => {
    list.mockReset();
    list.mockResolvedValueOnce({ entries: [manual(1), manual(2), manual(3)], nextCursor: "c1" });
    const { body } = await get("limit=2&prefix=USER%23");
    expect(body.entries).toHaveLength(2);
    const cursor = JSON.parse(Buffer.from(body.nextCursor!, "base64url").toString("utf8")) as { after: string };
    expect(cursor.after).toBe("name2.json");
  });
});
