// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { athenaQueryCost } from "@/lib/search/athena-engine";
import { AthenaUsageNote } from "./athena-usage";

afterEach(cleanup);

describe("what Athena scanned, on the search page", () => {
  it("shows the megabytes scanned and the cost when Athena ran", () => {
    const bytes = 2.5 * 1024 ** 3;
    render(<AthenaUsageNote usage={{ state: "SUCCEEDED", bytesScanned: bytes, costUsd: athenaQueryCost(bytes).usd }} />);
    expect(screen.getByTestId("athena-usage").textContent).toBe("Athena: 2,560 MB scanned, about $0.01");
  });

  it("shows a small query's minimum charge, and says so far while the query runs", () => {
    render(<AthenaUsageNote usage={{ state: "RUNNING", bytesScanned: 0, costUsd: athenaQueryCost(0).usd }} />);
    expect(screen.getByTestId("athena-usage").textContent).toBe("Athena: 0 MB scanned, about $0.000048 so far");
  });

  it("shows nothing when the local engine searched alone", () => {
    const { container } = render(<AthenaUsageNote usage={undefined} />);
    expect(container.textContent).toBe("");
  });
});
