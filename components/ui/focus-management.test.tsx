// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { useRef, useState } from "react";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { busyButtonProps, useInlineConfirmation } from "./focus-management";
import { AnnouncerProvider, Announce, progressStep, StatusRegion, useThrottledAnnouncement } from "./status-region";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
afterEach(cleanup);

/** A confirmation like the record's: the opener goes away while it is open, as "Review restore…" does. */
function Confirmable({ onConfirm }: { onConfirm: () => Promise<void> }) {
  const { isOpen, open, cancel, close, focus, openerRef, panelRef } = useInlineConfirmation<true, HTMLHeadingElement>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const resultRef = useRef<HTMLHeadingElement>(null);
  const confirm = async () => {
    setBusy(true);
    await onConfirm();
    setBusy(false);
    close();
    setDone(true);
    focus(resultRef);
  };
  if (done) {
    return (
      <h3 ref={resultRef} tabIndex={-1}>
        Restored
      </h3>
    );
  }
  if (!isOpen) {
    return (
      <button ref={openerRef} type="button" onClick={() => open(true)}>
        Review
      </button>
    );
  }
  return (
    <section>
      <h3 ref={panelRef} tabIndex={-1}>
        Confirm
      </h3>
      <SendButton busy={busy} onSend={() => void confirm()} />
      <button type="button" onClick={cancel}>
        Back
      </button>
    </section>
  );
}

function SendButton({ busy, onSend }: { busy: boolean; onSend: () => void }) {
  return (
    <button type="button" {...busyButtonProps(busy, onSend)}>
      {busy ? "Restoring…" : "Restore now"}
    </button>
  );
}

describe("an inline confirmation", () => {
  it("takes focus when it opens and gives it back to its opener on Back", () => {
    render(<Confirmable onConfirm={async () => {}} />);
    screen.getByRole("button", { name: "Review" }).focus();
    fireEvent.click(screen.getByRole("button", { name: "Review" }));
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Confirm" }));
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    // A new button element: the opener was unmounted while the confirmation was open.
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Review" }));
  });

  it("keeps focus on the busy button, ignores a second click, then focuses the result", async () => {
    let calls = 0;
    let finish: () => void = () => {};
    render(
      <Confirmable
        onConfirm={() => {
          calls += 1;
          return new Promise<void>((resolve) => {
            finish = resolve;
          });
        }}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Review" }));
    const send = screen.getByRole("button", { name: "Restore now" });
    send.focus();
    fireEvent.click(send);
    const busy = screen.getByRole("button", { name: "Restoring…" });
    expect(busy.getAttribute("aria-disabled")).toBe("true");
    expect(busy.hasAttribute("disabled")).toBe(false);
    expect(document.activeElement).toBe(busy);
    fireEvent.click(busy);
    expect(calls).toBe(1);
    await act(async () => finish());
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Restored" }));
  });

  it("stops a busy submit button from submitting its form", () => {
    let submitted = 0;
    render(
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submitted += 1;
        }}
      >
        <button type="submit" {...busyButtonProps(true)}>
          Find records
        </button>
      </form>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Find records" }));
    expect(submitted).toBe(0);
  });
});

function Progress({ done, total, status }: { done: number; total: number; status: string }) {
  const said = useThrottledAnnouncement(`${status}:${progressStep(done, total)}`, `${status} — ${done} of ${total}`);
  return <StatusRegion>{said}</StatusRegion>;
}

describe("progress announcements", () => {
  it("change at the start, every quarter and the end: a 94-row export is announced 5 times, not 94", () => {
    const { rerender } = render(<Progress done={0} total={94} status="Downloading" />);
    const region = screen.getByRole("status");
    const said = new Set<string>([region.textContent ?? ""]);
    for (let rows = 1; rows <= 94; rows++) {
      rerender(<Progress done={rows} total={94} status="Downloading" />);
      said.add(region.textContent ?? "");
    }
    expect([...said]).toEqual(["Downloading — 0 of 94", "Downloading — 24 of 94", "Downloading — 47 of 94", "Downloading — 71 of 94", "Downloading — 94 of 94"]);
    // The same element all along: the region was there before its first message.
    expect(screen.getByRole("status")).toBe(region);
  });

  it("steps by quarters, and an empty total is at the start", () => {
    expect([0, 24, 25, 49, 50, 75, 99, 100].map((n) => progressStep(n, 100))).toEqual([0, 0, 1, 1, 2, 3, 3, 4]);
    expect(progressStep(0, 0)).toBe(0);
  });
});

describe("the page-wide announcer", () => {
  it("is on the page empty, then says a result rendered later, and says it again when repeated", () => {
    const { rerender } = render(
      <AnnouncerProvider>
        <p>Search</p>
      </AnnouncerProvider>,
    );
    const region = screen.getByTestId("page-announcer");
    expect(region.getAttribute("role")).toBe("status");
    expect(region.textContent).toBe("");
    rerender(
      <AnnouncerProvider>
        <Announce key="first" message="12 deletions found" />
      </AnnouncerProvider>,
    );
    const first = region.textContent;
    expect(first?.trim()).toBe("12 deletions found");
    rerender(
      <AnnouncerProvider>
        <Announce key="second" message="12 deletions found" />
      </AnnouncerProvider>,
    );
    expect(region.textContent?.trim()).toBe("12 deletions found");
    expect(region.textContent).not.toBe(first);
  });
});
