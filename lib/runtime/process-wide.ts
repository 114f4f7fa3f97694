/**
 * One value per server process, however many times its module is loaded. A built Next
 * server runs route handlers and pages in separate module runtimes, so a module-level
 * `const` exists once for each: a cache one of them clears stays full in the other. The
 * value is kept on globalThis under a registered symbol, so every copy of the module
 * finds the same one.
 */
export function processWide<T>(name: string, make: () => T): T {
  const key = Symbol.for(`lazarus.${name}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  return (store[key] ??= make());
}
