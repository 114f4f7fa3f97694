import { z } from "zod";

// Zod probes for eval with a caught `new Function("")` before compiling its object
// parsers; under the console's Content-Security-Policy (no 'unsafe-eval') that probe is
// reported as a violation on every page that parses with zod. Its interpreter is plenty
// for the browser's payloads. Set here because Next runs this before the app's modules.
z.config({ jitless: true });
