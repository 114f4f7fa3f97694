import { z } from "zod";

/** What the local identity provider and the code that starts it agree on. */

export const ID_TOKEN_FAULTS = ["signature", "issuer", "audience", "expired"] as const;
export type IdTokenFault = (typeof ID_TOKEN_FAULTS)[number];

export const localIdpClientSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(16),
    redirectUris: z.array(z.url()).min(1),
    postLogoutRedirectUris: z.array(z.url()).default([]),
  })
  .strict();
export type LocalIdpClient = z.input<typeof localIdpClientSchema>;
