import { afterAll } from "vitest";
import { removeTempOutdirs } from "./fixtures";

afterAll(removeTempOutdirs);
