import { z } from "zod";
import { serviceSegment } from "../http/inputs";

/** Request shapes of /api/protection/*. The response of GET /api/protection is ProtectionReport (protection-types.ts). */
export const protectionServiceParams = z.object({ service: serviceSegment });
export { protectionFixBody, type ProtectionFixBody, type ProtectionFixResult } from "./protection-fixes";
