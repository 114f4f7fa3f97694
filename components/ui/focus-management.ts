"use client";

import { useCallback, useEffect, useReducer, useRef, useState, type MouseEvent, type RefObject } from "react";

/** Where focus should go: an element that may not be on screen yet. */
export type FocusTarget = RefObject<HTMLElement | null>;

/**
 * Moves focus to an element once it is on screen. The state change that asks for focus
 * (open a confirmation, show a result) is usually the one that renders the element, so
 * the request waits for the render that mounts it instead of focusing at once.
 */
export function useFocusRequest(): (target: FocusTarget) => void {
  const pending = useRef<FocusTarget | null>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const element = pending.current?.current;
    if (element?.isConnected) {
      pending.current = null;
      element.focus();
    }
  });
  return useCallback((target: FocusTarget) => {
    pending.current = target;
    rerender();
  }, []);
}

/**
 * An inline confirmation ("Restore now / Back"): opening it focuses the confirmation,
 * cancelling returns focus to the button that opened it, and `focus` moves it to the
 * result once the action is done. Without this, the button that had focus disappears
 * and focus falls back to the page's start.
 *
 * `openerRef` goes on the opening button, `panelRef` on the confirmation (a heading or a
 * group with tabIndex={-1}). A confirmation with several openers passes the one used to `open`.
 */
export function useInlineConfirmation<T = true, Panel extends HTMLElement = HTMLElement>() {
  const [value, setValue] = useState<T | null>(null);
  const openerRef = useRef<HTMLButtonElement | null>(null);
  const panelRef = useRef<Panel | null>(null);
  const returnTo = useRef<FocusTarget>(openerRef);
  const focus = useFocusRequest();
  const open = useCallback(
    (next: T, opener: FocusTarget = openerRef) => {
      returnTo.current = opener;
      setValue(next);
      focus(panelRef);
    },
    [focus],
  );
  const cancel = useCallback(() => {
    setValue(null);
    focus(returnTo.current);
  }, [focus]);
  /** Closes without moving focus: the caller focuses the result instead. */
  const close = useCallback(() => setValue(null), []);
  return { value, isOpen: value !== null, open, cancel, close, focus, openerRef, panelRef };
}

/**
 * Props for a button whose action is running. A `disabled` button loses focus (to the
 * page's start) the moment it is disabled; this one keeps it, says it is unavailable,
 * and ignores clicks and form submission until the action ends.
 */
export function busyButtonProps(busy: boolean, onClick?: (event: MouseEvent<HTMLButtonElement>) => void) {
  return {
    "aria-disabled": busy ? (true as const) : undefined,
    onClick: (event: MouseEvent<HTMLButtonElement>) => {
      if (busy) {
        event.preventDefault();
        return;
      }
      onClick?.(event);
    },
  };
}
