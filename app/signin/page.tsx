import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { AuthEnvError } from "@/lib/auth/env";
import { NO_ROLE_ERROR, signInMethods } from "@/lib/auth/options";
import { TOO_MANY_ATTEMPTS_ERROR } from "@/lib/auth/sign-in-guard";
import { getSessionUser } from "@/lib/auth/session";
import { demoUserLabel } from "@/lib/auth/demo-users";
import { DemoSignInForm, OidcSignInButton } from "./sign-in-forms";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

/** next-auth's `?error=` codes, in words. */
function errorMessage(code: string, providerName: string | undefined, retryAfter: string | undefined): string {
  switch (code) {
    case TOO_MANY_ATTEMPTS_ERROR: {
      const minutes = Math.min(60, Math.max(1, Math.ceil(Number(retryAfter) / 60) || 15));
      return `Too many failed sign-ins for this account or from this address, so sign-in is paused. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    case NO_ROLE_ERROR:
      return `You signed in${providerName ? ` with ${providerName}` : ""}, but your account is not in any group or email list that gives a Lazarus role, so Lazarus cannot let you in. Ask an administrator to add you to one of the groups in auth.roles.`;
    case "CredentialsSignin":
      return "That password is not right.";
    case "SessionRequired":
      return "Sign in to continue.";
    case "AccessDenied":
      return "Access was denied.";
    case "OAuthSignin":
    case "OAuthCallback":
    case "OAuthCreateAccount":
    case "Callback":
      return `Signing in${providerName ? ` with ${providerName}` : ""} did not complete. Try again; if it keeps failing, the server log says why.`;
    default:
      return "Signing in did not work. Try again.";
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(first(params.callbackUrl));
  const error = first(params.error);

  let methods: ReturnType<typeof signInMethods>;
  try {
    methods = signInMethods();
  } catch (e) {
    if (!(e instanceof AuthEnvError)) throw e;
    return (
      <section aria-labelledby="signin-heading" className="mx-auto max-w-xl space-y-4">
        <h1 id="signin-heading" className="text-2xl font-semibold">
          Sign in
        </h1>
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          <p className="font-medium">Sign-in is not configured on this server.</p>
          <pre className="mt-2 whitespace-pre-wrap font-mono text-xs">{e.message}</pre>
        </div>
      </section>
    );
  }

  if (await getSessionUser()) redirect(callbackUrl);

  return (
    <section aria-labelledby="signin-heading" className="mx-auto max-w-3xl space-y-6">
      <div className="space-y-1">
        <h1 id="signin-heading" className="text-2xl font-semibold">
          Sign in to Lazarus
        </h1>
        <p className="text-sm text-slate-600">Find, compare and restore deleted DynamoDB items.</p>
      </div>

      {error ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          {errorMessage(error, methods.oidc?.name, first(params.retryAfter))}
        </div>
      ) : null}

      {methods.oidc ? (
        <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <OidcSignInButton providerId={methods.oidc.id} providerName={methods.oidc.name} callbackUrl={callbackUrl} />
        </div>
      ) : null}

      {methods.demoUsers.length > 0 ? (
        <section aria-labelledby="demo-heading" className="space-y-3">
          <div>
            <h2 id="demo-heading" className="text-lg font-semibold">
              Demo users
            </h2>
            <p className="text-sm text-slate-600">
              One user per role (and a second admin and compliance officer, for approvals), enabled on this server for trying Lazarus out. The password was printed when the demo started.
            </p>
          </div>
          <ul className="grid gap-4 sm:grid-cols-2">
            {methods.demoUsers.map((user) => (
              <li key={user.id}>
                <DemoSignInForm email={user.email} role={user.role} who={demoUserLabel(user)} callbackUrl={callbackUrl} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}
