#!/usr/bin/env node
// The CLI runs the server's TypeScript directly (through tsx), so it shares every
// validation and data function with the web app and the worker.
import { register } from "tsx/esm/api";

register();
await import("../server/cli/main.ts");
