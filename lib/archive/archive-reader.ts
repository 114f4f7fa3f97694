/**
 * The console's entry point to the archive: services, days, a day's records page by
 * page, and one record. Each job lives in its own module; this one only gathers them.
 */
export * from "./archive-input";
export * from "./archive-names";
export * from "./archive-calendar";
export * from "./day-listing";
export * from "./record-read";
