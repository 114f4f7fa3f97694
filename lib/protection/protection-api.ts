import { z } from "zod";
import { serviceSegment } from "../http/inputs";

/** Request shapes of /api/protection/*. The response of GET /api/protection is ProtectionReport (protection-types.ts). */
export const protectionServiceParams = z.object({ service: serviceSegment });
/** POST /api/protection/recheck: one service's answers, or the fleet's when no service is named. */
export const protectionRecheckBody = z.strictObject({ service: serviceSegment.optional() });
export { protectionFixBody, type ProtectionFixBody, type ProtectionFixResult } from "./protection-fixes";
