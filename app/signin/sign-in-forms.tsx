"use client";

import { signIn } from "next-auth/react";
import { useId, useState, type FormEvent } from "react";
import { ROLE_LABELS, PERMISSION_DESCRIPTIONS, can, PERMISSIONS, type Role } from "@/lib/auth/roles";

const buttonClass =
  "inline-flex items-center justify-center rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 disabled:cursor-not-allowed disabled:opacity-60";

export function OidcSignInButton({ providerId, providerName, callbackUrl }: { providerId: string; providerName: string; callbackUrl: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      className={buttonClass}
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signIn(providerId, { callbackUrl });
      }}
    >
      {pending ? `Redirecting to ${providerName}…` : `Sign in with ${providerName}`}
    </button>
  );
}

function roleSummary(role: Role): string {
  const extra = PERMISSIONS.filter((p) => p !== "archive:read" && can(role, p)).map((p) => PERMISSION_DESCRIPTIONS[p]);
  return extra.length === 0 ? "Browse, preview and compare archived records." : `Browse the archive, and ${extra.slice(0, 3).join(", ")}${extra.length > 3 ? ", and more" : ""}.`;
}

/** `who` names the user on the button: the role, or "second admin" for a role's second demo user. */
export function DemoSignInForm({ email, role, who = role, callbackUrl }: { email: string; role: Role; who?: string; callbackUrl: string }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const label = who === role ? ROLE_LABELS[role] : `${ROLE_LABELS[role]} (second)`;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = new FormData(event.currentTarget).get("password");
    setPending(true);
    setError(null);
    const result = await signIn("demo", { email, password: typeof password === "string" ? password : "", redirect: false, callbackUrl });
    if (result?.ok && !result.error) {
      // A full load, so the server renders the next page with the new session cookie.
      window.location.assign(callbackUrl);
      return;
    }
    setPending(false);
    setError(
      result?.error === "CredentialsSignin"
        ? "That password is not right."
        : result?.status === 429
          ? "Too many failed sign-ins for this account or from this address, so sign-in is paused for up to 15 minutes. Try again later."
          : "Signing in did not work. Try again.",
    );
  }

  return (
    <form onSubmit={onSubmit} aria-labelledby={`${id}-title`} className="flex h-full flex-col gap-3 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <div>
        <h3 id={`${id}-title`} className="font-semibold">
          {label}
        </h3>
        <p className="text-sm text-slate-600">{roleSummary(role)}</p>
      </div>
      <input type="hidden" name="username" autoComplete="username" value={email} />
      <p className="text-sm">
        <span className="text-slate-600">User </span>
        <span className="font-mono">{email}</span>
      </p>
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-password`} className="text-sm font-medium">
          {`Password for ${email}`}
        </label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          required
          autoComplete="current-password"
          aria-describedby={error ? `${id}-error` : undefined}
          aria-invalid={error ? true : undefined}
          className="rounded-md border border-slate-300 px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-slate-900"
        />
      </div>
      <p id={`${id}-error`} role="status" aria-live="polite" className="min-h-5 text-sm text-red-700">
        {error}
      </p>
      <button type="submit" className={`${buttonClass} mt-auto`} disabled={pending}>
        {pending ? "Signing in…" : `Sign in as ${who}`}
      </button>
    </form>
  );
}
