"use client";

import { useEffect, useSyncExternalStore, type RefObject } from "react";

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** What a field holds as its state sees it: a checkbox's or radio button's checkedness, any other field's value. */
const currentValue = (field: Field) =>
  field instanceof HTMLInputElement && (field.type === "checkbox" || field.type === "radio") ? String(field.checked) : field.value;

/**
 * A server-rendered form can be typed into before React hydrates it. React leaves those
 * values in the page but not in state, so the next render would put the defaults back.
 * On mount, the current value of each field marked `data-field="<name>"` is handed to its
 * setter (checkboxes and radio buttons as "true" / "false"); after that, changes arrive through the fields'
 * own handlers. A data attribute rather than `name`, so that a form submitted before
 * hydration does not put its fields into the page's URL.
 */
export function useAdoptTypedValues(form: RefObject<HTMLFormElement | null>, setters: Record<string, (value: string) => void>) {
  useEffect(() => {
    const root = form.current;
    if (!root) return;
    for (const [name, set] of Object.entries(setters)) {
      const field = root.querySelector(`[data-field="${CSS.escape(name)}"]`);
      if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement || field instanceof HTMLTextAreaElement) set(currentValue(field));
    }
    // Once, on mount: the setters are recreated on every render and must not re-run this.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}

const subscribeToNothing = () => () => undefined;

/**
 * False in the server's HTML and while React hydrates it, true from the render after. A
 * submit button disabled until then cannot send its form the browser's way (a GET of the
 * page) before the form's own handler is there.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribeToNothing,
    () => true,
    () => false,
  );
}
